"""The close checklist as the nurse sees it (screenshot review, wave 6): its OK and Cancel carry no icons,
like every other dialog's buttons, and a refused close is said once, on the live log's own message line."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QInputDialog, QProxyStyle, QStyle

from cathlog.ui.main_window import MainWindow
from cathlog.ui.theme import apply_theme
from tests.helpers import open_case


class IconsOnButtons(QProxyStyle):
    """A desktop whose style puts icons on dialog buttons (as Fusion does under a real X server)."""

    def styleHint(self, hint, option=None, widget=None, returnData=None):  # noqa: N802 - Qt's name
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 1
        return super().styleHint(hint, option, widget, returnData)


@pytest.fixture
def window(qtbot, qapp, services, nurse, tmp_path):
    win = MainWindow(services, nurse, "test.db", settings=QSettings(str(tmp_path / "s.ini"),
                                                                    QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def icon_style(qapp):
    before = qapp.style().name()
    qapp.setStyle(IconsOnButtons(before))
    apply_theme(qapp, "light")
    yield
    qapp.setStyle(before)
    apply_theme(qapp, "light")


def _case_with_items_missing(services, nurse) -> str:
    pid = open_case(services, nurse).procedure_id
    services.cases.record_event(nurse, pid, "access", {"site": "femoral", "side": "left", "vessel_type": "artery",
                                                       "sheath_fr": 6.0})
    return pid


def test_the_checklists_buttons_carry_no_icons(qtbot, window, services, nurse, icon_style):
    window.open_case(_case_with_items_missing(services, nurse))
    seen: list[list[tuple[str, bool]]] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(10, answer)
            return
        box = dialog.findChild(QDialogButtonBox)
        seen.append([(button.text(), button.icon().isNull()) for button in box.buttons()])
        dialog.reject()

    QTimer.singleShot(0, answer)
    window.live.close_case()
    assert seen and len(seen[0]) == 2, seen
    assert all(no_icon for _, no_icon in seen[0]), seen


def test_a_refused_close_is_said_once(qtbot, window, services, nurse, monkeypatch):
    window.open_case(_case_with_items_missing(services, nurse))
    window.statusBar().clearMessage()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", False))  # Cancel: record them first
    window.live.close_button.click()
    assert window.live.message.text().startswith("Not closed")
    assert "Not closed" not in window.statusBar().currentMessage()
