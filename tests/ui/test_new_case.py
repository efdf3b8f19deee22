"""The new-case dialog starts a case through one services call (issue 10)."""

from PySide6.QtCore import Qt

from cathlog.ui.new_case import NewCaseDialog
from tests.helpers import make_patient


def _fill_case(dialog, qtbot):
    dialog.category.set_value("coronary")
    for i in range(dialog.planned.count()):
        item = dialog.planned.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == "stenting":
            item.setCheckState(Qt.CheckState.Checked)
    dialog.indication.setCurrentIndex(dialog.indication.findData("sihd"))
    dialog.case_inputs["urgency"].set_value("elective")
    qtbot.keyClicks(dialog.operator, "Dr. A. Patel")


def test_existing_patient_with_todays_weight_is_one_transaction(qtbot, services, admin, nurse):
    patient = services.cases.register_patient(nurse, make_patient("W-1", weight_kg=80.0))
    dialog = NewCaseDialog(services, nurse)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.mrn, "W-1")
    qtbot.keyClick(dialog.mrn, Qt.Key.Key_Return)
    assert "Existing patient" in dialog.found.text()
    dialog.patient_inputs["weight_kg"].editor.setText("74.5")
    _fill_case(dialog, qtbot)
    seq_before = services.admin.audit_rows(admin)[-1].seq
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        dialog.submit()
    record = services.cases.get_record(nurse, dialog.procedure_id)
    assert record.patient.patient_id == patient.patient_id
    assert (record.patient.version, record.patient.weight_kg) == (2, 74.5)
    later = [r for r in services.admin.audit_rows(admin) if r.seq > seq_before and r.username == "nurse"]
    assert [r.action for r in later] == ["update_patient", "open_case"]
    assert later[0].reason == "updated at case start" and later[0].at == later[1].at


def test_a_known_mrn_typed_for_someone_else_is_refused(qtbot, services, nurse):
    services.cases.register_patient(nurse, make_patient("W-2"))
    dialog = NewCaseDialog(services, nurse)
    qtbot.addWidget(dialog)
    dialog.mrn.setText("W-2")  # no Find: the form is filled as for a new patient
    p = dialog.patient_inputs
    p["family_name"].editor.setText("Roe")
    p["birth_date"].editor.setText("1960-01-01")
    p["sex"].set_value("male")
    _fill_case(dialog, qtbot)
    dialog.submit()
    assert dialog.result() != dialog.DialogCode.Accepted and dialog.procedure_id is None
    assert "already belongs to Doe, Jane" in dialog.messages.text()
    assert services.cases.list_cases(nurse) == []


def test_the_mrn_field_has_focus_and_enter_there_finds_without_submitting(qtbot, services, nurse):
    services.cases.register_patient(nurse, make_patient("W-3"))
    dialog = NewCaseDialog(services, nurse)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.focusWidget() is dialog.mrn
    qtbot.keyClicks(dialog.focusWidget(), "W-3")  # typing goes where the nurse looks
    qtbot.keyClick(dialog.mrn, Qt.Key.Key_Return)
    assert "Existing patient" in dialog.found.text()
    assert dialog.isVisible() and dialog.procedure_id is None  # looked up, not submitted
    assert services.cases.list_cases(nurse) == []


def test_enter_in_another_field_moves_on_and_ctrl_enter_opens(qtbot, services, nurse):
    services.cases.register_patient(nurse, make_patient("W-4"))
    dialog = NewCaseDialog(services, nurse)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.mrn, "W-4")
    qtbot.keyClick(dialog.mrn, Qt.Key.Key_Return)
    _fill_case(dialog, qtbot)
    dialog.operator.setFocus()
    qtbot.keyClick(dialog.operator, Qt.Key.Key_Return)
    assert dialog.procedure_id is None and dialog.focusWidget() is not dialog.operator
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        qtbot.keyClick(dialog.mrn, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.procedure_id


def test_no_required_choice_is_prefilled(qtbot, services, nurse):
    dialog = NewCaseDialog(services, nurse)
    qtbot.addWidget(dialog)
    assert dialog.category.value() is None
    dialog.category.set_value("peripheral_arterial")
    assert dialog.indication.count() > 1 and dialog.indication.currentData() is None
    dialog.mrn.setText("W-5")
    dialog.submit()
    assert dialog.procedure_id is None and "✖" in dialog.messages.text()


def test_changing_the_mrn_after_a_lookup_clears_the_patient_found(qtbot, services, nurse):
    """The allergies and weight of the patient found first must not be carried to another MRN."""
    services.cases.register_patient(nurse, make_patient("W-5", weight_kg=80.0, allergies="iodinated contrast"))
    dialog = NewCaseDialog(services, nurse)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.mrn, "W-5")
    qtbot.keyClick(dialog.mrn, Qt.Key.Key_Return)
    assert dialog.patient_inputs["allergies"].value() == "iodinated contrast"
    qtbot.keyClicks(dialog.mrn, "1")  # now W-51: somebody else
    assert all(field.value() is None and field.isEnabled() for field in dialog.patient_inputs.values())
    assert "were cleared" in dialog.found.text() and dialog.existing is None
    qtbot.keyClick(dialog.mrn, Qt.Key.Key_Return)
    assert "New patient" in dialog.found.text()
    assert dialog.patient_inputs["allergies"].value() is None


def test_the_patients_numbers_are_one_width_with_their_units_beside_them(qtbot, services, nurse):
    from PySide6.QtWidgets import QLabel

    dialog = NewCaseDialog(services, nurse)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    numbers = [f for f in dialog.patient_inputs.values() if f.spec.is_number]
    assert {f.spec.name for f in numbers} >= {"weight_kg", "height_cm", "creatinine_mg_dl", "egfr_ml_min"}
    assert len({f.line.width() for f in numbers}) == 1  # one column of numbers, not a ragged one
    for field in numbers:
        hint = field.line.placeholderText()
        assert field.line.width() >= field.line.fontMetrics().horizontalAdvance(hint)  # the limits read whole
        unit = field.findChild(QLabel, "Unit")
        gap = unit.geometry().left() - field.line.geometry().right()
        assert 0 < gap < 20, (field.spec.name, gap)  # the unit right after its number
