"""Issue 11 items 8-10 and 12 below the GUI: radiation units, where-exactly
fields per category (services and the database's own trigger), device sanity
warnings with codes and sources, the structured plan and its review dates."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal

import pytest

from cathlog.domain.errors import ConfirmationRequired, ValidationError
from cathlog.domain.followup import DurationUnit, PlanDrug, Review, generic_for
from cathlog.domain.units import QuantityError, dap_to_gy_cm2, parse_fluoro_time
from cathlog.rules.reminders import plan_review_date
from cathlog.rules.review import validate_review
from tests.helpers import open_case

PERIPHERAL = {"category": "peripheral_arterial", "planned": ["balloon_angioplasty"], "indication": "clti",
              "urgency": "elective"}
VENOUS = {"category": "venous", "planned": ["venous_stenting"], "indication": "nivl_may_thurner",
          "urgency": "elective"}

# --- item 8: radiation units ---------------------------------------------------------


@pytest.mark.parametrize("text, unit, seconds", [
    ("12:34", "mm:ss", 754), ("0:05", "mm:ss", 5), ("75:00", "mm:ss", 4500), ("12.5", "min", 750),
    ("3", "min", 180), ("754", "s", 754), ("0", "s", 0),
])
def test_fluoro_time_in_any_unit_is_whole_seconds(text, unit, seconds):
    assert parse_fluoro_time(text, unit) == seconds


@pytest.mark.parametrize("text, unit, message", [
    ("12:60", "mm:ss", "minutes:seconds"), ("12:3", "mm:ss", "minutes:seconds"), ("12.51", "min", "750.6 s"),
    ("12:34", "s", "mm:ss"), ("12.5", "s", "whole seconds"), (".5", "min", "leading zero"), ("5", "h", "unit"),
])
def test_fluoro_time_that_is_not_exact_is_refused(text, unit, message):
    with pytest.raises(QuantityError, match=message):
        parse_fluoro_time(text, unit)


@pytest.mark.parametrize("text, unit, gy_cm2", [
    ("24.74", "Gy·cm²", "24.74"), ("24740", "mGy·cm²", "24.74"), ("2474", "µGy·m²", "24.74"),
    ("2474", "cGy·cm²", "24.74"), ("247.4", "dGy·cm²", "24.74"), ("0.002474", "Gy·m²", "24.74"),
    ("2474.15", "µGy·m²", "24.7415"), ("1", "mGy·cm²", "0.001"),
])
def test_dap_conversions_are_exact(text, unit, gy_cm2):
    assert dap_to_gy_cm2(text, unit) == Decimal(gy_cm2)


def test_dap_more_precise_than_stored_is_refused_not_rounded():
    with pytest.raises(QuantityError, match="24.74151 Gy·cm²"):
        dap_to_gy_cm2("2474.151", "µGy·m²")


# --- item 9: where, exactly --------------------------------------------------------------


def _record(services, nurse, proc, kind, data, confirm=()):
    return services.cases.record_event(nurse, proc.procedure_id, kind, data, confirm=confirm)


def test_lesion_fields_by_category(services, nurse):
    per = open_case(services, nurse, "P1", PERIPHERAL)
    ev = _record(services, nurse, per, "lesion", {"vessel": "anterior_tibial", "side": "left",
                                                  "btk_segment": "mid_third", "runoff_vessels": ["peroneal"]})
    assert ev.data["runoff_vessels"] == ["peroneal"] and ev.data["side"] == "left"
    with pytest.raises(ValidationError, match="not recorded for a"):
        _record(services, nurse, per, "lesion", {"vessel": "civ", "vein_segment": "common_iliac_vein"})
    ven = open_case(services, nurse, "V1", VENOUS)
    assert _record(services, nurse, ven, "lesion", {"vessel": "civ", "side": "left",
                                                    "vein_segment": "common_iliac_vein"}).data["vein_segment"]
    with pytest.raises(ValidationError, match="Below-the-knee segment"):
        _record(services, nurse, ven, "lesion", {"vessel": "civ", "btk_segment": "pedal"})
    cor = open_case(services, nurse, "C1")
    with pytest.raises(ValidationError, match="Runoff vessels"):
        _record(services, nurse, cor, "lesion", {"vessel": "lad", "runoff_vessels": ["peroneal"]})


def test_complication_with_grade_flow_and_treating_device(services, nurse):
    proc = open_case(services, nurse)
    stent = _record(services, nurse, proc, "device", {"device_type": "des", "state": "implanted",
                                                      "diameter_mm": 3.0})
    ev = _record(services, nurse, proc, "complication", {
        "complication": "dissection", "severity": "moderate", "dissection_grade": "D", "flow_limiting": "yes",
        "treated_with_event_id": stent.event_id})
    assert (ev.data["dissection_grade"], ev.data["flow_limiting"]) == ("D", "yes")
    with pytest.raises(ValidationError, match="not a dissection"):
        _record(services, nurse, proc, "complication", {"complication": "hematoma", "severity": "mild",
                                                        "dissection_grade": "A"})
    with pytest.raises(ValidationError, match="not a device entry"):
        _record(services, nurse, proc, "complication", {"complication": "dissection", "severity": "mild",
                                                        "treated_with_event_id": ev.event_id})
    with pytest.raises(ValidationError, match="Dissection grade"):
        _record(services, nurse, proc, "complication", {"complication": "dissection", "severity": "mild",
                                                        "dissection_grade": "G"})


@pytest.mark.parametrize("kind, data", [
    ("access", {"site": "radial", "side": "right", "vessel_type": "artery", "sheath_fr": 6.0,
                "access_vessel": "aorta"}),
    ("lesion", {"vessel": "lad", "side": "middle"}),
    ("lesion", {"vessel": "lad", "runoff_vessels": "peroneal"}),
    ("complication", {"complication": "dissection", "severity": "mild", "flow_limiting": True}),
])
def test_the_database_refuses_bad_new_fields_itself(services, nurse, kind, data):
    """Migration 0008's trigger checks the new keys as the CHECK checks the first ones."""
    proc = open_case(services, nurse)
    conn = services.store.db.conn
    with pytest.raises(sqlite3.IntegrityError, match="fields of schema 8"):
        conn.execute("INSERT INTO event_versions (event_id, version, procedure_id, kind, data, occurred_at, "
                     "recorded_at, recorded_by, workstation) VALUES (?, 1, ?, ?, ?, ?, ?, 'x', 'w')",
                     ("a" * 32, proc.procedure_id, kind, json.dumps(data), proc.started_at, proc.started_at))


