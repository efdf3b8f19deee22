"""Whole cases driven through the live log, keyboard and mouse, then checked
in the database (issue 3)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from cathlog.domain.enums import EventKind, ProcedureStatus
from cathlog.ui.main_window import MainWindow
from cathlog.ui.new_case import NewCaseDialog

GTIN_DES = "08809630000389"  # catalog: Resolute Onyx 3.0 x 26 mm


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


def _new_case(qtbot, services, nurse, mrn, category, planned, indication, weight="80", creatinine="1.2"):
    dialog = NewCaseDialog(services, nurse)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.mrn, mrn)
    qtbot.keyClick(dialog.mrn, Qt.Key.Key_Return)
    assert "New patient" in dialog.found.text()
    p = dialog.patient_inputs
    p["family_name"].editor.insert("Müller")  # QTest can type ASCII only
    p["given_name"].editor.insert("Zoë")
    qtbot.keyClicks(p["birth_date"].editor, "1951-07-14")
    p["sex"].set_value("female")
    qtbot.keyClicks(p["weight_kg"].editor, weight)
    qtbot.keyClicks(p["creatinine_mg_dl"].editor, creatinine)
    qtbot.keyClicks(p["egfr_ml_min"].editor, "55")
    dialog.category.set_value(category)
    assert dialog.indication.count() > 0
    for i in range(dialog.planned.count()):
        item = dialog.planned.item(i)
        if item.data(Qt.ItemDataRole.UserRole) in planned:
            item.setCheckState(Qt.CheckState.Checked)
    dialog.indication.setCurrentIndex(dialog.indication.findData(indication))
    dialog.case_inputs["urgency"].set_value("elective")
    qtbot.keyClicks(dialog.operator, "Dr. A. Patel")
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        dialog.submit()
    return dialog.procedure_id


def _fill(qtbot, live, values: dict[str, str]):
    for name, text in values.items():
        editor = live.form.inputs[name].editor
        if hasattr(editor, "findData"):
            editor.setCurrentIndex(editor.findData(text))
        elif hasattr(editor, "setChecked"):
            editor.setChecked(bool(text))
        else:
            editor.clear()
            qtbot.keyClicks(editor, text)


def _save(qtbot, live):
    """Press Enter in the form, as a nurse does, and wait for the entry to be stored."""
    saved = []
    live.entry_saved.connect(saved.append)
    qtbot.keyClick(live.form.save_button, Qt.Key.Key_Return)
    assert saved, f"not saved: {live.form.messages.text()!r}"
    return saved[-1]


def test_below_knee_case_by_keyboard(qtbot, window, services, nurse, monkeypatch):
    pid = _new_case(qtbot, services, nurse, "BK-001", "peripheral_arterial",
                    {"balloon_angioplasty", "drug_coated_balloon"}, "clti")
    window.open_case(pid)
    live = window.live
    assert window.pages.currentWidget() is live

    qtbot.keyClick(live.timeline, Qt.Key.Key_F1)
    assert live.form.kind is EventKind.ACCESS
    _fill(qtbot, live, {"site": "pedal_tibial", "side": "right", "vessel_type": "artery", "approach": "retrograde",
                        "sheath_fr": "4", "ultrasound_guided": "yes"})
    _save(qtbot, live)

    qtbot.keyClick(live.timeline, Qt.Key.Key_F2)
    _fill(qtbot, live, {"drug": "heparin"})
    assert live.form.inputs["dose_unit"].value() == "units" and live.form.inputs["route"].value() == "iv"
    qtbot.keyClicks(live.form.inputs["dose"].editor, "5600")
    assert "70 units/kg at 80 kg" in live.form.hint.text()
    _save(qtbot, live)
    assert live.model.data(live.model.index(1, 2)) == "Heparin 5600 units IV (70 units/kg)"

    qtbot.keyClick(live.timeline, Qt.Key.Key_F3)
    qtbot.keyClicks(live.form.inputs["act_s"].editor, "228")
    _save(qtbot, live)
    assert "BELOW TARGET" in live.act_panel.status.text() and live.act_panel.property("level") == "alert"

    qtbot.keyClick(live.timeline, Qt.Key.Key_F3)
    qtbot.keyClicks(live.form.inputs["act_s"].editor, "265")
    _save(qtbot, live)
    assert "in target" in live.act_panel.status.text()

    qtbot.keyClick(live.timeline, Qt.Key.Key_F8)
    _fill(qtbot, live, {"vessel": "anterior_tibial", "stenosis_pre_pct": "100", "length_mm": "120",
                        "reference_diameter_mm": "2.5"})
    _save(qtbot, live)

    qtbot.keyClick(live.timeline, Qt.Key.Key_F4)
    form = live.form
    form.catalog_model.setCurrentIndex(form.catalog_model.findData("lutonix-014"))
    form.catalog_size.setCurrentIndex(form.catalog_size.findData("2.5x150"))
    form.catalog_size.activated.emit(form.catalog_size.currentIndex())
    assert form.inputs["rated_burst_atm"].value() == 12.0 and form.inputs["diameter_mm"].value() == 2.5
    lesion_ref = form.inputs["lesion_event_id"].editor
    lesion_ref.setCurrentIndex(1)
    qtbot.keyClicks(form.inputs["lot"].editor, "LX4471")
    dcb = _save(qtbot, live)

    timer = live.timer_panel
    assert timer.device.currentData() == f"{dcb.event_id}:inflation"
    qtbot.keyClick(live.timeline, Qt.Key.Key_F5)
    assert timer.running and "STOP" in timer.button.text()
    qtbot.wait(1100)  # a real second must pass for a real duration
    qtbot.keyClick(live.timeline, Qt.Key.Key_F5)
    assert not timer.running and live.form.kind is EventKind.INFLATION
    duration = live.form.inputs["duration_s"].value()
    assert duration >= 1
    qtbot.keyClicks(live.form.inputs["pressure_atm"].editor, "8")
    _save(qtbot, live)

    qtbot.keyClick(live.timeline, Qt.Key.Key_F6)
    _fill(qtbot, live, {"agent": "iodixanol", "volume_ml": "85"})
    _save(qtbot, live)
    assert live.contrast_panel.value.text().startswith("85 / 300 mL")

    qtbot.keyClick(live.timeline, Qt.Key.Key_F2)
    _fill(qtbot, live, {"drug": "nitroglycerin", "dose": "200"})
    assert live.form.inputs["route"].value() == "ia" and live.form.inputs["dose_unit"].value() == "mcg"
    _save(qtbot, live)

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    from PySide6.QtWidgets import QInputDialog  # the checklist: no closure or radiation yet, close anyway

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("closure charted on the ward", True))
    live.close_button.click()

    record = services.cases.get_record(nurse, pid)
    assert record.procedure.status is ProcedureStatus.CLOSED
    kinds = [h.current.kind for h in record.events]
    assert kinds.count(EventKind.ACT) == 2 and EventKind.INFLATION in kinds
    access = record.current_events(EventKind.ACCESS)[0].data
    assert access["site"] == "pedal_tibial" and access["sheath_fr"] == 4.0 and access["ultrasound_guided"] is True
    inflation = record.current_events(EventKind.INFLATION)[0].data
    assert inflation == {"device_event_id": dcb.event_id, "pressure_atm": 8.0, "duration_s": duration}
    device = record.current_events(EventKind.DEVICE)[0].data
    assert device["model"] == "Lutonix 014 DCB" and device["lot"] == "LX4471" and device["length_mm"] == 150.0
    assert {ev.recorded_by for ev in record.current_events()} == {"nurse"}
    assert not live.quick_buttons["F3"].isEnabled()  # closed: read-only


def test_coronary_case_with_scanned_stent_and_rotational_run(qtbot, window, services, nurse):
    pid = _new_case(qtbot, services, nurse, "COR-9", "coronary", {"rotational_atherectomy", "stenting"}, "sihd")
    window.open_case(pid)
    live = window.live
    live.new_entry(EventKind.LESION)
    _fill(qtbot, live, {"vessel": "rca", "stenosis_pre_pct": "90", "calcification": "severe",
                        "reference_diameter_mm": "3.5"})
    _save(qtbot, live)

    live.new_entry(EventKind.DEVICE)
    form = live.form
    form.catalog_model.setCurrentIndex(form.catalog_model.findData("rotablator"))
    form.catalog_size.setCurrentIndex(form.catalog_size.findData("1.75"))
    form.catalog_size.activated.emit(form.catalog_size.currentIndex())
    form.inputs["lesion_event_id"].editor.setCurrentIndex(1)
    burr = _save(qtbot, live)
    assert burr.data["diameter_mm"] == 1.75

    timer = live.timer_panel
    timer.device.setCurrentIndex(timer.device.findData(f"{burr.event_id}:atherectomy"))
    qtbot.mouseClick(timer.button, Qt.MouseButton.LeftButton)
    qtbot.wait(1100)
    qtbot.mouseClick(timer.button, Qt.MouseButton.LeftButton)
    assert live.form.kind is EventKind.ATHERECTOMY
    qtbot.keyClicks(live.form.inputs["speed_rpm"].editor, "160000")
    run = _save(qtbot, live)
    assert run.data["device_event_id"] == burr.event_id and run.data["speed_rpm"] == 160000

    live.scan.insert(f"]d201{GTIN_DES}17280331" + "10LOT8831\x1d21SN77")  # a scanner types the GS control key
    qtbot.keyClick(live.scan, Qt.Key.Key_Return)
    form = live.form
    assert form.kind is EventKind.DEVICE
    assert form.inputs["model"].value() == "Resolute Onyx" and form.inputs["diameter_mm"].value() == 3.0
    assert form.inputs["lot"].value() == "LOT8831" and form.inputs["expiry_date"].value() == "2028-03-31"
    form.inputs["state"].set_value("implanted")
    stent = _save(qtbot, live)
    assert stent.data["gtin"] == GTIN_DES and stent.data["serial"] == "SN77"

    live.scan.insert(f"01{GTIN_DES}17280331" + "10LOT8831\x1d21SN77")
    qtbot.keyClick(live.scan, Qt.Key.Key_Return)
    assert "already scanned" in live.message.text()
    live.form.cancel()

    qtbot.keyClicks(live.scan, f"01{GTIN_DES}17240101" + "10OLD1")
    qtbot.keyClick(live.scan, Qt.Key.Key_Return)
    assert "EXPIRED" in live.message.text()
    live.form.inputs["state"].set_value("implanted")  # a "used" stent would ask first (issue 11 item 1)
    live.form.submit()
    assert "refused unless a reason" in live.form.messages.text()  # not saved, input kept
    assert live.form.inputs["lot"].value() == "OLD1"
    qtbot.keyClicks(live.form.inputs["expiry_override_reason"].editor, "only size available, MD aware")
    expired = _save(qtbot, live)
    assert expired.data["expiry_override_reason"].startswith("only size")

    live.new_entry(EventKind.INFLATION)
    live.form.inputs["device_event_id"].set_value(stent.event_id)
    qtbot.keyClicks(live.form.inputs["pressure_atm"].editor, "22")
    qtbot.keyClicks(live.form.inputs["duration_s"].editor, "20")
    live.form.submit()
    assert "above the rated burst pressure 18 atm" in live.form.messages.text()
    assert "Confirm" in live.form.save_button.text()
    _save(qtbot, live)  # second press confirms
    assert len(services.cases.get_record(nurse, pid).current_events(EventKind.DEVICE)) == 3


@pytest.mark.parametrize("text, words", [
    ("5000", "ACT 5000 s is out of range; allowed 50 to 1100 s"),
    ("250.5", "whole number"),
    ("abc", "not a number"),
    (".5", "leading zero"),
])
def test_out_of_range_input_is_refused_and_kept(qtbot, window, services, nurse, text, words):
    from tests.helpers import open_case

    proc = open_case(services, nurse)
    window.open_case(proc.procedure_id)
    live = window.live
    live.new_entry(EventKind.ACT)
    qtbot.keyClicks(live.form.inputs["act_s"].editor, text)
    live.form.submit()
    assert words in live.form.messages.text() and "Not saved" in live.form.messages.text()
    assert live.form.inputs["act_s"].editor.text() == text  # neither clamped nor cleared
    assert services.cases.get_record(nurse, proc.procedure_id).events == ()


def test_correct_and_void_from_the_timeline(qtbot, window, services, nurse, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from tests.helpers import open_case

    proc = open_case(services, nurse)
    services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 228})
    window.open_case(proc.procedure_id)
    live = window.live
    live.timeline.selectRow(0)
    qtbot.keyClick(live.timeline, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert live.form.correcting is not None
    live.form.inputs["act_s"].editor.setText("282")
    live.form.submit()
    assert "reason is required" in live.form.messages.text()
    qtbot.keyClicks(live.form.reason, "typo")
    _save(qtbot, live)
    assert live.model.row_object(0).current.data["act_s"] == 282
    live.timeline.selectRow(0)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("wrong patient", True))
    live.void_selected()
    assert live.model.row_object(0).current.voided
    assert "struck through" in live.message.text()


def test_new_case_catches_a_duplicate_mrn(qtbot, services, nurse):
    from tests.helpers import make_patient

    services.cases.register_patient(nurse, make_patient("A-77"))
    dialog = NewCaseDialog(services, nurse)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.mrn, " a-77 ")
    qtbot.keyClick(dialog.mrn, Qt.Key.Key_Return)
    assert "Existing patient: Doe, Jane" in dialog.found.text()
    assert not dialog.patient_inputs["family_name"].isEnabled()


def test_physician_sets_the_act_target_nurse_does_not_see_the_button(qtbot, services, nurse, physician, monkeypatch,
                                                                     tmp_path):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QInputDialog

    from tests.helpers import open_case

    proc = open_case(services, nurse)
    services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 320})
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    for actor, visible in ((nurse, False), (physician, True)):
        win = MainWindow(services, actor, "t.db", settings=settings)
        qtbot.addWidget(win)
        win.open_case(proc.procedure_id)
        assert win.live.target_button.isVisibleTo(win.live) is visible
    assert "above target (250-300 s)" in win.live.act_panel.status.text()
    answers = iter([("300-350", True), ("Hemochron device", True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))
    win.live.set_act_target()
    assert "in target 300-350 s" in win.live.act_panel.status.text()
    assert services.cases.get_record(nurse, proc.procedure_id).procedure.act_target == (300, 350)


def test_scan_field_keeps_the_group_separator_key(qtbot, window, services, nurse):
    from tests.helpers import open_case

    proc = open_case(services, nurse)
    window.open_case(proc.procedure_id)
    live = window.live
    qtbot.keyClicks(live.scan, f"01{GTIN_DES}17280331" + "10ABC123")
    qtbot.keyClick(live.scan, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)  # what a scanner sends
    qtbot.keyClicks(live.scan, "21SN99")
    qtbot.keyClick(live.scan, Qt.Key.Key_Return)
    assert live.form.inputs["lot"].value() == "ABC123" and live.form.inputs["serial"].value() == "SN99"


def test_changing_the_mrn_after_find_forgets_the_patient(qtbot, services, nurse):
    from tests.helpers import make_patient

    services.cases.register_patient(nurse, make_patient("00123"))
    dialog = NewCaseDialog(services, nurse)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.mrn, "00123")
    qtbot.keyClick(dialog.mrn, Qt.Key.Key_Return)
    assert dialog.existing is not None
    qtbot.keyClick(dialog.mrn, Qt.Key.Key_Backspace)
    qtbot.keyClicks(dialog.mrn, "9")
    assert dialog.existing is None and "Press Enter to look it up" in dialog.found.text()
    assert dialog.patient_inputs["family_name"].isEnabled()
