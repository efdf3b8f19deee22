"""Live alerts of the nurse's screen: ACT, contrast and radiation, as pure
functions of the case so far. Each status says its state in words (never by
colour alone) and cites the source of every threshold it shows. These are
prompts for the team, not orders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cathlog.domain.enums import Drug, EventKind
from cathlog.domain.records import EventVersion, Patient, parse_utc_iso
from cathlog.domain.units import format_number
from cathlog.rules.case_facts import ACT_TARGET_SOURCE, ActVerdict, act_verdict, default_act_target
from cathlog.rules.lab_defaults import ACT_RECHECK_MIN


class Level(StrEnum):
    NONE = "none"  # nothing to judge yet
    OK = "ok"
    CAUTION = "caution"
    ALERT = "alert"


# --- ACT -----------------------------------------------------------------------



@dataclass(frozen=True)
class ActStatus:
    level: Level
    target: tuple[int, int]
    last_s: int | None = None
    minutes_since: int | None = None
    message: str = ""
    source: str = ACT_TARGET_SOURCE


def act_status(events: list[EventVersion], now: datetime, target: tuple[int, int] | None = None,
               recheck_min: int = ACT_RECHECK_MIN) -> ActStatus:
    """The last ACT against the case's target band, and whether a recheck is due.

    ``events`` are the current, non-voided entries of the case.
    """
    band = target or default_act_target(events)
    acts = sorted((ev for ev in events if ev.kind is EventKind.ACT), key=lambda ev: ev.occurred_at)
    heparin = any(ev.kind is EventKind.MEDICATION and ev.data["drug"] == Drug.HEPARIN for ev in events)
    if not acts:
        if heparin:
            return ActStatus(Level.CAUTION, band, message="heparin given, no ACT yet")
        return ActStatus(Level.NONE, band, message="no ACT yet")
    last = acts[-1]
    value = last.data["act_s"]
    minutes = max(0, int((now - parse_utc_iso(last.occurred_at)).total_seconds() // 60))
    low, high = band
    verdict = act_verdict(value, band)
    if verdict is ActVerdict.BELOW:
        return ActStatus(Level.ALERT, band, value, minutes, f"BELOW TARGET ({low}-{high} s)")
    if minutes >= recheck_min:
        return ActStatus(Level.CAUTION, band, value, minutes, f"RECHECK DUE (every {recheck_min} min)")
    if verdict is ActVerdict.ABOVE:
        return ActStatus(Level.CAUTION, band, value, minutes, f"above target ({low}-{high} s)")
    return ActStatus(Level.OK, band, value, minutes, f"in target {low}-{high} s")


# --- contrast ------------------------------------------------------------------

MACD_CAP_ML = 300.0
MACD_SOURCE = "Cigarroa, Am J Med 1989 [3]: 5 mL x kg / creatinine (mg/dL), at most 300 mL"
RATIO_LIMIT = 3.7
RATIO_SOURCE = "Mager, Catheter Cardiovasc Interv 2011 [4]: contrast/eGFR > 3.7 predicted CIN"
CONTRAST_CAUTION_FRACTION = 0.8


def macd_ml(weight_kg: float | None, creatinine_mg_dl: float | None) -> float | None:
    """Maximum acceptable contrast dose (Cigarroa), capped at 300 mL."""
    if not weight_kg or not creatinine_mg_dl:
        return None
    return min(5.0 * weight_kg / creatinine_mg_dl, MACD_CAP_ML)


@dataclass(frozen=True)
class ContrastStatus:
    level: Level
    total_ml: float
    limit_ml: float | None
    ratio: float | None
    messages: tuple[str, ...] = ()
    sources: tuple[str, ...] = (MACD_SOURCE, RATIO_SOURCE)


def contrast_status(events: list[EventVersion], patient: Patient) -> ContrastStatus:
    total = sum(ev.data["volume_ml"] for ev in events if ev.kind is EventKind.CONTRAST)
    limit = macd_ml(patient.weight_kg, patient.creatinine_mg_dl)
    ratio = total / patient.egfr_ml_min if patient.egfr_ml_min else None
    level = Level.OK
    messages = []
    if limit is None:
        messages.append("no limit: weight and creatinine needed")
        level = Level.NONE if not total else Level.CAUTION
    elif total > limit:
        level = Level.ALERT
        messages.append(f"OVER LIMIT by {format_number(total - limit, 0)} mL")
    elif total >= CONTRAST_CAUTION_FRACTION * limit:
        level = Level.CAUTION
        messages.append(f"nearing limit ({total / limit:.0%})")
    if ratio is not None and ratio > RATIO_LIMIT:
        level = Level.ALERT
        messages.append(f"contrast/eGFR {ratio:.2f} > {RATIO_LIMIT}")
    return ContrastStatus(level, total, limit, ratio, tuple(messages))


# --- radiation -----------------------------------------------------------------

KERMA_NOTIFY_MGY = 3000.0
KERMA_NOTIFY_SOURCE = "SIR 2009 [12] / NCRP 168: notify at 3 Gy, then every 1 Gy (unverified table)"
KERMA_FOLLOW_UP_MGY = 5000.0
KERMA_PHYSICIST_MGY = 10000.0
KERMA_SOURCE = "Interv Cardiol Rev 2014 Table 2 [13]: > 5 Gy document and follow up; > 10 Gy physicist"
FLUORO_LONG_S = 1800
FLUORO_SOURCE = "VQI, Ortiz 2014 [20]: fluoroscopy > 30 min predicts access complications"


@dataclass(frozen=True)
class RadiationStatus:
    level: Level
    fluoro_time_s: int | None
    air_kerma_mgy: float | None
    dap_gy_cm2: float | None
    messages: tuple[str, ...] = ()
    sources: tuple[str, ...] = field(default=(KERMA_NOTIFY_SOURCE, KERMA_SOURCE, FLUORO_SOURCE))


def radiation_status(events: list[EventVersion]) -> RadiationStatus:
    """Radiation entries are cumulative readings: the latest of each counts."""
    latest: dict[str, float] = {}
    for ev in sorted((e for e in events if e.kind is EventKind.RADIATION), key=lambda e: e.occurred_at):
        for key in ("fluoro_time_s", "air_kerma_mgy", "dap_gy_cm2"):
            if ev.data.get(key) is not None:
                latest[key] = ev.data[key]
    kerma = latest.get("air_kerma_mgy")
    fluoro = latest.get("fluoro_time_s")
    level = Level.NONE if not latest else Level.OK
    messages = []
    if kerma is not None:
        if kerma > KERMA_PHYSICIST_MGY:
            level = Level.ALERT
            messages.append("Ka,r > 10 Gy: physicist skin-dose estimate")
        elif kerma > KERMA_FOLLOW_UP_MGY:
            level = Level.ALERT
            messages.append("Ka,r > 5 Gy: document, inform patient, skin follow-up")
        elif kerma >= KERMA_NOTIFY_MGY:
            level = Level.CAUTION
            messages.append(f"Ka,r ≥ 3 Gy: notify operator (next at {int(kerma // 1000) + 1} Gy)")
    if fluoro is not None and fluoro > FLUORO_LONG_S:
        level = max(level, Level.CAUTION, key=_LEVEL_ORDER.index)
        messages.append("fluoro > 30 min")
    return RadiationStatus(level, int(fluoro) if fluoro is not None else None, kerma, latest.get("dap_gy_cm2"),
                           tuple(messages))


_LEVEL_ORDER = [Level.NONE, Level.OK, Level.CAUTION, Level.ALERT]