def test_the_trigger_lets_good_new_fields_and_old_rows_through(services, nurse):
    proc = open_case(services, nurse)
    conn = services.store.db.conn
    for n, data in enumerate(({"vessel": "lad", "side": "left"}, {"vessel": "lad"})):
        conn.execute("INSERT INTO event_versions (event_id, version, procedure_id, kind, data, occurred_at, "
                     "recorded_at, recorded_by, workstation) VALUES (?, 1, ?, 'lesion', ?, ?, ?, 'x', 'w')",
                     (str(n) * 32, proc.procedure_id, json.dumps(data), proc.started_at, proc.started_at))


def test_access_vessel_fits_the_site(services, nurse):
    proc = open_case(services, nurse, "P2", PERIPHERAL)
    base = {"site": "pedal_tibial", "side": "left", "vessel_type": "artery", "sheath_fr": 4.0}
    for vessel in ("anterior_tibial_artery", "posterior_tibial_artery", "dorsalis_pedis_artery", "peroneal_artery"):
        assert _record(services, nurse, proc, "access", {**base, "access_vessel": vessel}).data["access_vessel"]
    with pytest.raises(ValidationError, match="not a pedal/tibial access"):
        _record(services, nurse, proc, "access", {**base, "access_vessel": "radial_artery"})


# --- item 10: device sanity by vessel bed ---------------------------------------------------


def _warnings(services, nurse, proc, kind, data):
    with pytest.raises(ConfirmationRequired) as info:
        _record(services, nurse, proc, kind, data)
    return {w.code: w.source for w in info.value.warnings}


