"""Use cases of the clinical record: patients, cases and their log entries
(the entries' own in ``services.case_entries``, which CaseService builds on).

The one door through which the GUI and the command line change a record.
Each method checks the role, validates (hard limits refuse, soft limits
need the user's confirmation), writes the new version and its audit row in
one transaction, and returns what was stored. Nothing is overwritten.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from cathlog.domain.enums import ProcedureStatus, TeamRole
from cathlog.domain.errors import Conflict, Issue, NotFound, ValidationError
from cathlog.domain.fields import PATIENT_FIELDS, PROCEDURE_FIELDS
from cathlog.domain.records import (
    Actor,
    CaseSummary,
    Patient,
    Procedure,
    ProcedureRecord,
    TeamMember,
    normalize_mrn,
)
from cathlog.rules import case_facts, validation
from cathlog.rules.permissions import Action
from cathlog.services.base import Confirm, new_id, require_confirmed
from cathlog.services.case_entries import CaseEntries, _timestamp
from cathlog.services.case_entries import _reason as _reason  # also services.review and services.followup
from cathlog.store import records as rec
from cathlog.store.search_query import SORT_COLUMNS, Filters

_ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: ids get read aloud
# Who a patient is (must match when found by MRN), and what may change from case to case.
_IDENTITY = ("family_name", "given_name", "birth_date", "sex")
_UPDATABLE = ("weight_kg", "height_cm", "creatinine_mg_dl", "egfr_ml_min", "allergies", "anticoagulation")


def _team(team: list[TeamMember] | tuple[TeamMember, ...]) -> tuple[TeamMember, ...]:
    members = tuple(TeamMember(m.name.strip(), TeamRole(m.role)) for m in team)
    if any(not m.name or len(m.name) > 100 for m in members):
        raise ValidationError([Issue("team", None, "each team member needs a name of 1-100 characters")])
    return members


class CaseService(CaseEntries):
    """Patients, cases and reading them; the log entries' use cases are CaseEntries'."""

    # --- patients ------------------------------------------------------------

    def find_patient(self, actor: Actor, mrn: str) -> Patient | None:
        self.require(actor, Action.VIEW_RECORDS)
        patient_id = rec.patient_id_for_mrn(self.store, mrn)
        return rec.get_patient(self.store, patient_id) if patient_id else None

    def register_patient(self, actor: Actor, patient: Patient, confirm: Confirm = ()) -> Patient:
        """Create a patient; a duplicate MRN (after trimming, case folding and
        Unicode normalisation) is refused, naming the patient who has it."""
        self.require(actor, Action.OPEN_CASE)
        patient = replace(patient, **validation.normalize(PATIENT_FIELDS, patient.clinical_fields()),
                          patient_id=new_id(), version=1)
        require_confirmed(validation.validate_patient(patient, self.clock().date()), confirm)
        with self.store.write():
            self._insert_new_patient(actor, patient, self.now())
        return patient

    def _insert_new_patient(self, actor: Actor, patient: Patient, now: str) -> None:
        """Write a validated new patient and its audit row (inside a write transaction)."""
        assert patient.patient_id is not None  # given by register_patient/start_case
        self._refuse_duplicate_mrn(patient.mrn)
        rec.reserve_mrn(self.store, patient.mrn, patient.patient_id)
        rec.insert_patient_version(self.store, patient, changed_at=now, changed_by=actor.username)
        self.audit(actor, "register_patient", "patient", patient.patient_id, new=patient.clinical_fields(), at=now)

    def _refuse_duplicate_mrn(self, mrn: str) -> None:
        existing_id = rec.patient_id_for_mrn(self.store, mrn)
        if existing_id:
            existing = rec.get_patient(self.store, existing_id)
            who = f"{existing.display_name}, born {existing.birth_date}" if existing else "another patient"
            raise Conflict(f"MRN {mrn!r} already belongs to {who}; open a case for that patient instead")

    def update_patient(self, actor: Actor, patient_id: str, changes: Mapping[str, Any], reason: str,
                       confirm: Confirm = ()) -> Patient:
        """A new version of the patient (weight, creatinine, allergies...)."""
        self.require(actor, Action.UPDATE_PATIENT)
        reason = _reason(reason, "change a patient's details")
        known = {s.name for s in PATIENT_FIELDS}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValidationError([Issue(k, changes[k], f"{k!r} is not a patient field") for k in unknown])
        with self.store.write():
            old = rec.get_patient(self.store, patient_id)
            if old is None:
                raise NotFound(f"there is no patient {patient_id}")
            new = self._next_patient_version(old, changes)
            require_confirmed(validation.validate_patient(new, self.clock().date()), confirm)
            self._insert_patient_update(actor, old, new, reason, self.now())
        return new

    @staticmethod
    def _next_patient_version(old: Patient, changes: Mapping[str, Any]) -> Patient:
        fields = {**old.clinical_fields(), **changes}
        cleared: dict[str, Any] = {k: None for k in old.clinical_fields()}
        new = replace(old, **cleared)
        return replace(new, **validation.normalize(PATIENT_FIELDS, fields), version=old.version + 1)

    def _insert_patient_update(self, actor: Actor, old: Patient, new: Patient, reason: str, now: str) -> None:
        """Write a validated new patient version and its audit row (inside a write transaction)."""
        assert old.patient_id is not None  # a stored patient
        if normalize_mrn(new.mrn) != normalize_mrn(old.mrn):
            self._refuse_duplicate_mrn(new.mrn)
            rec.reserve_mrn(self.store, new.mrn, old.patient_id)
        rec.insert_patient_version(self.store, new, changed_at=now, changed_by=actor.username, reason=reason)
        self.audit(actor, "update_patient", "patient", old.patient_id, old=old.clinical_fields(),
                   new=new.clinical_fields(), reason=reason, at=now)

    # --- cases ---------------------------------------------------------------

    def open_case(self, actor: Actor, patient_id: str, details: Mapping[str, Any],
                  team: list[TeamMember] | tuple[TeamMember, ...] = (), started_at: datetime | str | None = None,
                  confirm: Confirm = ()) -> Procedure:
        """Open a procedure for a registered patient; it starts in status open."""
        self.require(actor, Action.OPEN_CASE)
        details = validation.normalize(PROCEDURE_FIELDS, details)
        require_confirmed(validation.validate_procedure(details), confirm)
        members = _team(team)
        now = self.now()
        start = _timestamp(started_at, now, "started_at")
        with self.store.write():
            patient = rec.get_patient(self.store, patient_id)
            if patient is None:
                raise NotFound(f"there is no patient {patient_id}")
            return self._insert_case(actor, patient, details, members, start, now)

    def _insert_case(self, actor: Actor, patient: Patient, details: Mapping[str, Any],
                     team: tuple[TeamMember, ...], start: str, now: str) -> Procedure:
        """Write a validated new case and its audit row (inside a write transaction)."""
        assert patient.patient_id is not None
        proc = Procedure(procedure_id=self._new_procedure_id(start), patient_id=patient.patient_id,
                         category=details["category"], planned=tuple(details["planned"]),
                         indication=details["indication"], urgency=details["urgency"], started_at=start,
                         indication_detail=details.get("indication_detail"), room=details.get("room"),
                         act_target_low_s=details.get("act_target_low_s"),
                         act_target_high_s=details.get("act_target_high_s"), patient_version=patient.version,
                         accession_number=details.get("accession_number"),
                         study_instance_uid=details.get("study_instance_uid"),
                         requested_procedure=details.get("requested_procedure"),
                         team=team, changed_at=now, changed_by=actor.username)
        rec.insert_procedure_version(self.store, proc)
        self.audit(actor, "open_case", "procedure", proc.procedure_id, procedure_id=proc.procedure_id,
                   new={**details, "patient_id": patient.patient_id, "started_at": start,
                        "team": [m.to_json() for m in team]}, at=now)
        return proc

    def start_case(self, actor: Actor, patient: Patient, details: Mapping[str, Any],
                   team: list[TeamMember] | tuple[TeamMember, ...] = (), *,
                   started_at: datetime | str | None = None, confirm: Confirm = (),
                   reason: str = "updated at case start", identity_reason: str | None = None) -> Procedure:
        """Start a case in ONE transaction: find the patient by MRN or register
        them, write a new patient version when today's values (weight, labs,
        allergies...) differ, and open the case. One audit row per change; all
        or nothing.

        A patient found by MRN must be the same person: if the name, birth date
        or sex given differ, the case is refused, naming who has that MRN, unless
        the user chose to correct them (``identity_reason``, e.g. the hospital's
        worklist has the right name): then they go into the new patient version
        with that reason. The soft warnings of the patient and of the case are
        asked for together."""
        self.require(actor, Action.OPEN_CASE)
        given = replace(patient, **validation.normalize(PATIENT_FIELDS, patient.clinical_fields()))
        details = validation.normalize(PROCEDURE_FIELDS, details)
        members = _team(team)
        now = self.now()
        start = _timestamp(started_at, now, "started_at")
        today = self.clock().date()
        with self.store.write():
            existing_id = rec.patient_id_for_mrn(self.store, given.mrn)
            existing = rec.get_patient(self.store, existing_id) if existing_id else None
            if existing is None:
                for_case = replace(given, patient_id=new_id(), version=1)
            else:
                clash = [k for k in _IDENTITY if getattr(existing, k) != getattr(given, k)]
                if clash and identity_reason is not None:
                    reason = _reason(identity_reason, "correct a patient's name, birth date or sex")
                elif clash:
                    raise Conflict(f"MRN {given.mrn!r} already belongs to {existing.display_name}, born "
                                   f"{existing.birth_date}, whose {', '.join(clash)} differ from what was given; "
                                   "find that patient by MRN and open the case for them")
                changes = {k: getattr(given, k) for k in _UPDATABLE + tuple(clash)
                           if getattr(given, k) != getattr(existing, k)}
                for_case = self._next_patient_version(existing, changes) if changes else existing
                if changes:
                    self.require(actor, Action.UPDATE_PATIENT)
            warnings = validation.validate_patient(for_case, today) if for_case is not existing else []
            require_confirmed(warnings + validation.validate_procedure(details), confirm)
            if existing is None:
                self._insert_new_patient(actor, for_case, now)
            elif for_case is not existing:
                self._insert_patient_update(actor, existing, for_case, _reason(reason, "update a patient"), now)
            return self._insert_case(actor, for_case, details, members, start, now)

    def _new_procedure_id(self, started_at: str) -> str:
        day = started_at[:10].replace("-", "")
        while True:
            candidate = f"P{day}-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(4))
            if rec.get_procedure(self.store, candidate) is None:
                return candidate

    def _set_status(self, actor: Actor, procedure_id: str, action: Action, want_from: ProcedureStatus,
                    to: ProcedureStatus, reason: str | None, extra: Mapping[str, Any] | None = None) -> Procedure:
        self.require(actor, action)
        with self.store.write():
            old = self._procedure(procedure_id)
            if old.status is not want_from:
                raise Conflict(f"case {procedure_id} is {old.status.value}, not {want_from.value}")
            now = self.now()
            new = replace(old, status=to, version=old.version + 1, changed_at=now, changed_by=actor.username)
            rec.insert_procedure_version(self.store, new, reason=reason or f"{action.value.replace('_', ' ')}")
            self.audit(actor, action.value, "procedure", procedure_id, procedure_id=procedure_id,
                       old={"status": old.status.value}, new={"status": to.value, **(extra or {})}, reason=reason,
                       at=now)
        return new

    def close_case(self, actor: Actor, procedure_id: str, reason: str | None = None) -> Procedure:
        """Close a case. What its closing checklist still misses is audited with the close, and
        ``reason`` (why it is closed anyway) with it; the GUI asks for one when items are missing."""
        self.require(actor, Action.CLOSE_CASE)
        reason = None if reason is None else _reason(reason, "close a case with items missing")
        missing = case_facts.missing_at_close(self.get_record(actor, procedure_id))
        return self._set_status(actor, procedure_id, Action.CLOSE_CASE, ProcedureStatus.OPEN,
                                ProcedureStatus.CLOSED, reason, {"checklist_missing": list(missing)} if missing else None)

    def reopen_case(self, actor: Actor, procedure_id: str, reason: str) -> Procedure:
        return self._set_status(actor, procedure_id, Action.REOPEN_CASE, ProcedureStatus.CLOSED,
                                ProcedureStatus.OPEN, _reason(reason, "reopen a case"))

    def set_act_target(self, actor: Actor, procedure_id: str, low_s: int, high_s: int, reason: str) -> Procedure:
        """The physician sets this case's ACT target band (a new procedure version)."""
        self.require(actor, Action.SET_TARGETS)
        reason = _reason(reason, "change the ACT target")
        validation.validate_procedure({**self._details(self._procedure(procedure_id)),
                                       "act_target_low_s": low_s, "act_target_high_s": high_s})
        with self.store.write():
            old = self._open_procedure(procedure_id)
            now = self.now()
            new = replace(old, act_target_low_s=low_s, act_target_high_s=high_s, version=old.version + 1,
                          changed_at=now, changed_by=actor.username)
            rec.insert_procedure_version(self.store, new, reason=reason)
            self.audit(actor, "set_act_target", "procedure", procedure_id, procedure_id=procedure_id,
                       old={"act_target": old.act_target}, new={"act_target": [low_s, high_s]}, reason=reason, at=now)
        return new

    @staticmethod
    def _details(proc: Procedure) -> dict[str, Any]:
        return {"category": proc.category, "planned": list(proc.planned), "indication": proc.indication,
                "urgency": proc.urgency, "indication_detail": proc.indication_detail, "room": proc.room}

    # --- reading -------------------------------------------------------------

    def get_record(self, actor: Actor, procedure_id: str) -> ProcedureRecord:
        self.require(actor, Action.VIEW_RECORDS)
        record = rec.read_case(self.store, procedure_id, history=True)
        if record is None:
            raise NotFound(f"there is no case {procedure_id}")
        return record

    def entry_version_count(self, actor: Actor, procedure_id: str) -> int:
        """How many versions of entries the case has: a window that holds the case can tell whether it is
        up to date without reading it again."""
        self.require(actor, Action.VIEW_RECORDS)
        return rec.count_event_versions(self.store, procedure_id)

    def list_cases(self, actor: Actor, *, search: str | None = None, status: str | None = None,
                   since: str | None = None, until: str | None = None, room: str | None = None,
                   waiting_for_me: bool = False, sort: str = "started_at", descending: bool = True,
                   limit: int = 500, offset: int = 0) -> list[CaseSummary]:
        """One page of the case list. ``search``: words in any order, accents and case ignored
        (names, MRN or a fragment of it, case id, team, room, a date); ``since``/``until``: UTC
        bounds of the start; ``waiting_for_me``: closed cases without the actor's signature."""
        self.require(actor, Action.VIEW_RECORDS)
        if waiting_for_me:
            self.require(actor, Action.SIGN_CASE)
        if sort not in SORT_COLUMNS:
            raise ValidationError([Issue("sort", sort, f"the case list sorts by one of {', '.join(SORT_COLUMNS)}")])
        filters = Filters(status=status, room=room, since=since, until=until,
                          unsigned_by=actor.username if waiting_for_me else None)
        return rec.list_cases(self.store, search=search, filters=filters, sort=sort, descending=descending,
                              limit=limit, offset=offset)

    def case_rooms(self, actor: Actor) -> list[str]:
        """The rooms cases were done in (for the room filter)."""
        self.require(actor, Action.VIEW_RECORDS)
        return rec.case_rooms(self.store)
