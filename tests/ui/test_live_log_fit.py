"""The live log at 1366x768 (wave 6 screenshot review): ACT, contrast against its limit and radiation in
view without scrolling, with or without a form open; the ACT's "min ago" on one line; the timeline's top
row whole; the scan field's placeholder whole; the case list's preview wrapping several words a line;
the close checklist's buttons plain and a refused close told once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSettings, Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QProxyStyle,
    QPushButton,
    QStyle,
    QStyleOptionFrame,
    QWidget,
)

from cathlog.domain.describe import KIND_TITLES
from cathlog.domain.enums import EventKind
from cathlog.ui import theme
from cathlog.ui.main_window import MainWindow
from cathlog.ui.timeline import DETAILS
from tests.helpers import open_case

LAPTOP = (1366, 730)  # a 1366x768 screen less its task bar and title bar
WIDE = (1920, 1050)
ALLERGIES = "iodinated contrast (hives 2019); penicillin (rash); latex"


@pytest.fixture(params=theme.THEMES)
def themed(request, qapp):
    theme.apply_theme(qapp, request.param)
    yield request.param
    theme.apply_theme(qapp, "light")


def _window(qtbot, services, actor, tmp_path, size=LAPTOP) -> MainWindow:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow(services, actor, "test.db", settings=settings)
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    return win


def _busy_case(services, nurse, clock, acts: int = 6) -> str:
    """A case as the screenshot review saw it: a long allergy banner, ACT readings (six fill the trend),
    drugs, contrast, a stent, radiation, a long note."""
    pid = open_case(services, nurse, allergies=ALLERGIES).procedure_id
    log = services.cases.record_event

    def step(kind: str, data: dict) -> None:
        clock.advance(minutes=3)
        log(nurse, pid, kind, data, confirm=True)

    step("access", {"site": "radial", "side": "right", "vessel_type": "artery", "sheath_fr": 6.0})
    step("medication", {"drug": "heparin", "dose": 5000.0, "dose_unit": "units", "route": "iv"})
    step("medication", {"drug": "nitroglycerin", "dose": 200.0, "dose_unit": "mcg", "route": "ia"})
    for act_s in (228, 276, 301, 288, 265, 251)[:acts]:
        step("act", {"act_s": act_s, "act_device": "hemotec", "cartridge": "HR-ACT"})
    step("contrast", {"agent": "iodixanol", "concentration_mgi_ml": 320, "volume_ml": 95.0})
    step("device", {"device_type": "des", "state": "implanted", "manufacturer": "Medtronic",
                    "model": "Resolute Onyx", "diameter_mm": 3.0, "length_mm": 22.0, "lot": "0012345678"})
    step("radiation", {"fluoro_time_s": 642, "air_kerma_mgy": 540.0})
    step("note", {"text": "LAD stented, 0 % residual, TIMI 3; radial band applied at 14 ml, distal pulse "
                          "present, patient comfortable, family informed"})
    return pid


def _in_viewport(widget: QWidget, viewport: QWidget) -> bool:
    """All of ``widget`` lies inside ``viewport`` (a scroll area's visible part) as it is scrolled now."""
    rect = QRect(widget.mapTo(viewport, widget.rect().topLeft()), widget.size())
    return widget.isVisible() and viewport.rect().contains(rect)


# --- item 1: the cards a nurse watches, in view -------------------------------------------------------------


@pytest.mark.parametrize("size", [LAPTOP, WIDE], ids=["1366", "1920"])
@pytest.mark.parametrize("kind", [None, EventKind.DEVICE, EventKind.MEDICATION])
def test_act_contrast_and_radiation_are_in_view_without_scrolling(qtbot, themed, services, nurse, clock, tmp_path,
                                                                 size, kind):
    win = _window(qtbot, services, nurse, tmp_path, size)
    win.open_case(_busy_case(services, nurse, clock))
    live = win.live
    if kind is not None:  # logging: the form is open beside the timeline
        live.new_entry(kind)
        qtbot.waitUntil(lambda: live.form.save_button.isVisible())
    viewport = live.panel_scroll.viewport()
    assert live.panel_scroll.verticalScrollBar().value() == 0
    for panel in (live.act_panel, live.contrast_panel, live.radiation_panel):
        qtbot.waitUntil(lambda p=panel: _in_viewport(p, viewport))  # noqa: B023 - waited on at once
    assert len(live.act_panel.trend.text().splitlines()) == 6  # a full trend, and still all in view


def test_opening_and_closing_a_form_changes_neither_the_timelines_nor_the_panels_width(qtbot, services, nurse,
                                                                                     clock, tmp_path):
    """The form's column stays in place (showing what starts an entry) when no entry is open, so a save
    does not lay the whole timeline out again at a new width (issue 18 item 2)."""
    win = _window(qtbot, services, nurse, tmp_path)
    win.open_case(_busy_case(services, nurse, clock))
    live = win.live
    qtbot.waitUntil(lambda: live.panel_scroll.width() > 0 and live.entry_hint.isVisible())
    panels, timeline = live.panel_scroll.width(), live.timeline.width()
    assert live.entry_hint.width() >= 320 and "F1-F10" in live.entry_hint.text()
    # at 1366 the timeline beside the form's column gives "Recorded by" (named in each row's tooltip) to Details
    assert live.timeline.isColumnHidden(3) and live.timeline.columnWidth(DETAILS) >= 250
    assert "by nurse" in live.model.data(live.model.index(0, DETAILS), Qt.ItemDataRole.ToolTipRole)
    live.new_entry(EventKind.ACT)
    qtbot.waitUntil(lambda: live.form.isVisible() and not live.entry_hint.isVisible())
    assert (live.timeline.width(), live.panel_scroll.width()) == (timeline, panels)
    live.form.inputs["act_s"].set_value(250)
    live.form.submit()
    qtbot.waitUntil(lambda: not live.form.isVisible() and live.entry_hint.isVisible())
    assert (live.timeline.width(), live.panel_scroll.width()) == (timeline, panels)
    assert live.timeline.isColumnHidden(3)


def test_a_wide_screen_keeps_every_timeline_column_with_the_form_open(qtbot, services, nurse, clock, tmp_path):
    win = _window(qtbot, services, nurse, tmp_path, WIDE)
    win.open_case(_busy_case(services, nurse, clock, acts=1))
    live = win.live
    live.new_entry(EventKind.NOTE)
    qtbot.waitUntil(lambda: live.form.width() > 0)
    assert not live.timeline.isColumnHidden(3)


# --- item 4: "20 min ago" on one line -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", [None, EventKind.DEVICE])
def test_the_act_cards_time_since_and_value_keep_to_one_line(qtbot, themed, services, nurse, clock, tmp_path, kind):
    win = _window(qtbot, services, nurse, tmp_path)
    win.open_case(_busy_case(services, nurse, clock))
    clock.advance(minutes=20)
    live = win.live
    live.refresh_panels()
    if kind is not None:
        live.new_entry(kind)
    card = live.act_panel
    assert card.aside.text() == "32 min ago" and "min ago" not in card.value.text()
    qtbot.waitUntil(lambda: card.aside.width() >= card.aside.fontMetrics().horizontalAdvance(card.aside.text()))
    assert card.aside.wordWrap() is False
    line = card.value.fontMetrics().lineSpacing()
    qtbot.waitUntil(lambda: card.value.width() >= card.value.fontMetrics().horizontalAdvance(card.value.text()))
    assert card.value.height() < 2 * line  # "251 s   target 250-300 s": one line


# --- item 2: the timeline's top row whole --------------------------------------------------------------------


@pytest.mark.parametrize("kind", [None, EventKind.NOTE])
def test_the_timeline_following_its_newest_entry_shows_its_top_row_whole(qtbot, themed, services, nurse, clock,
                                                                        tmp_path, kind):
    win = _window(qtbot, services, nurse, tmp_path)
    pid = _busy_case(services, nurse, clock)
    for i in range(12):  # more rows than fit, some of them wrapped
        services.cases.record_event(nurse, pid, "note", {"text": "long " * (i % 3 * 12) + f"note {i}"})
    win.open_case(pid)
    live = win.live
    if kind is not None:
        live.new_entry(kind)
        live.form.inputs["text"].set_value("one more note")
        live.form.submit()
        qtbot.waitUntil(lambda: not live.form.isVisible())
    view = live.timeline
    last = view.model().rowCount() - 1

    def top_row_whole_and_last_row_shown() -> bool:
        top = view.rowAt(0)
        height = view.viewport().height()
        return top >= 0 and view.rowViewportPosition(top) == 0 and 0 <= view.rowViewportPosition(last) \
            and view.rowViewportPosition(last) + view.rowHeight(last) <= height

    qtbot.waitUntil(top_row_whole_and_last_row_shown)
    assert view.rowAt(0) > 0  # it did scroll


def test_a_row_taller_than_the_timeline_can_still_be_read_to_its_end(qtbot, services, nurse, clock, tmp_path):
    win = _window(qtbot, services, nurse, tmp_path)
    pid = _busy_case(services, nurse, clock, acts=1)
    services.cases.record_event(nurse, pid, "note", {"text": " ".join(f"line{i}" for i in range(500))})
    services.cases.record_event(nurse, pid, "note", {"text": "short note"})
    win.open_case(pid)
    view = win.live.timeline
    tall = view.model().rowCount() - 2
    qtbot.waitUntil(lambda: view.rowHeight(tall) > view.viewport().height())
    qtbot.waitUntil(lambda: view.verticalScrollMode() is view.ScrollMode.ScrollPerPixel)
    view.scrollTo(view.model().index(tall, 0), view.ScrollHint.PositionAtTop)
    bar = view.verticalScrollBar()
    bar.setValue(bar.value() + view.rowHeight(tall) - view.viewport().height())  # to the tall row's end
    assert view.rowViewportPosition(tall) + view.rowHeight(tall) == view.viewport().height()


# --- item 3: the scan field's placeholder whole ---------------------------------------------------------------


@pytest.mark.parametrize("size", [LAPTOP, WIDE], ids=["1366", "1920"])
def test_the_scan_fields_placeholder_fits_the_field(qtbot, themed, services, nurse, clock, tmp_path, size):
    win = _window(qtbot, services, nurse, tmp_path, size)
    win.open_case(_busy_case(services, nurse, clock, acts=1))
    scan = win.live.scan
    option = QStyleOptionFrame()
    scan.initStyleOption(option)

    def fits() -> bool:
        text_room = scan.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, scan).width()
        return scan.isVisible() and scan.fontMetrics().horizontalAdvance(scan.placeholderText()) <= text_room - 4

    qtbot.waitUntil(lambda: (scan.initStyleOption(option), fits())[1])
    assert "UDI" in scan.placeholderText() and "Ctrl+B" in scan.placeholderText()


