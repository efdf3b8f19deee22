"""Case facts for closing a case and for checking a new entry against the case so far.

Part of :mod:`cathlog.rules.case_facts` (re-exported there; import them from there):
the closing checklist, heparin per kg over the case, a repeat bolus of the same drug,
a contrast allergy in the patient's list, and what the case used last (ACT analyser and
cartridge, contrast agent) so the next entry can start from it. Pure: no Qt, no I/O, no clock.

The data dictionary has no sheath-out or end-of-case time. Both are derived here, and
said so: a sheath is taken as out when its closure / haemostasis is recorded on its access
entry (the moment that version was recorded), and the case's end as the last sheath out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cathlog.domain.enums import AccessSite, Closure, ContrastAgent, Drug, EventKind, Side
from cathlog.domain.records import EventHistory, EventVersion, ProcedureRecord, parse_utc_iso

# --- closing checklist ------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    key: str  # stable, for tests and the audit trail
    text: str  # what a nurse reads
    done: bool
    at: str | None = None  # the moment the item refers to (sheath out, end), UTC ISO


def _closure_done(ev: EventVersion) -> bool:
    closure = ev.data.get("closure")
    return bool(closure) and closure != Closure.NONE_YET


def sheath_out_at(history: EventHistory) -> str | None:
    """When the access's sheath came out: the recording of the first version that states its
    closure / haemostasis (derived: there is no sheath-out field). None while it is not stated."""
    if history.current.voided or not _closure_done(history.current):
        return None
    for version in history.versions:
        if not version.voided and _closure_done(version):
            return version.recorded_at
    return None  # pragma: no cover - the current version has it


def _access_name(ev: EventVersion) -> str:
    side = ev.data.get("side")
    where = "" if side in (None, Side.NOT_APPLICABLE) else Side(side).label.lower() + " "
    return f"the {where}{AccessSite(ev.data['site']).label.lower()} access"


def closing_checklist(record: ProcedureRecord) -> tuple[ChecklistItem, ...]:
    """What should be in the record before a case is closed, each done or not."""
    items: list[ChecklistItem] = []
    accesses = [h for h in record.events if h.current.kind is EventKind.ACCESS and not h.current.voided]
    if not accesses:
        items.append(ChecklistItem("access", "an access is recorded", False))
    outs: list[str] = []
    for history in accesses:
        ev = history.current
        name = _access_name(ev)
        out = sheath_out_at(history)
        items.append(ChecklistItem(f"closure:{ev.event_id}", f"closure / haemostasis recorded for {name}",
                                   _closure_done(ev)))
        items.append(ChecklistItem(f"sheath_out:{ev.event_id}", f"sheath out time for {name}", out is not None, out))
        if out is not None:
            outs.append(out)
    all_out = bool(accesses) and len(outs) == len(accesses)
    end = max(outs, key=parse_utc_iso) if all_out else None
    items.append(ChecklistItem("end_time", "end time (the last sheath out)", end is not None, end))
    items.append(ChecklistItem("contrast", "contrast total entered",
                               bool(record.current_events(EventKind.CONTRAST))))
    radiation = record.current_events(EventKind.RADIATION)
    complete = any(ev.data.get("fluoro_time_s") is not None
                   and (ev.data.get("air_kerma_mgy") is not None or ev.data.get("dap_gy_cm2") is not None)
                   for ev in radiation)
    items.append(ChecklistItem("radiation", "radiation totals entered (fluoro time and air kerma or DAP)",
                               complete))
    return tuple(items)


def missing_at_close(record: ProcedureRecord) -> tuple[str, ...]:
    """The checklist items not done, as a nurse reads them."""
    return tuple(item.text for item in closing_checklist(record) if not item.done)


# --- medication checks --------------------------------------------------------------------

REPEAT_BOLUS_WINDOW = timedelta(minutes=15)


def _same_drug(ev: EventVersion, data: Mapping[str, Any]) -> bool:
    if ev.data.get("drug") != data.get("drug"):
        return False
    if data.get("drug") == Drug.OTHER:
        return (ev.data.get("drug_name") or "").strip().casefold() == (data.get("drug_name") or "").strip().casefold()
    return True


def recent_same_drug(events: Iterable[EventVersion], data: Mapping[str, Any], at: datetime,
                     exclude_event_id: str | None = None,
                     window: timedelta = REPEAT_BOLUS_WINDOW) -> EventVersion | None:
    """Another (not voided) dose of the same drug within ``window`` of ``at``, the nearest one."""
    near = [ev for ev in events
            if ev.kind is EventKind.MEDICATION and not ev.voided and ev.event_id != exclude_event_id
            and _same_drug(ev, data) and abs(parse_utc_iso(ev.occurred_at) - at) <= window]
    return min(near, key=lambda ev: abs(parse_utc_iso(ev.occurred_at) - at)) if near else None


def heparin_units(events: Iterable[EventVersion], exclude_event_id: str | None = None) -> float:
    """Heparin given in the case (units; voided doses excluded)."""
    return math.fsum(float(ev.data["dose"]) for ev in events
               if ev.kind is EventKind.MEDICATION and not ev.voided and ev.event_id != exclude_event_id
               and ev.data.get("drug") == Drug.HEPARIN and ev.data.get("dose_unit") == "units")


def heparin_units_per_kg_total(record: ProcedureRecord) -> float | None:
    """Heparin over the whole case per kg of the patient's weight (None without a weight)."""
    weight = record.patient.weight_kg
    return heparin_units(record.current_events()) / weight if weight else None


# --- allergies ----------------------------------------------------------------------------

CONTRAST_ALLERGY_WORDS = ("contrast", "iod", "dye", "omnipaque", "visipaque", "isovue", "optiray", "ultravist",
                          "iohexol", "iopamidol", "ioversol", "iopromide")
IODINATED_AGENTS = frozenset(a.value for a in ContrastAgent) - {ContrastAgent.CO2.value}


def contrast_allergy(allergies: str | None) -> bool:
    """The patient's allergy text names iodinated contrast (by a word or a brand)."""
    text = (allergies or "").casefold()
    return any(word in text for word in CONTRAST_ALLERGY_WORDS)


# --- last used -----------------------------------------------------------------------------

_REMEMBERED: dict[EventKind, tuple[str, ...]] = {
    EventKind.ACT: ("act_device", "cartridge"),
    EventKind.CONTRAST: ("agent", "concentration_mgi_ml"),
}


def last_used(record: ProcedureRecord, kind: EventKind | str) -> dict[str, Any]:
    """What the case's latest entry of a kind used (ACT analyser and cartridge, contrast agent and
    concentration), for the next entry to start from; voided entries do not count."""
    kind = EventKind(kind)
    names = _REMEMBERED.get(kind, ())
    entries = sorted(record.current_events(kind), key=lambda ev: parse_utc_iso(ev.occurred_at))
    if not names or not entries:
        return {}
    last = entries[-1].data
    return {name: last[name] for name in names if last.get(name) is not None}
