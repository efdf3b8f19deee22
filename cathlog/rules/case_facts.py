"""What a case means: the one home of every fact derived from the record.

Pure functions and frozen dataclasses over :mod:`cathlog.domain.records`;
no Qt, no I/O, no clock (callers pass ``now`` or ``today``). Screens,
reports, reminders and exports only format these facts:

- doses: per-kg doses (heparin units/kg) and running totals per drug and unit
- ACT: each reading judged against the band in force when it was drawn
- devices: which can be timed (inflation / atherectomy run), implants left
  in the patient, the retrievable-filter window, what a scan adds to a case
- time: late entries; the moment a typed HH:MM means and a stepped-back clock (rules.typed_time)

Voided entries never count; a corrected entry counts as its latest version.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from cathlog.domain.enums import (
    IMPLANTABLE_DEVICES,
    INFLATABLE_DEVICES,
    DeviceState,
    DeviceType,
    Drug,
    EventKind,
)
from cathlog.domain.implants import PatientImplant, Removal
from cathlog.domain.records import EventHistory, EventVersion, ProcedureRecord, parse_utc_iso

from cathlog.rules.act_facts import in_time_order as in_time_order
from cathlog.rules.act_facts import ACT_TARGET_HEPARIN as ACT_TARGET_HEPARIN
from cathlog.rules.act_facts import ACT_TARGET_GP_IIB_IIIA as ACT_TARGET_GP_IIB_IIIA
from cathlog.rules.act_facts import ACT_TARGET_HEMOCHRON as ACT_TARGET_HEMOCHRON
from cathlog.rules.act_facts import ACT_TARGET_SOURCE as ACT_TARGET_SOURCE
from cathlog.rules.act_facts import ActBand as ActBand
from cathlog.rules.act_facts import ActBasis as ActBasis
from cathlog.rules.act_facts import ActReading as ActReading
from cathlog.rules.act_facts import ActVerdict as ActVerdict
from cathlog.rules.act_facts import BandChange as BandChange
from cathlog.rules.act_facts import act_band_at as act_band_at
from cathlog.rules.act_facts import act_basis as act_basis
from cathlog.rules.act_facts import act_band_now as act_band_now
from cathlog.rules.act_facts import act_series as act_series
from cathlog.rules.act_facts import act_verdict as act_verdict
from cathlog.rules.act_facts import band_changes as band_changes
from cathlog.rules.act_facts import default_act_target as default_act_target
from cathlog.rules.act_facts import device_act_target as device_act_target
from cathlog.rules.act_facts import gp_iib_iiia_given as gp_iib_iiia_given
from cathlog.rules.act_facts import judge_act as judge_act
from cathlog.rules.act_facts import last_act_device as last_act_device

if TYPE_CHECKING:  # biip loads on the first scan, not at start-up
    from cathlog.rules.barcode import ScannedUdi

# --- doses ------------------------------------------------------------------------

PER_KG_DRUGS = frozenset({Drug.HEPARIN})  # drugs whose dose is shown per kg of the patient's weight


def per_kg(dose: float, weight_kg: float | None) -> float | None:
    """The arithmetic only: a dose per kg of the patient's weight (None without a weight)."""
    return dose / weight_kg if weight_kg else None


def dose_per_kg(drug: Drug | str, dose: float | None, weight_kg: float | None) -> float | None:
    """The per-kg dose of a drug shown per kg (heparin), else None."""
    if dose is None or Drug(drug) not in PER_KG_DRUGS:
        return None
    return per_kg(dose, weight_kg)


@dataclass(frozen=True)
class Dose:
    """One given dose, with its per-kg value and the total of its drug so far."""

    event: EventVersion
    drug: Drug
    name: str  # the label, or the name typed for "other"
    amount: float
    unit: str
    per_kg: float | None
    running_total: float  # this drug in this unit up to and including this dose


@dataclass(frozen=True)
class DrugTotal:
    drug: Drug
    name: str
    unit: str
    total: float
    count: int
    per_kg: float | None = None  # the total per kg of the patient's weight, for drugs shown per kg (heparin)


def _drug_key(ev: EventVersion) -> tuple[Drug, str, str]:
    drug = Drug(ev.data["drug"])
    name = ev.data.get("drug_name") or drug.label
    return drug, name.strip().casefold() if drug is Drug.OTHER else "", ev.data["dose_unit"]


