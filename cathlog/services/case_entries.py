"""Use cases of a case's log entries: record, correct and void one entry.

Each checks the role, validates the entry against the case as it stands (read row by row:
``services.case_events``, so a save costs the same at entry 300 as at entry 3, issue 18 item 2),
writes the new version and its audit row in one durable transaction, and returns what was
stored. Nothing is overwritten. ``CaseService`` (``services.cases``) builds on this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from cathlog.domain.enums import EventKind, ProcedureStatus
from cathlog.domain.errors import Conflict, Issue, NotFound, ValidationError
from cathlog.domain.fields import EVENT_FIELDS
from cathlog.domain.records import Actor, EventVersion, Procedure, parse_utc_iso, utc_iso
from cathlog.rules import validation
from cathlog.rules.permissions import Action
from cathlog.services.base import Clock, Confirm, ServiceBase, new_id, require_confirmed, system_clock
from cathlog.services.case_events import CurrentEvents
from cathlog.services.implants import check_removal
from cathlog.store import records as rec
from cathlog.store.db import Store

# How far an entry may be back-dated before the case start, or lie ahead of the clock.
BACKDATE_LIMIT = timedelta(hours=24)
FUTURE_TOLERANCE = timedelta(minutes=5)


def _reason(reason: str | None, what: str) -> str:
    if reason is None or not reason.strip():
        raise ValidationError([Issue("reason", reason, f"a reason is required to {what}")])
    if len(reason) > 500:
        raise ValidationError([Issue("reason", reason, "a reason is at most 500 characters")])
    return reason.strip()


def _refuse_device_fields(kind: EventKind, data: Mapping[str, Any]) -> None:
    """What a dose report gives (its provenance, per-plane values) is never typed: a person's entry or
    correction is a typed one (``services.dose`` records reported values)."""
    device = [s for s in EVENT_FIELDS[kind] if s.from_device and s.name in data]
    if device:
        raise ValidationError([Issue(s.name, data[s.name], f"{s.label} comes from the X-ray system's dose report; "
                                     "it is not typed") for s in device])


def _timestamp(value: datetime | str | None, default: str, field: str = "occurred_at") -> str:
    if value is None:
        return default
    try:
        moment = parse_utc_iso(value) if isinstance(value, str) else value
        return utc_iso(moment)
    except ValueError as exc:
        raise ValidationError([Issue(field, value, f"time {value!r} is not a time with a zone: {exc}")]) from None


class CaseEntries(ServiceBase):
    """Record, correct and void a case's log entries (see the module docstring)."""

    def __init__(self, store: Store, clock: Clock = system_clock):
        super().__init__(store, clock)
        self._events = CurrentEvents(store)

    # --- the case an entry belongs to ------------------------------------------

    def _procedure(self, procedure_id: str) -> Procedure:
        proc = rec.get_procedure(self.store, procedure_id)
        if proc is None:
            raise NotFound(f"there is no case {procedure_id}")
        return proc

    def _open_procedure(self, procedure_id: str) -> Procedure:
        proc = self._procedure(procedure_id)
        if proc.status is not ProcedureStatus.OPEN:
            raise Conflict(f"case {procedure_id} is {proc.status.value}; reopen it to change its log")
        return proc

    # --- log entries ---------------------------------------------------------

    def _context(self, proc: Procedure, occurred_at: str, editing: str | None = None) -> validation.EventContext:
        patient = rec.get_patient(self.store, proc.patient_id, proc.patient_version)
        events = self._events.of(proc.procedure_id)  # read row by row: a save costs the same at any case size
        # The entry's date on this workstation's calendar, not UTC's: a device that expired
        # "yesterday" locally must be caught at 00:30 too.
        local_day = parse_utc_iso(occurred_at).astimezone().date()
        return validation.EventContext(procedure_date=local_day,
                                       weight_kg=patient.weight_kg if patient else None, events=events,
                                       category=proc.category,
                                       occurred_at=occurred_at, allergies=patient.allergies if patient else None,
                                       editing_event_id=editing)

    def _check_time(self, proc: Procedure, occurred_at: str) -> None:
        moment = parse_utc_iso(occurred_at)
        if moment > self.clock() + FUTURE_TOLERANCE:
            raise ValidationError([Issue("occurred_at", occurred_at, "the time of an entry cannot be in the future")])
        if moment < parse_utc_iso(proc.started_at) - BACKDATE_LIMIT:
            raise ValidationError([Issue("occurred_at", occurred_at,
                                         "the time is more than 24 hours before the case started")])

    def record_event(self, actor: Actor, procedure_id: str, kind: EventKind, data: Mapping[str, Any], *,
                     occurred_at: datetime | str | None = None, performed_by: str | None = None,
                     confirm: Confirm = ()) -> EventVersion:
        """Save one log entry durably (validate, one fsync'd commit, audit)."""
        self.require(actor, Action.RECORD_EVENT)
        kind = EventKind(kind)
        data = validation.normalize(EVENT_FIELDS[kind], data)
        _refuse_device_fields(kind, data)
        now = self.now()
        with self.store.write():
            proc = self._open_procedure(procedure_id)
            when = _timestamp(occurred_at, now)
            self._check_time(proc, when)
            require_confirmed(validation.validate_event(kind, data, self._context(proc, when)), confirm)
            check_removal(self.store, proc, data)
            ev = EventVersion(event_id=new_id(), procedure_id=procedure_id, kind=kind, data=data, occurred_at=when,
                              recorded_at=now, recorded_by=actor.username,
                              performed_by=(performed_by or "").strip() or None, workstation=actor.workstation)
            rec.insert_event_version(self.store, ev)
            self.audit(actor, "record_event", kind.value, ev.event_id, procedure_id=procedure_id,
                       new={"occurred_at": when, **data}, at=now)
        return ev

    def correct_event(self, actor: Actor, event_id: str, data: Mapping[str, Any], reason: str, *,
                      occurred_at: datetime | str | None = None, performed_by: str | None = None,
                      confirm: Confirm = (), expected_version: int | None = None) -> EventVersion:
        """A new version of an entry; the old one stays in its history.

        ``expected_version`` is the version the user was looking at: if someone else
        corrected the entry meanwhile, the change is refused rather than silently
        building on a stale version."""
        self.require(actor, Action.CORRECT_EVENT)
        reason = _reason(reason, "correct an entry")
        now = self.now()
        with self.store.write():
            old = self._current_event(event_id)
            self._check_version(old, expected_version)
            if old.voided:
                raise Conflict("a voided entry cannot be corrected; record a new one")
            proc = self._open_procedure(old.procedure_id)
            data = validation.normalize(EVENT_FIELDS[old.kind], data)
            _refuse_device_fields(old.kind, data)
            when = _timestamp(occurred_at, old.occurred_at)
            self._check_time(proc, when)
            require_confirmed(validation.validate_event(old.kind, data, self._context(proc, when, event_id)),
                              confirm)
            check_removal(self.store, proc, data, event_id)
            new = replace(old, data=data, occurred_at=when, recorded_at=now, recorded_by=actor.username,
                          performed_by=(performed_by or "").strip() or old.performed_by,
                          workstation=actor.workstation, version=old.version + 1, reason=reason)
            rec.insert_event_version(self.store, new)
            self.audit(actor, "correct_event", old.kind.value, event_id, procedure_id=old.procedure_id,
                       old={"occurred_at": old.occurred_at, **old.data}, new={"occurred_at": when, **data},
                       reason=reason, at=now)
        return new

    def void_event(self, actor: Actor, event_id: str, reason: str,
                   expected_version: int | None = None) -> EventVersion:
        """Mark an entry void; it stays visible, struck through."""
        self.require(actor, Action.VOID_EVENT)
        reason = _reason(reason, "void an entry")
        now = self.now()
        with self.store.write():
            old = self._current_event(event_id)
            self._check_version(old, expected_version)
            if old.voided:
                raise Conflict("that entry is already void")
            self._open_procedure(old.procedure_id)
            new = replace(old, recorded_at=now, recorded_by=actor.username, workstation=actor.workstation,
                          version=old.version + 1, voided=True, reason=reason)
            rec.insert_event_version(self.store, new)
            self.audit(actor, "void_event", old.kind.value, event_id, procedure_id=old.procedure_id,
                       old={"voided": False}, new={"voided": True}, reason=reason, at=now)
        return new

    @staticmethod
    def _check_version(current: EventVersion, expected: int | None) -> None:
        if expected is not None and current.version != expected:
            raise Conflict(f"this entry was changed meanwhile by {current.recorded_by} (now version "
                           f"{current.version}); reload and check it before changing it again")

    def _current_event(self, event_id: str) -> EventVersion:
        history = rec.event_history(self.store, event_id)
        if history is None:
            raise NotFound(f"there is no entry {event_id}")
        return history.current
