"""Issue 11 items 8, 9 and 12 through the real screens: radiation typed as the
C-arm shows it, access vessel and side, lesion forms by category, the plan editor."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem

from cathlog.catalog import load_catalog
from cathlog.domain.enums import EventKind
from cathlog.rules.reminders import add_months
from cathlog.ui.entry_form import EntryForm
from cathlog.ui.review import ReviewDialog
from tests.helpers import open_case

PERIPHERAL = {"category": "peripheral_arterial", "planned": ["balloon_angioplasty"], "indication": "clti",
              "urgency": "elective"}


def _form(qtbot, services, nurse, kind, details=None):
    proc = open_case(services, nurse, details=details)
    form = EntryForm(services, nurse, load_catalog())
    qtbot.addWidget(form)
    form.start(services.cases.get_record(nurse, proc.procedure_id), kind)
    return form, proc


def _save(qtbot, form):
    with qtbot.waitSignal(form.saved, timeout=3000) as saved:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    return saved.args[0]


def test_radiation_in_mm_ss_and_micro_gray_m2_shows_the_conversion_and_stores_s_and_gy_cm2(qtbot, services, nurse):
    form, proc = _form(qtbot, services, nurse, EventKind.RADIATION)
    fluoro, dap = form.inputs["fluoro_time_s"], form.inputs["dap_gy_cm2"]
    fluoro.units.setCurrentIndex(fluoro.units.findData("mm:ss"))
    qtbot.keyClicks(fluoro.line, "12:34")
    assert fluoro.conversion.text() == "= 754 s (12:34)"
    dap.units.setCurrentIndex(dap.units.findData("µGy·m²"))
    qtbot.keyClicks(dap.line, "2474")
    assert dap.conversion.text() == "= 24.74 Gy·cm²"
    ev = _save(qtbot, form)
    stored = services.cases.get_record(nurse, proc.procedure_id).current_events(EventKind.RADIATION)[0]
    assert stored.event_id == ev.event_id
    assert stored.data["fluoro_time_s"] == 754 and stored.data["dap_gy_cm2"] == 24.74


def test_a_conversion_that_would_need_rounding_is_refused_not_saved(qtbot, services, nurse):
    form, proc = _form(qtbot, services, nurse, EventKind.RADIATION)
    fluoro = form.inputs["fluoro_time_s"]
    fluoro.units.setCurrentIndex(fluoro.units.findData("min"))
    qtbot.keyClicks(fluoro.line, "12.51")
    assert "750.6 s" in fluoro.conversion.text()
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert "Not saved" in form.messages.text() and "whole seconds" in form.messages.text()
    assert services.cases.get_record(nurse, proc.procedure_id).current_events(EventKind.RADIATION) == []


def test_access_with_vessel_and_side(qtbot, services, nurse):
    form, proc = _form(qtbot, services, nurse, EventKind.ACCESS, PERIPHERAL)
    for name, value in (("site", "pedal_tibial"), ("side", "left"), ("vessel_type", "artery"),
                        ("access_vessel", "dorsalis_pedis_artery")):
        form.inputs[name].set_value(value)
    qtbot.keyClicks(form.inputs["sheath_fr"].line, "4")
    _save(qtbot, form)
    access = services.cases.get_record(nurse, proc.procedure_id).current_events(EventKind.ACCESS)[0]
    assert (access.data["access_vessel"], access.data["side"]) == ("dorsalis_pedis_artery", "left")


def test_access_vessel_must_fit_the_site(qtbot, services, nurse):
    form, _ = _form(qtbot, services, nurse, EventKind.ACCESS)
    for name, value in (("site", "radial"), ("side", "right"), ("vessel_type", "artery"),
                        ("access_vessel", "common_femoral_artery")):
        form.inputs[name].set_value(value)
    qtbot.keyClicks(form.inputs["sheath_fr"].line, "6")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert "not a radial access" in form.messages.text()


@pytest.mark.parametrize("details, shown, hidden", [
    (None, {"timi_pre", "timi_post", "side"}, {"btk_segment", "runoff_vessels", "vein_segment"}),
    (PERIPHERAL, {"btk_segment", "runoff_vessels", "side"}, {"timi_pre", "vein_segment"}),
    ({"category": "venous", "planned": ["venous_stenting"], "indication": "nivl_may_thurner", "urgency": "elective"},
     {"vein_segment", "side"}, {"timi_pre", "btk_segment"}),
])
def test_lesion_form_by_category(qtbot, services, nurse, details, shown, hidden):
    form, _ = _form(qtbot, services, nurse, EventKind.LESION, details)
    assert shown <= set(form.inputs) and not hidden & set(form.inputs)


@pytest.fixture
def closed_case(services, nurse, physician):
    proc = open_case(services, nurse, details=PERIPHERAL)
    services.cases.close_case(physician, proc.procedure_id)
    return proc.procedure_id


def test_plan_editor_maps_a_brand_name_and_derives_the_reminder_from_one_duration(qtbot, services, physician,
                                                                                  closed_case):
    dialog = ReviewDialog(services, physician, closed_case)
    qtbot.addWidget(dialog)
    row = dialog.plan.add_line()
    dialog.plan.cellWidget(row, 0).setCurrentText("Plavix")
    dialog.plan.setItem(row, 1, QTableWidgetItem("75 mg once daily"))
    dialog.plan.setItem(row, 2, QTableWidgetItem("3"))
    unit = dialog.plan.cellWidget(row, 3)
    unit.setCurrentIndex(unit.findData("months"))
    assert dialog.save_review(), dialog.message.text()
    line = services.review.get_review(physician, closed_case).plan[0]
    assert (line.drug, line.duration, line.duration_value, line.duration_unit) == (
        "clopidogrel", "3 months", 3, "months")
    day = date.fromisoformat(services.cases.get_record(physician, closed_case).procedure.started_at[:10])
    r2 = sorted(s.due_date for s in dialog._suggestions if s.rule_id == "R2")
    assert r2 == [add_months(day, 1).isoformat(), add_months(day, 3).isoformat()]  # not the 6-month default


def test_plan_line_without_a_unit_is_refused(qtbot, services, physician, closed_case):
    dialog = ReviewDialog(services, physician, closed_case)
    qtbot.addWidget(dialog)
    row = dialog.plan.add_line()
    dialog.plan.cellWidget(row, 0).setCurrentText("Eliquis")
    dialog.plan.setItem(row, 2, QTableWidgetItem("3"))
    assert not dialog.save_review()
    assert "choose the duration's unit" in dialog.message.text()
    assert services.review.get_review(physician, closed_case) is None


def test_an_old_free_text_plan_stays_displayable(qtbot, services, physician, closed_case):
    from cathlog.domain.followup import PlanDrug, Review

    services.review.save_review(physician, closed_case, Review(plan=(PlanDrug("ASA", "81 mg", "lifelong"),)))
    dialog = ReviewDialog(services, physician, closed_case)
    qtbot.addWidget(dialog)
    assert dialog.plan.cellWidget(0, 0).currentText() == "ASA"
    assert dialog.plan.item(0, 4).text() == "lifelong"
    assert dialog.save_review(), dialog.message.text()  # re-saved unchanged: kept as written
    assert services.review.get_review(physician, closed_case).plan[0] == PlanDrug("ASA", "81 mg", "lifelong")