def doses(record: ProcedureRecord) -> tuple[Dose, ...]:
    """Every dose given (voided ones excluded), in time order."""
    weight = record.patient.weight_kg
    totals: dict[tuple[Drug, str, str], list[float]] = {}
    out = []
    for ev in in_time_order(record.current_events(EventKind.MEDICATION)):
        drug = Drug(ev.data["drug"])
        amounts = totals.setdefault(_drug_key(ev), [])
        amounts.append(ev.data["dose"])
        out.append(Dose(ev, drug, ev.data.get("drug_name") or drug.label, ev.data["dose"], ev.data["dose_unit"],
                        dose_per_kg(drug, ev.data["dose"], weight), math.fsum(amounts)))
    return tuple(out)


def drug_totals(record: ProcedureRecord) -> tuple[DrugTotal, ...]:
    """The total of each drug per dose unit (voided doses excluded), in the order first given."""
    last: dict[tuple[Drug, str, str], tuple[Dose, int]] = {}
    for dose in doses(record):
        key = _drug_key(dose.event)
        last[key] = (dose, last[key][1] + 1 if key in last else 1)
    weight = record.patient.weight_kg
    return tuple(DrugTotal(d.drug, d.name, d.unit, d.running_total, n, dose_per_kg(d.drug, d.running_total, weight))
                 for d, n in last.values())


# --- devices ----------------------------------------------------------------------------

ATHERECTOMY_DEVICES = frozenset({DeviceType.RA_BURR, DeviceType.ORBITAL_CROWN})


def timer_kind(device_type: DeviceType | str) -> EventKind | None:
    """The entry the inflation/atherectomy timer records for a device kind, or None if it is not timed."""
    kind = DeviceType(device_type)
    if kind in INFLATABLE_DEVICES:
        return EventKind.INFLATION
    if kind in ATHERECTOMY_DEVICES:
        return EventKind.ATHERECTOMY
    return None


@dataclass(frozen=True)
class TimedDevice:
    event: EventVersion
    kind: EventKind  # inflation or atherectomy


def timed_devices(record: ProcedureRecord, kind: EventKind | None = None) -> tuple[TimedDevice, ...]:
    """Devices of the case the timer can time (optionally only for one entry kind), newest first."""
    out = []
    for ev in reversed(record.current_events(EventKind.DEVICE)):
        timed = timer_kind(ev.data["device_type"])
        if timed is not None and kind in (None, timed):
            out.append(TimedDevice(ev, timed))
    return tuple(out)


def implants(record: ProcedureRecord) -> tuple[EventVersion, ...]:
    """Devices left in the patient: the latest version of each device entry whose state is
    implanted, voided entries and entries corrected away from implanted excluded."""
    return tuple(ev for ev in record.current_events(EventKind.DEVICE)
                 if ev.data["state"] == DeviceState.IMPLANTED
                 and DeviceType(ev.data["device_type"]) in IMPLANTABLE_DEVICES)


def case_day(record: ProcedureRecord) -> date:
    """The day follow-up is counted from (the case's start date, as stored)."""
    return date.fromisoformat(record.procedure.started_at[:10])


RETRIEVABLE_FILTER = DeviceType.IVC_FILTER_RETRIEVABLE
FILTER_WINDOW_OPENS_DAY = 29  # FDA Safety Communication, 6 May 2014 [26]: removal favoured from day 29
FILTER_WINDOW_ESCALATES_DAY = 54  # ... to day 54


@dataclass(frozen=True)
class FilterWindow:
    """The retrieval window of the retrievable IVC filters left in a case."""

    placed_on: date
    opens_on: date
    escalates_on: date
    filter_event_ids: tuple[str, ...]
    failed_attempts: tuple[Removal, ...] = ()  # retrievals tried and failed: the window stays open

    @property
    def note(self) -> str:
        return "".join(f" Retrieval attempted on {a.on.isoformat()} (case {a.procedure_id}) failed; the filter "
                       "is still in place." for a in self.failed_attempts)


def filter_window(record: ProcedureRecord, later: Iterable[PatientImplant] = ()) -> FilterWindow | None:
    """The case's filter retrieval window, if a retrievable filter is implanted and no entry
    (in ``later``: the patient's implants across cases) has retrieved it (calendar days)."""
    status = {imp.event.event_id: imp for imp in later}
    filters = [ev.event_id for ev in implants(record) if ev.data["device_type"] == RETRIEVABLE_FILTER]
    filters = [f for f in filters if f not in status or status[f].in_place]
    if not filters:
        return None
    day = case_day(record)
    failed = tuple(a for f in filters if f in status for a in status[f].failed_attempts)
    return FilterWindow(day, day + timedelta(days=FILTER_WINDOW_OPENS_DAY),
                        day + timedelta(days=FILTER_WINDOW_ESCALATES_DAY), tuple(filters), failed)