@pytest.mark.parametrize("details, device, code, cited", [
    (None, {"device_type": "balloon", "state": "used", "diameter_mm": 40.0}, "diameter_mm:coronary_balloon",
     "coronary balloon 1.0-5.0 mm"),
    (None, {"device_type": "des", "state": "implanted", "diameter_mm": 12.0}, "diameter_mm:coronary_stent", "[17]"),
    (VENOUS, {"device_type": "venous_stent", "state": "implanted", "diameter_mm": 8.0},
     "diameter_mm:venous_stent", "[23]"),
])
def test_unusual_sizes_for_the_category_warn_with_code_and_source(services, nurse, details, device, code, cited):
    proc = open_case(services, nurse, details=details)
    warnings = _warnings(services, nurse, proc, "device", device)
    assert code in warnings and cited in warnings[code] and "domain-reference 2.5" in warnings[code]
    assert _record(services, nurse, proc, "device", device, confirm=list(warnings))


def test_a_6_mm_tibial_balloon_warns_but_a_3_mm_one_does_not(services, nurse):
    proc = open_case(services, nurse, details=PERIPHERAL)
    lesion = _record(services, nurse, proc, "lesion", {"vessel": "anterior_tibial"})
    balloon = {"device_type": "balloon", "state": "used", "lesion_event_id": lesion.event_id}
    warnings = _warnings(services, nurse, proc, "device", {**balloon, "diameter_mm": 6.0})
    assert "[22]" in warnings["diameter_mm:tibial_balloon"]
    assert _record(services, nurse, proc, "device", {**balloon, "diameter_mm": 3.0})


def test_inflation_above_20_atm_without_rated_burst_warns(services, nurse):
    proc = open_case(services, nurse)
    balloon = _record(services, nurse, proc, "device", {"device_type": "nc_balloon", "state": "used",
                                                        "diameter_mm": 3.0})
    inflation = {"device_event_id": balloon.event_id, "pressure_atm": 22.0, "duration_s": 20}
    warnings = _warnings(services, nurse, proc, "inflation", inflation)
    assert "rated burst" in warnings["pressure_atm:no_rated_burst"]
    assert _record(services, nurse, proc, "inflation", {**inflation, "pressure_atm": 20.0})
    rated = _record(services, nurse, proc, "device", {"device_type": "nc_balloon", "state": "used",
                                                      "diameter_mm": 3.0, "rated_burst_atm": 24.0})
    assert _record(services, nurse, proc, "inflation", {**inflation, "device_event_id": rated.event_id})


def test_a_large_burr_through_a_6_fr_sheath_warns(services, nurse):
    proc = open_case(services, nurse)
    _record(services, nurse, proc, "access", {"site": "radial", "side": "right", "vessel_type": "artery",
                                              "sheath_fr": 6.0})
    warnings = _warnings(services, nurse, proc, "device", {"device_type": "ra_burr", "state": "used",
                                                           "diameter_mm": 1.75})
    assert "[19]" in warnings["diameter_mm:burr_guide"]
    assert _record(services, nurse, proc, "device", {"device_type": "ra_burr", "state": "used", "diameter_mm": 1.5})
    _record(services, nurse, proc, "access", {"site": "femoral", "side": "right", "vessel_type": "artery",
                                              "sheath_fr": 7.0})
    assert _record(services, nurse, proc, "device", {"device_type": "ra_burr", "state": "used", "diameter_mm": 2.0})


# --- item 12: the structured plan -----------------------------------------------------------


@pytest.mark.parametrize("typed, generic", [
    ("Eliquis", "apixaban"), ("Plavix", "clopidogrel"), ("Brilinta", "ticagrelor"), ("Effient", "prasugrel"),
    ("Xarelto", "rivaroxaban"), ("Pradaxa", "dabigatran"), ("Savaysa", "edoxaban"), ("Lixiana", "edoxaban"),
    ("Coumadin", "warfarin"), ("aspirin", "aspirin"), ("ASA", "aspirin"), (" xarelto® ", "rivaroxaban"),
])
def test_brand_names_map_to_generics(typed, generic):
    assert generic_for(typed) == generic
    assert PlanDrug.planned(typed, "x", 1, "months").drug == generic


def test_unknown_drug_is_named():
    with pytest.raises(ValidationError, match="not in the drug list"):
        validate_review(Review(plan=(PlanDrug.planned("Aspirine forte", "1", 3, "months"),)))


