"""Issue 12 items 4 and 8: combo boxes and the mouse wheel; the dim theme read from 2 m."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QPalette, QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from cathlog.ui import theme
from cathlog.ui.combo import Combo


def _wheel(widget: QWidget, steps: int = -1) -> None:
    """One notch of the wheel over the widget's middle (negative: towards the user, i.e. down)."""
    pos = QPointF(widget.rect().center())
    event = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


@pytest.fixture
def form_in_scroll(qtbot):
    area = QScrollArea()
    area.setWidgetResizable(True)
    inner = QWidget()
    layout = QVBoxLayout(inner)
    first = QLineEdit()  # where the nurse is typing
    layout.addWidget(first)
    before = QLabel("above")
    before.setMinimumHeight(300)
    layout.addWidget(before)
    combo = Combo()
    combo.addItems(["none", "apixaban", "edoxaban", "warfarin"])
    layout.addWidget(combo)
    after = QLabel("below")
    after.setMinimumHeight(900)
    layout.addWidget(after)
    area.setWidget(inner)
    area.resize(400, 400)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    area.ensureWidgetVisible(combo)
    return area, combo


def test_the_wheel_over_an_unfocused_combo_scrolls_the_form_and_leaves_the_value(qtbot, form_in_scroll):
    area, combo = form_in_scroll
    assert combo.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel never gives it focus
    assert not combo.hasFocus()
    start = area.verticalScrollBar().value()
    _wheel(combo)
    assert combo.currentText() == "none"
    assert area.verticalScrollBar().value() > start  # the wheel moved the form instead


def test_a_focused_combo_still_follows_the_wheel(qtbot, form_in_scroll):
    area, combo = form_in_scroll
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    _wheel(combo)
    assert combo.currentText() == "apixaban"


def test_every_combo_box_of_the_screens_is_the_guarded_one():
    """One way to make a combo box: a plain QComboBox would change under the wheel again."""
    from pathlib import Path

    import cathlog.ui

    plain = [f"{p.name}:{n}" for p in sorted(Path(cathlog.ui.__file__).parent.glob("*.py")) if p.name != "combo.py"
             for n, line in enumerate(p.read_text().splitlines(), 1) if "QComboBox(" in line]
    assert plain == []


@pytest.fixture
def dim(qapp):
    theme.apply_theme(qapp, "dim")
    yield theme.PALETTES["dim"]
    theme.apply_theme(qapp, "light")


def _luminance(colour: str) -> float:
    c = QColor(colour)
    return 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF()


def test_dim_selection_is_not_the_brightest_thing_on_screen(dim):
    assert _luminance(dim["selection"]) < _luminance(dim["fg"]) / 2
    assert _luminance(dim["selection"]) < _luminance(dim["accent"])
    assert "selection-background-color: " + dim["selection"] in theme.stylesheet("dim")


@pytest.mark.parametrize("name", theme.THEMES)
def test_disabled_items_look_different_menus_included(qapp, name):
    colours = theme.PALETTES[name]
    assert colours["disabled_fg"] != colours["fg"] and colours["disabled_bg"] != colours["button"]
    pal = theme.palette(name)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        assert pal.color(QPalette.ColorGroup.Disabled, role) != pal.color(QPalette.ColorGroup.Active, role)
    sheet = theme.stylesheet(name)
    assert "QMenu::item:disabled" in sheet and "QPushButton:disabled" in sheet


def test_apply_theme_sets_the_palette_too(dim, qapp):
    assert qapp.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText) == QColor(dim["disabled_fg"])
    assert theme.colour("alert") == QColor(dim["alert"])


def test_success_is_not_in_the_caution_colour(qtbot, dim):
    done, asks = QLabel("Saved."), QLabel("Please check")
    done.setObjectName("FormMessages")
    asks.setObjectName("FormMessages")
    for label in (done, asks):
        qtbot.addWidget(label)
        label.show()
    theme.set_tone(done, "ok")
    theme.set_tone(asks, "caution")
    text = QPalette.ColorRole.WindowText
    assert done.palette().color(text) == QColor(dim["ok"])
    assert asks.palette().color(text) == QColor(dim["caution"])