@dataclass(frozen=True)
class ScanCheck:
    """What a scanned UDI means for this case."""

    already_scanned: bool
    expired: bool
    expiry_date: str | None
    in_catalog: bool

    @property
    def notes(self) -> tuple[str, ...]:
        out = []
        if self.already_scanned:
            out.append("⚠ this device was already scanned in this case")
        if self.expired:
            out.append(f"⚠ EXPIRED on {self.expiry_date}: refused unless you give a reason")
        if not self.in_catalog:
            out.append("not in the catalog: choose type and size")
        return tuple(out)


def scan_check(record: ProcedureRecord, udi: ScannedUdi, today: date, in_catalog: bool) -> ScanCheck:
    """A scan is a repeat when a device of the case (not voided) has the same UDI, or the same
    GTIN and serial number; expired when its expiry date lies before ``today``."""
    repeat = any(ev.data.get("udi") == udi.udi or (udi.serial and ev.data.get("serial") == udi.serial
                                                   and ev.data.get("gtin") == udi.gtin)
                 for ev in record.current_events(EventKind.DEVICE))
    return ScanCheck(bool(repeat), udi.is_expired(today), udi.expiry_date, in_catalog)


# --- time ---------------------------------------------------------------------------------

LATE_AFTER = timedelta(minutes=5)


def entry_delay(history: EventHistory) -> timedelta:
    """How long after the time it gave the entry was first entered: the first version's
    recording against its own time. A correction (or a void) is judged by nothing but that:
    correcting an entry later is not lateness, and a time moved by a correction does not make
    an entry that was typed at once "late" after the fact (nor a late one timely)."""
    first = history.versions[0]
    return parse_utc_iso(first.recorded_at) - parse_utc_iso(first.occurred_at)


def is_late(history: EventHistory) -> bool:
    """First entered more than 5 minutes after the time it was entered for."""
    return entry_delay(history) > LATE_AFTER


def late_entries(record: ProcedureRecord) -> tuple[EventHistory, ...]:
    return tuple(h for h in record.events if is_late(h))


# Typed times (HH:MM in the lab's zone, across clock changes) and the stepped-back clock live in
# cathlog.rules.typed_time; they are facts of a case too, so they are reachable from here.
from cathlog.rules.typed_time import TYPED_TIME_AHEAD as TYPED_TIME_AHEAD  # noqa: E402
from cathlog.rules.typed_time import AmbiguousTimeError as AmbiguousTimeError  # noqa: E402
from cathlog.rules.typed_time import ClockBehind as ClockBehind  # noqa: E402
from cathlog.rules.typed_time import NonexistentTimeError as NonexistentTimeError  # noqa: E402
from cathlog.rules.typed_time import TimeChoice as TimeChoice  # noqa: E402
from cathlog.rules.typed_time import TypedTimeError as TypedTimeError  # noqa: E402
from cathlog.rules.typed_time import clock_behind as clock_behind  # noqa: E402
from cathlog.rules.typed_time import typed_moment as typed_moment  # noqa: E402


# --- access (issue 11 item 10) ------------------------------------------------------

def largest_sheath_fr(events: Iterable[EventVersion]) -> float | None:
    """The largest sheath of the case's access entries (voided ones excluded), in Fr:
    the largest guide catheter the case admits, as far as the record tells."""
    sizes = [ev.data["sheath_fr"] for ev in events
             if ev.kind is EventKind.ACCESS and not ev.voided and ev.data.get("sheath_fr") is not None]
    return max(sizes) if sizes else None


# Closing checklist, medication checks, "last used" and allergies live in their own module to keep
# this one short; re-exported here so this stays the one place to import case facts from.
from cathlog.rules.case_flow import (  # noqa: E402
    CONTRAST_ALLERGY_WORDS as CONTRAST_ALLERGY_WORDS,
    REPEAT_BOLUS_WINDOW as REPEAT_BOLUS_WINDOW,
    ChecklistItem as ChecklistItem,
    closing_checklist as closing_checklist,
    contrast_allergy as contrast_allergy,
    heparin_units_per_kg_total as heparin_units_per_kg_total,
    last_used as last_used,
    missing_at_close as missing_at_close,
    recent_same_drug as recent_same_drug,
    sheath_out_at as sheath_out_at,
)
