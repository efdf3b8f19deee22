"""Reminder rules R1-R9, table by table, date edges included."""

from datetime import date

import pytest

from cathlog.domain.enums import EventKind, ProcedureStatus
from cathlog.domain.followup import PlanDrug, Review
from cathlog.domain.records import EventHistory, EventVersion, Procedure, ProcedureRecord
from cathlog.rules.reminders import add_months, suggest
from tests.helpers import make_patient

N = 0


def ev(kind, **data):
    global N
    N += 1
    return EventVersion(f"{N:032x}", "P1", EventKind(kind), data, "2026-01-31T09:00:00Z", "2026-01-31T09:00:00Z", "n")


def record(category="coronary", indication="sihd", planned=("stenting",), events=(), day="2026-01-31", **patient):
    proc = Procedure("P1", "p" * 32, category, tuple(planned), indication, "elective", f"{day}T09:00:00Z",
                     ProcedureStatus.CLOSED)
    return ProcedureRecord(proc, make_patient(**patient), tuple(EventHistory((e,)) for e in events))


RADIAL = ev("access", site="radial", side="right", vessel_type="artery", sheath_fr=6.0, closure="radial_band")
FEMORAL_8 = ev("access", site="femoral", side="right", vessel_type="artery", sheath_fr=8.0, closure="manual")
DES = ev("device", device_type="des", state="implanted")
BMS = ev("device", device_type="bms", state="implanted")
FILTER = ev("device", device_type="ivc_filter_retrievable", state="implanted")
PERM_FILTER = ev("device", device_type="ivc_filter_permanent", state="implanted")
VSTENT = ev("device", device_type="venous_stent", state="implanted")
JUGULAR = ev("access", site="jugular", side="right", vessel_type="vein", sheath_fr=10.0)


def due(rec, review=None):
    return {(s.rule_id, s.due_date) for s in suggest(rec, review)}


@pytest.mark.parametrize("start, months, expected", [
    ("2026-01-31", 1, "2026-02-28"), ("2024-01-31", 1, "2024-02-29"), ("2026-08-31", 6, "2027-02-28"),
    ("2026-11-21", 12, "2027-11-21"), ("2026-12-15", 1, "2027-01-15"),
])
def test_add_months_edges(start, months, expected):
    assert add_months(date.fromisoformat(start), months).isoformat() == expected


@pytest.mark.parametrize("rec, review, present, absent", [
    (record(events=[RADIAL, DES]), None, {("R1a", "2026-07-31")}, {"R1b", "R1c", "R1e"}),
    (record(events=[RADIAL, DES]), Review(high_bleeding_risk=True), {("R1a", "2026-04-30"), ("R1a", "2026-07-31")},
     set()),
    (record(indication="nstemi", events=[RADIAL, DES]), None, {("R1b", "2027-01-31")}, {"R1a"}),
    (record(indication="stemi", events=[RADIAL, DES]), Review(high_bleeding_risk=True), {("R1b", "2026-07-31")},
     set()),
    (record(events=[RADIAL, BMS]), None, {("R1c", "2026-02-28")}, {"R1a"}),
    (record(events=[RADIAL, DES], anticoagulation="apixaban"), None, {("R1e", "2026-02-28"), ("R1e", "2026-07-31")},
     {"R1a"}),
    (record(events=[RADIAL]), None, set(), {"R1a", "R1b", "R1c", "R1e"}),  # diagnostic only: no DAPT prompt
])
def test_r1_dapt(rec, review, present, absent):
    got = due(rec, review)
    assert present <= got
    assert not {r for r, _ in got} & absent


def test_r3_ivc_filter_window_day_29_and_54():
    got = due(record("venous", "dvt", ("ivc_filter_placement",), [JUGULAR, FILTER], day="2026-11-21"))
    assert {("R3", "2026-12-20"), ("R3", "2027-01-14")} <= got
    assert ("R3b", "2027-11-21") in due(record("venous", "dvt", ("ivc_filter_placement",), [JUGULAR, PERM_FILTER],
                                               day="2026-11-21"))