@pytest.mark.parametrize("day, value, unit, due", [
    ("2026-01-31", 1, "months", "2026-02-28"),  # month end: the last day of a shorter month
    ("2028-01-31", 1, "months", "2028-02-29"),  # leap year
    ("2026-08-31", 3, "months", "2026-11-30"),
    ("2026-11-30", 3, "months", "2027-02-28"),
    ("2026-12-31", 12, "months", "2027-12-31"),
    ("2026-03-15", 2, "weeks", "2026-03-29"),
    ("2026-12-25", 10, "days", "2027-01-04"),
])
def test_review_date_from_the_one_duration(day, value, unit, due):
    assert plan_review_date(date.fromisoformat(day), PlanDrug.planned("Plavix", "75 mg", value, unit)) == \
        date.fromisoformat(due)


def test_indefinite_has_no_review_date_and_takes_no_number():
    assert plan_review_date(date(2026, 1, 1), PlanDrug.planned("aspirin", "81 mg", None, "indefinitely")) is None
    with pytest.raises(ValidationError, match="takes no number"):
        validate_review(Review(plan=(PlanDrug.planned("aspirin", "81 mg", 3, DurationUnit.INDEFINITE),)))


def test_a_second_column_cannot_disagree_with_the_duration():
    line = PlanDrug("clopidogrel", "75 mg", "3 months", 6.0, 3, "months")
    with pytest.raises(ValidationError, match="disagree"):
        validate_review(Review(plan=(line,)))


def test_old_free_text_lines_are_read_as_before():
    assert PlanDrug("clopidogrel", "75 mg", "3 months").review_after() == (3, DurationUnit.MONTHS)
    assert PlanDrug("clopidogrel", "75 mg", "until review", 6).review_after() == (6, DurationUnit.MONTHS)
    assert PlanDrug("aspirin", "81 mg", "lifelong").review_after() is None
    old = Review.from_json({"plan": [{"drug": "Plavix", "dose": "75", "duration": "3 months"}]})
    validate_review(old)
    assert Review.from_json(old.to_json()) == old


def test_plan_through_the_services_sets_r4_at_the_planned_end(services, nurse, physician):
    details = {"category": "venous", "planned": ["thrombectomy"], "indication": "dvt", "urgency": "elective"}
    proc = open_case(services, nurse, details=details)
    services.cases.close_case(physician, proc.procedure_id)
    review = Review(plan=(PlanDrug.planned("Xarelto", "20 mg daily", 6, "weeks"),))
    services.review.save_review(physician, proc.procedure_id, review)
    day = date.fromisoformat(proc.started_at[:10])
    r4 = [s for s in services.review.suggestions(physician, proc.procedure_id) if s.rule_id == "R4"]
    assert [s.due_date for s in r4] == [(day.fromordinal(day.toordinal() + 42)).isoformat()]
    assert "6 weeks" in r4[0].text


def test_the_timeline_text_says_where_and_how(services, nurse):
    from cathlog.domain.describe import describe, device_name

    proc = open_case(services, nurse, details=PERIPHERAL)
    access = _record(services, nurse, proc, "access", {"site": "pedal_tibial", "side": "left", "vessel_type": "artery",
                                                       "sheath_fr": 4.0, "access_vessel": "dorsalis_pedis_artery"})
    lesion = _record(services, nurse, proc, "lesion", {"vessel": "anterior_tibial", "side": "right",
                                                       "btk_segment": "mid_third", "runoff_vessels": ["peroneal"]})
    balloon = _record(services, nurse, proc, "device", {"device_type": "balloon", "state": "used", "diameter_mm": 3.0,
                                                        "model": "Sterling"})
    dissection = _record(services, nurse, proc, "complication", {
        "complication": "dissection", "severity": "moderate", "dissection_grade": "C", "flow_limiting": "yes",
        "treated_with_event_id": balloon.event_id})
    others = {balloon.event_id: balloon}
    assert "dorsalis pedis artery" in describe(access)
    assert describe(lesion).startswith("right anterior tibial") and "mid third" in describe(lesion) \
        and "runoff: peroneal" in describe(lesion)
    assert describe(dissection, others).endswith(
        f"NHLBI type C, flow-limiting, treated with {device_name(balloon.data)}")
