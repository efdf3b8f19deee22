"""'From worklist' in the new-case dialog (issue 15 item 4), against dcmtk's wlmscpfs: the room's cases
are listed, one fills the form and the case keeps the worklist's identifiers; a stored patient whose
details differ is asked about, never merged silently; a stopped provider is said in words."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from cathlog.ui import mwl_panel
from cathlog.ui.lab_settings import LabSettings
from cathlog.ui.new_case import NewCaseDialog
from tests.helpers import make_patient
from tests.mwl_server import configure
from tests.ui.test_new_case import _fill_case

ROOM = LabSettings(mwl_station_ae="CATHLAB1", mwl_modality="XA")


def _open(qtbot, services, nurse, lab=ROOM):
    dialog = NewCaseDialog(services, nurse, lab=lab)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.worklist.answered, timeout=10_000):
        dialog.show()  # the list is asked for when the dialog opens
    return dialog


def _queries(services, admin):
    return [json.loads(r.new_value) for r in services.admin.audit_rows(admin, action="worklist_query")]


def test_the_rooms_cases_are_listed_and_one_opens_a_case_with_its_identifiers(qtbot, services, admin, nurse,
                                                                            worklist_server):
    configure(services, admin, worklist_server)
    dialog = _open(qtbot, services, nurse)
    table = dialog.worklist.table
    assert [table.item(r, 2).text() for r in range(table.rowCount())] == ["MWL-001", "MWL-002", "MWL-005", "MWL-006"]
    assert table.item(0, 1).text() == "Müller, Zoë Anna" and table.item(0, 0).text() == "08:30"
    assert table.item(2, 1).text() == "Sloppy, Sue ⚠" and "not a date" in table.item(2, 1).toolTip()
    assert table.item(0, 3).text() == "1954-03-02 F" and table.item(2, 3).text() == "— —"
    assert "4 case(s) scheduled for CATHLAB1 (XA) on 2026-11-21" in dialog.worklist.status.text()
    assert dialog.focusWidget() is table  # today's list is where the nurse starts
    qtbot.keyClick(table, Qt.Key.Key_Return)  # the first row, by keyboard
    p = dialog.patient_inputs
    assert dialog.mrn.text() == "MWL-001"
    assert (p["family_name"].value(), p["given_name"].value(), p["birth_date"].value(), p["sex"].value()) == \
        ("Müller", "Zoë Anna", "1954-03-02", "female")
    assert "ACC-1001" in dialog.worklist_ids.text() and "1.2.826.0.1.3680043.10.1001.1" in dialog.worklist_ids.text()
    _fill_case(dialog, qtbot)
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        dialog.submit()
    record = services.cases.get_record(nurse, dialog.procedure_id)
    proc = record.procedure
    assert (proc.accession_number, proc.study_instance_uid, proc.requested_procedure) == \
        ("ACC-1001", "1.2.826.0.1.3680043.10.1001.1", "Coronary angiography and PCI")
    assert (record.patient.mrn, record.patient.family_name, record.patient.version) == ("MWL-001", "Müller", 1)
    assert _queries(services, admin)[0]["count"] == 4


def test_a_second_row_chosen_with_the_arrow_keys(qtbot, services, admin, nurse, worklist_server):
    configure(services, admin, worklist_server)
    dialog = _open(qtbot, services, nurse)
    qtbot.keyClick(dialog.worklist.table, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.worklist.table, Qt.Key.Key_Return)
    assert dialog.mrn.text() == "MWL-002" and dialog.patient_inputs["sex"].value() == "male"
    assert dialog.focusWidget() is dialog.category.editor  # on to the procedure


def test_what_the_worklist_did_not_send_is_left_for_the_nurse_and_said(qtbot, services, admin, nurse,
                                                                      worklist_server):
    configure(services, admin, worklist_server)
    dialog = _open(qtbot, services, nurse)
    dialog.worklist.table.selectRow(2)
    dialog.worklist.use_selected()
    assert dialog.patient_inputs["birth_date"].value() is None and dialog.patient_inputs["sex"].value() is None
    assert "birth date '19541302' is not a date" in dialog.found.text()


@pytest.mark.parametrize("choice", [mwl_panel.KEEP, mwl_panel.UPDATE])
def test_a_stored_patient_whose_details_differ_is_asked_about(qtbot, services, admin, nurse, worklist_server,
                                                             monkeypatch, choice):
    stored = services.cases.register_patient(nurse, make_patient("MWL-002", family_name="Okafor-Eze",
                                                                 given_name="Chidi", birth_date="1961-07-15",
                                                                 sex="male"))
    configure(services, admin, worklist_server)
    asked = []
    monkeypatch.setattr(mwl_panel, "ask_identity", lambda parent, diffs, who: asked.append(diffs) or choice)
    dialog = _open(qtbot, services, nurse)
    dialog.worklist.table.selectRow(1)
    dialog.worklist.use_selected()
    [diffs] = asked
    assert [(d.field, d.stored, d.worklist) for d in diffs] == [("family_name", "Okafor-Eze", "Okafor")]
    _fill_case(dialog, qtbot)
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        dialog.submit()
    record = services.cases.get_record(nurse, dialog.procedure_id)
    assert record.patient.patient_id == stored.patient_id and record.procedure.accession_number == "ACC-1002"
    if choice == mwl_panel.KEEP:
        assert (record.patient.version, record.patient.family_name) == (1, "Okafor-Eze")
    else:
        assert (record.patient.version, record.patient.family_name) == (2, "Okafor")
        [update] = services.admin.audit_rows(admin, action="update_patient")
        assert update.reason == "corrected from the hospital worklist (accession ACC-1002)"
        assert json.loads(update.old_value)["family_name"] == "Okafor-Eze"


def test_cancel_at_the_question_keeps_the_stored_patient_and_drops_the_worklist_entry(
        qtbot, services, admin, nurse, worklist_server, monkeypatch):
    services.cases.register_patient(nurse, make_patient("MWL-001", family_name="Mueller", given_name="Zoe",
                                                        birth_date="1954-03-02"))
    configure(services, admin, worklist_server)
    monkeypatch.setattr(mwl_panel, "ask_identity", lambda parent, diffs, who: None)
    dialog = _open(qtbot, services, nurse)
    dialog.worklist.use_selected()
    assert dialog.scheduled is None and dialog.worklist_ids.text() == ""
    assert dialog.patient_inputs["family_name"].value() == "Mueller"
    assert "not used" in dialog.found.text()


def test_a_changed_mrn_forgets_the_worklist_entry(qtbot, services, admin, nurse, worklist_server):
    configure(services, admin, worklist_server)
    dialog = _open(qtbot, services, nurse)
    dialog.worklist.use_selected()
    assert dialog.scheduled is not None
    qtbot.keyClicks(dialog.mrn, "9")
    assert dialog.scheduled is None and dialog.worklist_ids.text() == ""


def test_with_the_provider_stopped_the_dialog_says_so_within_3_s_and_manual_entry_works(
        qtbot, services, admin, nurse, worklist_server):
    configure(services, admin, worklist_server)
    worklist_server.stop()
    dialog = NewCaseDialog(services, nurse, lab=ROOM)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.worklist.answered, timeout=3000):
        dialog.show()
    status = dialog.worklist.status.text()
    assert "no answer from the worklist" in status and "Enter the patient by hand" in status
    assert dialog.worklist.table.rowCount() == 0 and dialog.focusWidget() is dialog.mrn
    assert _queries(services, admin)[0]["outcome"] == "unavailable"
    qtbot.keyClicks(dialog.mrn, "HAND-1")  # manual entry as before
    p = dialog.patient_inputs
    p["family_name"].editor.setText("Roe")
    p["birth_date"].editor.setText("1960-01-01")
    p["sex"].set_value("male")
    _fill_case(dialog, qtbot)
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        dialog.submit()
    assert services.cases.get_record(nurse, dialog.procedure_id).procedure.accession_number is None


def test_without_a_station_or_provider_nothing_is_asked_and_it_says_who_sets_it_up(qtbot, services, admin,
                                                                                 nurse):
    dialog = NewCaseDialog(services, nurse)  # no station on this computer
    qtbot.addWidget(dialog)
    dialog.show()
    assert "station AE title" in dialog.worklist.status.text() and not dialog.worklist.refresh_button.isEnabled()
    other = NewCaseDialog(services, nurse, lab=ROOM)  # a station, but no provider for the lab
    qtbot.addWidget(other)
    other.show()
    assert "not set up" in other.worklist.status.text()
    assert _queries(services, admin) == []


def test_a_query_still_out_when_the_dialog_closes_is_audited(qtbot, services, admin, nurse, worklist_server):
    configure(services, admin, worklist_server)
    dialog = NewCaseDialog(services, nurse, lab=ROOM)
    qtbot.addWidget(dialog)
    dialog.show()  # the query goes out...
    dialog.reject()  # ...and the nurse cancels at once
    assert len(_queries(services, admin)) == 1


def test_the_focus_goes_to_what_the_worklist_left_out(qtbot, services, admin, nurse, worklist_server):
    configure(services, admin, worklist_server)
    dialog = _open(qtbot, services, nurse)
    dialog.worklist.table.setCurrentCell(2, 0)
    qtbot.keyClick(dialog.worklist.table, Qt.Key.Key_Return)
    assert dialog.focusWidget() is dialog.patient_inputs["birth_date"].editor


def test_picking_another_case_leaves_nothing_of_the_first_patient(qtbot, services, admin, nurse, worklist_server):
    services.cases.register_patient(nurse, make_patient("MWL-001", family_name="Müller", given_name="Zoë Anna",
                                                        allergies="penicillin"))
    configure(services, admin, worklist_server)
    dialog = _open(qtbot, services, nurse)
    dialog.worklist.use_selected()  # the stored patient, with an allergy
    assert dialog.patient_inputs["allergies"].value() == "penicillin"
    dialog.worklist.table.selectRow(1)
    dialog.worklist.use_selected()  # a new patient
    assert dialog.existing is None and dialog.patient_inputs["allergies"].value() is None
    assert dialog.patient_inputs["weight_kg"].value() is None and dialog.patient_inputs["family_name"].value() == "Okafor"


def test_alt_w_goes_to_the_list_and_ctrl_r_asks_again(qtbot, services, admin, nurse, worklist_server):
    configure(services, admin, worklist_server)
    dialog = _open(qtbot, services, nurse)
    dialog.activateWindow()
    dialog.mrn.setFocus()
    qtbot.keyClick(dialog.mrn, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.worklist.table
    with qtbot.waitSignal(dialog.worklist.answered, timeout=10_000):
        qtbot.keyClick(dialog.worklist.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert len(_queries(services, admin)) == 2 and dialog.worklist.table.rowCount() == 4


@pytest.mark.parametrize(("button", "expected"), [("Keep stored details", mwl_panel.KEEP),
                                                  ("Update the patient from the worklist", mwl_panel.UPDATE),
                                                  ("Cancel", None)])
def test_the_question_names_both_values_and_answers_what_was_clicked(qtbot, button, expected):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from cathlog.rules.mwl_match import IdentityDifference

    parent = QWidget()
    qtbot.addWidget(parent)
    seen = []

    def answer():
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(10, answer)
            return
        seen.append(box.text())
        clicked = next((b for b in box.buttons() if b.text().replace("&", "") == button), None)
        (clicked.click if clicked is not None else box.reject)()

    QTimer.singleShot(0, answer)
    diff = IdentityDifference("family_name", "Family name", "Okafor-Eze", "Okafor <Bell>")
    assert mwl_panel.ask_identity(parent, [diff], "MWL-002") == expected
    assert "Okafor-Eze" in seen[0] and "Okafor &lt;Bell&gt;" in seen[0] and "new version" in seen[0]