def test_r4_r4b_r5_venous_stent():
    rec = record("venous", "nivl_may_thurner", ("venous_stenting",), [JUGULAR, VSTENT], day="2026-11-21")
    got = due(rec)
    assert {("R4b", "2027-05-21"), ("R4b", "2027-11-21")} <= got
    assert {d for r, d in got if r == "R5"} == {"2026-12-05", "2027-01-02", "2027-02-20", "2027-05-22", "2027-11-21"}
    dvt = record("venous", "dvt", ("thrombectomy", "venous_stenting"), [JUGULAR, VSTENT], day="2026-11-21")
    assert ("R4", "2027-02-21") in due(dvt)
    plan = Review(plan=(PlanDrug("rivaroxaban", "20 mg daily", "6 months", 6),))
    assert ("R4", "2027-05-21") in due(dvt, plan)
    assert "R8" not in {r for r, _ in due(dvt)}  # venous access only


@pytest.mark.parametrize("kerma, rules", [(4999.0, set()), (5001.0, {("R6", "2026-02-21")}),
                                          (10001.0, {("R6", "2026-01-31"), ("R6", "2026-02-21")})])
def test_r6_skin(kerma, rules):
    got = {x for x in due(record(events=[RADIAL, ev("radiation", air_kerma_mgy=kerma)])) if x[0] == "R6"}
    assert got == rules


@pytest.mark.parametrize("egfr, volume, fires", [(29.0, 10.0, True), (30.0, 10.0, False), (90.0, 330.0, True),
                                                 (48.0, 190.0, True), (60.0, 100.0, False)])
def test_r7_creatinine(egfr, volume, fires):
    rec = record(events=[RADIAL, ev("contrast", agent="iohexol", volume_ml=volume)], egfr_ml_min=egfr,
                 weight_kg=80.0, creatinine_mg_dl=1.4)
    got = [s for s in suggest(rec) if s.rule_id == "R7"]
    assert bool(got) is fires
    if got:
        assert got[0].due_date == "2026-02-02" and "48-72 h" in got[0].text


def test_r8_access_check_with_risk_flags():
    (s,) = [s for s in suggest(record(events=[FEMORAL_8, ev("radiation", fluoro_time_s=2400)])) if s.rule_id == "R8"]
    assert s.due_date == "2026-02-01"
    assert "sheath > 6 Fr" in s.text and "no closure device" in s.text and "fluoroscopy > 30 min" in s.text


def test_r2_and_r9_peripheral():
    tibial = record("peripheral_arterial", "clti", ("balloon_angioplasty", "drug_coated_balloon"),
                    [FEMORAL_8, ev("lesion", vessel="anterior_tibial")], day="2026-11-21")
    got = due(tibial)
    assert {("R2", "2026-12-21"), ("R2", "2027-05-21"), ("R9c", "2026-12-21")} <= got
    plan = Review(plan=(PlanDrug("aspirin", "81 mg daily", "indefinitely"),
                        PlanDrug("clopidogrel", "75 mg daily", "3 months", 3)))
    assert ("R2", "2027-02-21") in due(tibial, plan) and ("R2", "2027-05-21") not in due(tibial, plan)
    fempop = record("peripheral_arterial", "clti", ("stenting",), [FEMORAL_8, ev("lesion", vessel="sfa")],
                    day="2026-11-21")
    assert {("R9b", "2026-12-21"), ("R9b", "2027-02-21"), ("R9b", "2027-08-21")} <= due(fempop)
    iliac = record("peripheral_arterial", "claudication", ("stenting",), [FEMORAL_8, ev("lesion", vessel="cia")],
                   day="2026-11-21")
    assert {("R9a", "2026-12-21"), ("R9a", "2027-05-21"), ("R9a", "2027-11-21")} <= due(iliac)


def test_every_suggestion_cites_a_source_and_says_review():
    rec = record("venous", "dvt", ("thrombectomy", "venous_stenting", "ivc_filter_placement"),
                 [JUGULAR, FILTER, VSTENT, ev("radiation", air_kerma_mgy=6000.0)])
    for s in suggest(rec):
        assert s.source and s.title
        assert any(w in s.text.lower() for w in ("review", "due", "check", "escalate", "opens"))
        assert not any(w in s.text.lower() for w in ("stop ", "start ", "give "))
