"""Live alerts, table by table, edges included."""

from datetime import datetime, timedelta, timezone

import pytest

from cathlog.domain.enums import EventKind
from cathlog.domain.records import EventVersion, utc_iso
from cathlog.rules.alerts import Level, act_status, contrast_status, macd_ml, radiation_status
from cathlog.rules.case_facts import default_act_target
from cathlog.rules.case_facts import per_kg as units_per_kg
from tests.helpers import make_patient

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)


def ev(kind, minute=0, **data):
    when = utc_iso(T0 + timedelta(minutes=minute))
    return EventVersion(f"{kind}{minute}".ljust(32, "0"), "P", EventKind(kind), data, when, when, "n")


HEPARIN = ev("medication", 0, drug="heparin", dose=6000.0, dose_unit="units", route="iv")


@pytest.mark.parametrize("events, now_min, level, words", [
    ([], 0, Level.NONE, "no ACT yet"),
    ([HEPARIN], 5, Level.CAUTION, "no ACT yet"),
    ([HEPARIN, ev("act", 5, act_s=228)], 6, Level.ALERT, "BELOW TARGET (250-300 s)"),
    ([HEPARIN, ev("act", 5, act_s=250)], 6, Level.OK, "in target"),
    ([HEPARIN, ev("act", 5, act_s=300)], 6, Level.OK, "in target"),
    ([HEPARIN, ev("act", 5, act_s=301)], 6, Level.CAUTION, "above target"),
    ([HEPARIN, ev("act", 5, act_s=268)], 34, Level.OK, "in target"),
    ([HEPARIN, ev("act", 5, act_s=268)], 35, Level.CAUTION, "RECHECK DUE"),
    ([HEPARIN, ev("act", 5, act_s=228), ev("act", 15, act_s=265)], 16, Level.OK, "in target"),
])
def test_act_status(events, now_min, level, words):
    status = act_status(events, T0 + timedelta(minutes=now_min))
    assert status.level is level and words in status.message


def test_act_target_follows_gp_iib_iiia_and_can_be_set():
    eptifibatide = ev("medication", 1, drug="eptifibatide", dose=14.4, dose_unit="mg", route="iv")
    assert default_act_target([HEPARIN]) == (250, 300)
    assert default_act_target([HEPARIN, eptifibatide]) == (200, 250)
    status = act_status([HEPARIN, eptifibatide, ev("act", 5, act_s=228)], T0 + timedelta(minutes=6))
    assert status.level is Level.OK
    custom = act_status([HEPARIN, ev("act", 5, act_s=320)], T0 + timedelta(minutes=6), target=(300, 350))
    assert custom.level is Level.OK and custom.target == (300, 350)
    assert act_status([ev("act", 5, act_s=268)], T0 + timedelta(minutes=15)).minutes_since == 10


def test_units_per_kg():
    assert units_per_kg(6000, 80) == 75
    assert units_per_kg(6000, None) is None


@pytest.mark.parametrize("weight, cr, limit", [(80, 1.4, 285.71), (80, 1.0, 300.0), (50, 2.5, 100.0), (80, None, None)])
def test_macd(weight, cr, limit):
    got = macd_ml(weight, cr)
    assert (got is None and limit is None) or got == pytest.approx(limit, abs=0.01)


@pytest.mark.parametrize("volumes, egfr, level, words", [
    ([100.0], 60.0, Level.OK, None),
    ([150.0, 80.0], 90.0, Level.CAUTION, "nearing limit"),     # 230 of 285.7 mL = 80.5 %
    ([190.0], 48.0, Level.ALERT, "contrast/eGFR 3.96 > 3.7"),  # DESIGN.md's example: 190 mL, eGFR 48
    ([177.6], 48.0, Level.OK, None),                           # ratio 3.7 exactly is not above 3.7
    ([200.0, 100.0], 90.0, Level.ALERT, "OVER LIMIT by 14 mL"),
])
def test_contrast_status(volumes, egfr, level, words):
    patient = make_patient(weight_kg=80.0, creatinine_mg_dl=1.4, egfr_ml_min=egfr)
    status = contrast_status([ev("contrast", i, agent="iohexol", volume_ml=v) for i, v in enumerate(volumes)],
                             patient)
    assert status.level is level and status.total_ml == sum(volumes)
    if words:
        assert any(words in m for m in status.messages)


def test_contrast_without_creatinine_says_so():
    status = contrast_status([ev("contrast", 0, agent="iohexol", volume_ml=50.0)],
                             make_patient(creatinine_mg_dl=None))
    assert status.limit_ml is None and "creatinine needed" in status.messages[0]


@pytest.mark.parametrize("readings, level, words", [
    ([], Level.NONE, None),
    ([dict(air_kerma_mgy=410.0, fluoro_time_s=1092)], Level.OK, None),
    ([dict(air_kerma_mgy=2999.0)], Level.OK, None),
    ([dict(air_kerma_mgy=3000.0)], Level.CAUTION, "notify operator (next at 4 Gy)"),
    ([dict(air_kerma_mgy=5001.0)], Level.ALERT, "> 5 Gy"),
    ([dict(air_kerma_mgy=10001.0)], Level.ALERT, "physicist"),
    ([dict(fluoro_time_s=1801)], Level.CAUTION, "fluoro > 30 min"),
    ([dict(air_kerma_mgy=6000.0), dict(air_kerma_mgy=900.0)], Level.OK, None),  # latest reading counts
])
def test_radiation_status(readings, level, words):
    events = [ev("radiation", i, **r) for i, r in enumerate(readings)]
    status = radiation_status(events)
    assert status.level is level
    if words:
        assert any(words in m for m in status.messages)
