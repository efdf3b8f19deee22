"""Issue 11 items 3 and 5 through the live log: back-dating across a clock change
(lab zone injected: America/New_York), the ambiguous hour asked, the clock set
back shown; an ambiguous scan asks which split before anything is stored."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from cathlog.domain.enums import EventKind
from cathlog.ui.main_window import MainWindow
from cathlog.ui.scan_choice import ChoiceDialog
from tests.helpers import open_case

NY = ZoneInfo("America/New_York")


@pytest.fixture
def window(qtbot, services, nurse, tmp_path):
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow(services, nurse, "test.db", settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def answer_choice(pick: int | str | None, seen: list[list[str]]) -> None:
    """When the chooser opens, note its options and press option ``pick`` (an index, or the
    option whose text contains it; None: Cancel)."""
    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ChoiceDialog):
            QTimer.singleShot(10, poll)
            return
        texts = [b.text() for b in dialog.buttons]
        seen.append(texts)
        if pick is None:
            button = dialog.findChild(QPushButton, "choice_cancel")
        elif isinstance(pick, str):
            button = next(b for b in dialog.buttons if pick in b.text())
        else:
            button = dialog.buttons[pick]
        button.click()
    QTimer.singleShot(0, poll)


def _act_entry(qtbot, live, time_text: str, act_s: str = "250"):
    live.new_entry(EventKind.ACT)
    live.form.tz = NY  # the lab's zone, not the machine's
    live.form.inputs["act_s"].editor.clear()
    qtbot.keyClicks(live.form.inputs["act_s"].editor, act_s)
    live.form.time.clear()
    qtbot.keyClicks(live.form.time, time_text)


def _press_save(qtbot, live) -> list:
    """Click Save, as a nurse does (a closed chooser leaves the window inactive, where the
    form's Enter shortcut would not fire in the offscreen test platform)."""
    saved: list = []
    live.entry_saved.connect(saved.append)
    qtbot.mouseClick(live.form.save_button, Qt.MouseButton.LeftButton)
    return saved


def test_back_dating_across_spring_forward_is_exact(qtbot, window, services, nurse, clock):
    clock.now = datetime(2026, 3, 8, 7, 5, tzinfo=timezone.utc)  # 03:05 EDT, an hour after the change
    proc = open_case(services, nurse)
    window.open_case(proc.procedure_id)
    live = window.live
    _act_entry(qtbot, live, "01:58")
    saved = _press_save(qtbot, live)
    assert saved and saved[-1].occurred_at == "2026-03-08T06:58:00Z"  # 01:58 EST, seven minutes earlier

    _act_entry(qtbot, live, "02:30")  # the clocks jumped from 02:00 to 03:00
    assert not _press_save(qtbot, live)
    assert "02:30 did not exist on 2026-03-08 in America/New_York" in live.form.messages.text()
    assert len(services.cases.get_record(nurse, proc.procedure_id).events) == 1


def test_the_repeated_hour_is_asked(qtbot, window, services, nurse, clock):
    clock.now = datetime(2026, 11, 1, 6, 50, tzinfo=timezone.utc)  # 01:50 EST, the second pass
    proc = open_case(services, nurse)
    window.open_case(proc.procedure_id)
    live = window.live
    seen: list[list[str]] = []
    _act_entry(qtbot, live, "01:30")
    answer_choice(None, seen)
    assert not _press_save(qtbot, live)  # cancelled: nothing guessed, nothing stored
    assert seen == [["01:30 EDT (first)", "01:30 EST (second)"]]
    assert "Choose one" in live.form.messages.text()

    answer_choice(1, seen)
    saved = _press_save(qtbot, live)
    assert saved and saved[-1].occurred_at == "2026-11-01T06:30:00Z", (live.form.messages.text(), seen)
    assert len(seen) == 2


def test_a_clock_set_back_is_shown(qtbot, window, services, nurse, clock):
    proc = open_case(services, nurse)
    services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 250})
    window.open_case(proc.procedure_id)
    live = window.live
    assert live.clock_warning.isHidden()
    clock.now -= timedelta(hours=1)
    live.refresh_panels()
    assert not live.clock_warning.isHidden()
    assert "60 min behind the case's last entry" in live.clock_warning.text()


# --- item 3: a scan whose group separator was lost ---------------------------------------

GTIN_DES = "08809630000389"  # catalog: Resolute Onyx 3.0 x 26 mm
SWALLOWED = f"01{GTIN_DES}17280331" + "10AB211721XY9"  # lot and serial run together


def _case_with_lesion(services, nurse):
    proc = open_case(services, nurse)
    services.cases.record_event(nurse, proc.procedure_id, "lesion", {"vessel": "rca", "stenosis_pre_pct": 90})
    return proc


def test_an_ambiguous_scan_asks_and_stores_the_chosen_split(qtbot, window, services, nurse):
    proc = _case_with_lesion(services, nurse)
    window.open_case(proc.procedure_id)
    live = window.live
    seen: list[list[str]] = []
    answer_choice("lot AB2117, serial XY9", seen)
    qtbot.keyClicks(live.scan, SWALLOWED)
    qtbot.keyClick(live.scan, Qt.Key.Key_Return)
    assert seen == [["lot AB, serial 1721XY9, expiry 2028-03-31", "lot AB2117, serial XY9, expiry 2028-03-31",
                     "lot AB211721XY9, no serial, expiry 2028-03-31"]]
    form = live.form
    assert form.kind is EventKind.DEVICE
    assert form.inputs["lot"].value() == "AB2117" and form.inputs["serial"].value() == "XY9"
    form.inputs["state"].set_value("implanted")
    form.inputs["lesion_event_id"].editor.setCurrentIndex(1)
    saved = _press_save(qtbot, live)
    assert saved, live.form.messages.text()
    stored = services.cases.get_record(nurse, proc.procedure_id).current_events(EventKind.DEVICE)
    assert [(d.data["lot"], d.data["serial"], d.data["udi"]) for d in stored] == [
        ("AB2117", "XY9", f"(01){GTIN_DES}(17)280331(10)AB2117(21)XY9")]


def test_cancelling_an_ambiguous_scan_stores_nothing(qtbot, window, services, nurse):
    proc = _case_with_lesion(services, nurse)
    window.open_case(proc.procedure_id)
    live = window.live
    seen: list[list[str]] = []
    answer_choice(None, seen)
    qtbot.keyClicks(live.scan, SWALLOWED)
    qtbot.keyClick(live.scan, Qt.Key.Key_Return)
    assert len(seen) == 1
    assert "Scan not used" in live.message.text() and live.form.kind is None
    assert not services.cases.get_record(nurse, proc.procedure_id).current_events(EventKind.DEVICE)


def test_a_scan_with_one_reading_goes_straight_through(qtbot, window, services, nurse, monkeypatch):
    import cathlog.ui.scan_choice as scan_choice

    monkeypatch.setattr(scan_choice, "choose", lambda *a, **k: pytest.fail("the chooser opened"))
    proc = _case_with_lesion(services, nurse)
    window.open_case(proc.procedure_id)
    live = window.live
    qtbot.keyClicks(live.scan, f"01{GTIN_DES}17280331" + "10LOT8831")
    qtbot.keyClick(live.scan, Qt.Key.Key_Return)
    assert live.form.kind is EventKind.DEVICE and live.form.inputs["lot"].value() == "LOT8831"
    assert live.form.inputs["serial"].value() in (None, "")
