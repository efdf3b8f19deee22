"""Implant facts across a patient's cases (issue 11 items 1, 13): how the timeline
marks an implant, the entries that remove one, the patient's implants with what
became of each, and the implant a scan names. Part of the case facts
(``cathlog.rules.case_facts``), kept apart for size; pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Iterable

from cathlog.domain.enums import IMPLANTABLE_DEVICES, REMOVAL_STATES, REMOVED_STATES, DeviceState, DeviceType, EventKind
from cathlog.domain.implants import PatientImplant, Removal
from cathlog.domain.records import EventVersion, ProcedureRecord, parse_utc_iso
from cathlog.rules.act_facts import in_time_order
from cathlog.rules.case_facts import implants


def implant_tag(ev: EventVersion) -> str | None:
    """How the timeline marks a device entry that leaves or removes an implant, else None."""
    if ev.kind is not EventKind.DEVICE or ev.voided:
        return None
    state = ev.data.get("state")
    if state == DeviceState.IMPLANTED and DeviceType(ev.data["device_type"]) in IMPLANTABLE_DEVICES:
        return "IMPLANT"
    if state in REMOVAL_STATES:
        return "IMPLANT " + DeviceState(state).label.upper()
    return None


def removals(record: ProcedureRecord) -> tuple[Removal, ...]:
    """Entries of the case that retrieved, explanted or tried to retrieve an implant."""
    return tuple(Removal(ev, DeviceState(ev.data["state"]), parse_utc_iso(ev.occurred_at).date())
                 for ev in in_time_order(record.current_events(EventKind.DEVICE))
                 if ev.data["state"] in REMOVAL_STATES and ev.data.get("removes_event_id"))


def patient_implants(records: Iterable[ProcedureRecord]) -> tuple[PatientImplant, ...]:
    """Every implant of a patient's cases (voided and corrected-away entries excluded), each
    with the entry that removed it and the failed retrieval attempts, oldest first. A removal
    voided later does not count."""
    records = list(records)
    found = {ev.event_id: ev for r in records for ev in implants(r)}
    done: dict[str, Removal] = {}
    failed: dict[str, list[Removal]] = {}
    for r in records:
        for rem in removals(r):
            target = rem.event.data["removes_event_id"]
            if rem.state in REMOVED_STATES:
                done.setdefault(target, rem)
            else:
                failed.setdefault(target, []).append(rem)
    out = [PatientImplant(ev, parse_utc_iso(ev.occurred_at).date(), done.get(eid),
                          tuple(sorted(failed.get(eid, []), key=lambda a: a.on)))
           for eid, ev in found.items()]
    return tuple(sorted(out, key=lambda i: (i.event.occurred_at, i.event.event_id)))


def match_implant(found: Iterable[PatientImplant], *, udi: str | None = None, serial: str | None = None,
                  gtin: str | None = None) -> PatientImplant | None:
    """The implant still in place a scanned UDI (or serial, with its GTIN when known) names."""
    for imp in found:
        d = imp.event.data
        if not imp.in_place:
            continue
        if udi and d.get("udi") == udi:
            return imp
        if serial and d.get("serial") == serial and (not gtin or not d.get("gtin") or d.get("gtin") == gtin):
            return imp
    return None