# --- item 5: the case list's preview ---------------------------------------------------------------------------


def test_the_case_lists_preview_wraps_several_words_a_line(qtbot, themed, services, nurse, clock, tmp_path):
    _busy_case(services, nurse, clock)
    win = _window(qtbot, services, nurse, tmp_path)
    cases = win.cases
    cases.case_view.selectRow(0)
    view = cases.event_view
    qtbot.waitUntil(lambda: view.model().rowCount() > 0 and view.isVisible())
    needed = view.fontMetrics().horizontalAdvance("Heparin 5000 units IV")  # several words a line, not one
    qtbot.waitUntil(lambda: view.columnWidth(DETAILS) >= needed)
    bold = view.font()
    bold.setBold(True)
    loud = {KIND_TITLES[EventKind.COMPLICATION], KIND_TITLES[EventKind.DEVICE]}  # the bold rows' kinds
    for title in KIND_TITLES.values():  # a kind is never cut inside a word
        metrics = QFontMetrics(bold) if title in loud else view.fontMetrics()
        assert all(metrics.horizontalAdvance(word) <= view.columnWidth(1) for word in title.split()), title
    assert view.model().data(view.model().index(0, 1)) == "Access"


# --- item 6: the close checklist ---------------------------------------------------------------------------------


class _IconButtons(QProxyStyle):
    """A platform style that puts icons on dialog buttons (as the review's X server did)."""

    def styleHint(self, hint, *args):  # noqa: N802 - Qt's name
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 1
        return super().styleHint(hint, *args)


