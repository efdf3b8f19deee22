"""Issue 11 items 2, 6, 7, 11 in the live log: close with the checklist, reopen, read-only
entries on a closed case, the drug totals, the ACT trend, remembered values, the allergy banner."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from cathlog.domain.enums import EventKind, ProcedureStatus
from cathlog.store import audit
from cathlog.ui.main_window import MainWindow
from tests.helpers import open_case


@pytest.fixture
def window(qtbot, services, nurse, tmp_path):
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow(services, nurse, "test.db", settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=3000)
    return win


def _audit(services, pid, action):
    return [r for r in audit.rows(services.store, procedure_id=pid) if r.action == action]


def test_close_with_the_checklist_then_reopen_by_key(qtbot, window, services, nurse, monkeypatch):
    pid = open_case(services, nurse).procedure_id
    services.cases.record_event(nurse, pid, "access", {"site": "femoral", "side": "left", "vessel_type": "artery",
                                                       "sheath_fr": 6.0})
    window.open_case(pid)
    live = window.live
    asked = []

    def answer(parent, title, label, *a, **k):
        asked.append(label)
        return answers.pop(0)

    answers = [("", False)]  # first: Cancel, to record the missing items
    monkeypatch.setattr(QInputDialog, "getText", answer)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("missing items need a reason"))
    live.close_button.click()
    assert "closure / haemostasis recorded for the left femoral access" in asked[0]
    assert "sheath out time" in asked[0] and "radiation totals entered" in asked[0]
    assert "contrast total entered" in asked[0] and "end time" in asked[0]
    assert services.cases.get_record(nurse, pid).procedure.status is ProcedureStatus.OPEN
    assert "Not closed" in live.message.text()

    answers.append(("closure charted by the ward nurse", True))
    live.close_button.click()
    assert services.cases.get_record(nurse, pid).procedure.status is ProcedureStatus.CLOSED
    (row,) = _audit(services, pid, "close_case")
    assert row.reason == "closure charted by the ward nurse"
    assert "contrast total entered" in json.loads(row.new_value)["checklist_missing"]

    # closed: correct and void are disabled, and say why
    for button in (live.correct_button, live.void_button):
        assert not button.isEnabled()
        assert "closed" in button.toolTip() and "Reopen" in button.toolTip()
    assert live.reopen_button.isVisibleTo(live) and live.reopen_button.isEnabled()
    live.timeline.selectRow(0)
    qtbot.keyClick(live.timeline, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert live.form.correcting is None and "Reopen it" in live.message.text()

    answers.append(("haemostasis to record", True))
    qtbot.keyClick(live.timeline, Qt.Key.Key_O,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert services.cases.get_record(nurse, pid).procedure.status is ProcedureStatus.OPEN
    (row,) = _audit(services, pid, "reopen_case")
    assert (row.username, row.reason) == ("nurse", "haemostasis to record")
    assert live.correct_button.isEnabled() and live.void_button.isEnabled()
    assert "read-only" not in live.correct_button.toolTip() and "Ctrl+E" in live.correct_button.toolTip()
    assert not live.reopen_button.isVisibleTo(live)


def test_a_complete_case_closes_with_a_plain_question(qtbot, window, services, nurse, monkeypatch):
    pid = open_case(services, nurse, allergies=None).procedure_id
    services.cases.record_event(nurse, pid, "access", {"site": "radial", "side": "right", "vessel_type": "artery",
                                                       "sheath_fr": 6.0, "closure": "radial_band"})
    services.cases.record_event(nurse, pid, "contrast", {"agent": "iohexol", "volume_ml": 80.0})
    services.cases.record_event(nurse, pid, "radiation", {"fluoro_time_s": 400, "air_kerma_mgy": 300.0})
    window.open_case(pid)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: pytest.fail("nothing is missing"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.live.close_button.click()
    (row,) = _audit(services, pid, "close_case")
    assert row.reason is None and "checklist_missing" not in json.loads(row.new_value)


def test_drug_totals_exclude_a_voided_dose(qtbot, window, services, nurse, clock):
    pid = open_case(services, nurse, weight_kg=80.0).procedure_id
    heparin = {"drug": "heparin", "dose_unit": "units", "route": "iv"}
    services.cases.record_event(nurse, pid, "medication", {**heparin, "dose": 5000.0})
    clock.advance(minutes=20)
    wrong = services.cases.record_event(nurse, pid, "medication", {**heparin, "dose": 3000.0})
    clock.advance(minutes=20)
    services.cases.record_event(nurse, pid, "medication", {**heparin, "dose": 2000.0}, confirm=True)
    services.cases.record_event(nurse, pid, "medication", {"drug": "nitroglycerin", "dose": 200.0,
                                                           "dose_unit": "mcg", "route": "ia"})
    clock.advance(minutes=20)
    services.cases.record_event(nurse, pid, "medication", {"drug": "nitroglycerin", "dose": 100.0,
                                                           "dose_unit": "mcg", "route": "ia"})
    services.cases.void_event(nurse, wrong.event_id, "logged twice")
    window.open_case(pid)
    assert window.live.drug_panel.lines() == ["Heparin: 7000 units (88 units/kg) ×2", "Nitroglycerin: 300 mcg ×2"]


def test_act_trend_with_verdicts_and_the_hemochron_band(qtbot, window, services, nurse, clock):
    pid = open_case(services, nurse).procedure_id
    services.cases.record_event(nurse, pid, "act", {"act_s": 228, "act_device": "hemotec"})
    clock.advance(minutes=20)
    services.cases.record_event(nurse, pid, "act", {"act_s": 280, "act_device": "hemotec"})
    clock.advance(minutes=10)
    services.cases.record_event(nurse, pid, "act", {"act_s": 320, "act_device": "hemochron"})
    window.open_case(pid)
    lines = window.live.act_panel.trend.text().splitlines()
    assert len(lines) == 3
    assert lines[0].endswith("228 s HemoTec  ▼ below target (250-300)")
    assert lines[1].endswith("280 s HemoTec  ✔ in target (250-300)")
    assert lines[2].endswith("320 s Hemochron  ✔ in target (300-350)")  # 320 s is above the HemoTec band
    assert "in target 300-350 s" in window.live.act_panel.status.text()


def test_the_form_starts_from_the_last_analyser_cartridge_and_agent(qtbot, window, services, nurse):
    pid = open_case(services, nurse, allergies=None).procedure_id
    services.cases.record_event(nurse, pid, "act", {"act_s": 250, "act_device": "hemochron", "cartridge": "FTCA510"})
    services.cases.record_event(nurse, pid, "contrast", {"agent": "iodixanol", "concentration_mgi_ml": 320,
                                                         "volume_ml": 30.0})
    window.open_case(pid)
    live = window.live
    qtbot.keyClick(live.timeline, Qt.Key.Key_F3)
    assert live.form.kind is EventKind.ACT
    assert live.form.inputs["act_device"].value() == "hemochron" and live.form.inputs["cartridge"].value() == "FTCA510"
    assert live.form.inputs["act_s"].value() is None
    qtbot.keyClick(live.timeline, Qt.Key.Key_F6)
    assert live.form.inputs["agent"].value() == "iodixanol"
    assert live.form.inputs["concentration_mgi_ml"].value() == 320
    assert live.form.inputs["volume_ml"].value() is None


def test_allergy_banner_in_the_live_log(qtbot, window, services, nurse):
    pid = open_case(services, nurse, allergies="iodinated contrast; latex").procedure_id
    window.open_case(pid)
    banner = window.live.allergy_banner
    assert banner.isVisible()
    assert banner.text().startswith("⚠ ALLERGIES: iodinated contrast; latex")  # icon and words, not colour alone
    assert banner.font().pointSize() >= 18 or "font-size: 20pt" in banner.styleSheet()
    assert "font-weight: 800" in banner.styleSheet()
    other = open_case(services, nurse, "00777", allergies=None).procedure_id
    window.open_case(other)
    assert not banner.isVisible()


def test_contrast_for_a_contrast_allergy_asks_in_the_form(qtbot, window, services, nurse):
    pid = open_case(services, nurse, allergies="contrast dye").procedure_id
    window.open_case(pid)
    live = window.live
    qtbot.keyClick(live.timeline, Qt.Key.Key_F6)
    live.form.inputs["agent"].set_value("iohexol")
    qtbot.keyClicks(live.form.inputs["volume_ml"].editor, "40")
    live.form.submit()
    assert "premedication" in live.form.messages.text()
    assert services.cases.get_record(nurse, pid).events == ()
    live.form.submit()  # the second press confirms
    (ev,) = services.cases.get_record(nurse, pid).current_events()
    assert ev.data["agent"] == "iohexol"


def test_reopen_from_the_case_list_by_key(qtbot, window, services, nurse, monkeypatch):
    pid = open_case(services, nurse).procedure_id
    services.cases.close_case(nurse, pid, reason="test")
    page = window.cases
    page.reload()
    assert page.reopen_button.isVisibleTo(window)
    page.case_view.selectRow(0)
    page.case_view.setFocus()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("ACT missing", True))
    qtbot.keyClick(page.case_view, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert services.cases.get_record(nurse, pid).procedure.status is ProcedureStatus.OPEN
    (row,) = _audit(services, pid, "reopen_case")
    assert row.reason == "ACT missing"