@pytest.fixture
def icon_style(qapp):
    name = qapp.style().name()
    sheet = qapp.styleSheet()
    qapp.setStyle(_IconButtons(name))
    qapp.setStyleSheet(sheet)
    yield
    qapp.setStyle(name)
    qapp.setStyleSheet(sheet)


def test_the_close_checklist_has_plain_buttons_and_a_refusal_is_told_once(qtbot, services, nurse, clock, tmp_path,
                                                                        icon_style):
    win = _window(qtbot, services, nurse, tmp_path)
    pid = _busy_case(services, nurse, clock, acts=1)
    win.open_case(pid)
    live = win.live
    seen: list[tuple[str, bool]] = []

    def look_then_cancel() -> None:
        dialog = QApplication.activeModalWidget()
        try:
            assert isinstance(dialog, QInputDialog)
            seen.extend((b.text(), b.icon().isNull()) for b in dialog.findChildren(QPushButton) if b.isVisible())
        finally:
            if dialog is not None:
                dialog.reject()

    QTimer.singleShot(0, look_then_cancel)
    live.close_case()  # missing closure, sheath out and end time: the checklist asks; Cancel
    assert seen and all(plain for _, plain in seen), seen
    text = live.message.text()
    assert text.startswith("Not closed: 3 checklist items missing") and text.count("Not closed") == 1
    assert "sheath out time" in live.message.toolTip()  # the items, listed again
    assert "Not closed" not in win.statusBar().currentMessage()  # told once, on the page
    assert text.count("\n") == 0
    qtbot.waitUntil(lambda: live.message.height() <= 2 * live.message.fontMetrics().lineSpacing() + 4)
