"""ADT in (issue 16 item 1): each message received over MLLP is kept in the inbox, validated, and applied
to the patient as a new patient version, all in one transaction, or not at all.

- ADT A01/A04/A08/A28/A31: the patient of PID-3's MRN is registered, or gets a new version when the
  name, birth date or sex differ (``changed_by`` = ``hl7:<sending facility>``, reason = the message
  control id), audited like any patient change. Weight, labs and allergies are the lab's and stay.
- ADT A40 (merge): never applied by itself. MRNs are reserved for ever in cathlog, so a merge becomes a
  task for an admin, who sees both patients and their cases and records a decision (an audited link).
- A message that cannot be applied (AE) or is refused (AR) is kept with its error; an admin sees it in
  the inbox and can retry it after fixing what was wrong (e.g. the allowed senders). Nothing is lost,
  nothing is half applied. The same control id from the same facility applied before is acknowledged
  again without applying it twice.

Every message in is audited (``hl7_receive``, with the message text: an ADT carries no PDF).
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass, replace
from typing import Any

from cathlog.domain.enums import Role
from cathlog.domain.errors import CathlogError, Issue, NotFound, ValidationError
from cathlog.domain.fields import PATIENT_FIELDS
from cathlog.domain.records import Actor, Patient, normalize_mrn
from cathlog.hl7 import inbound
from cathlog.hl7.inbound import Adt, Header, Refusal
from cathlog.rules import validation
from cathlog.rules.permissions import Action
from cathlog.services.base import ServiceBase, new_id
from cathlog.services.cases import CaseService
from cathlog.services.settings import stored_values
from cathlog.store import hl7 as hl7_store
from cathlog.store import records as rec
from cathlog.store.db import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What became of one message: the acknowledgement sent and the inbox row kept."""

    ack: str
    ack_code: str
    inbox_id: int | None
    state: str
    error: str | None = None


@dataclass(frozen=True)
class PatientCases:
    patient: Patient | None
    cases: list[tuple[str, str, str]]  # (procedure id, started at, status)


@dataclass(frozen=True)
class MergeTask:
    task_id: int
    created_at: str
    sending_facility: str
    control_id: str
    surviving_mrn: str
    prior_mrn: str
    state: str
    decided_by: str | None
    note: str | None
    surviving: PatientCases
    prior: PatientCases


def interface_actor(facility: str, peer: str) -> Actor:
    """Who an ADT change is by: the sending facility's interface, not a person."""
    name = f"hl7:{facility or 'unknown'}"[:64]
    return Actor(name, f"HL7 interface {facility or '(no facility)'}", Role.NURSE, peer or "unknown")


def sender_allowed(allowed: str, facility: str, peer: str) -> bool:
    if allowed.strip() == "*":
        return True
    for item in (v.strip() for v in allowed.split(",")):
        if not item:
            continue
        try:
            if ipaddress.ip_address(item) == ipaddress.ip_address(peer):
                return True
            continue
        except ValueError:
            pass
        if item.casefold() == facility.casefold() and facility:
            return True
    return False


class Hl7InService(ServiceBase):
    def __init__(self, store: Store, clock: Any, cases: CaseService):
        super().__init__(store, clock)
        self.cases = cases

    # --- the listener's handler ------------------------------------------------------------

    def receive(self, text: str, peer: str) -> Outcome:
        """Handle one message from ``peer``: keep it, apply it or say why not; returns the ACK to send."""
        settings = stored_values(self.store)
        now = self.now()
        try:
            header = inbound.read_header(text)
        except Refusal as no_header:
            return self._refused(inbound.EMPTY_HEADER, text, peer, no_header, settings, now)
        if not sender_allowed(settings["hl7.allowed_senders"], header.sending_facility, peer):
            not_allowed = inbound.Rejected(f"sender {header.sending_facility or '(no MSH-4)'} at {peer} is not "
                                           "allowed (Settings: hl7.allowed_senders)", "207")
            return self._refused(header, text, peer, not_allowed, settings, now)
        if header.control_id:
            earlier = hl7_store.applied_before(self.store, header.sending_facility, header.control_id)
            if earlier is not None:
                with self.store.write():
                    self.audit(interface_actor(header.sending_facility, peer), "hl7_receive_duplicate", "hl7_inbox",
                               str(earlier["inbox_id"]), new={"control_id": header.control_id,
                                                              "message_type": header.message_type}, at=now)
                return Outcome(self._ack(header, "AA", settings), "AA", int(earlier["inbox_id"]), earlier["state"])
        try:
            adt = inbound.read_adt(text)
        except Refusal as refusal:
            return self._refused(header, text, peer, refusal, settings, now)
        entry = hl7_store.InboxEntry(now, peer, header.sending_application, header.sending_facility,
                                     header.message_type, header.control_id, text)
        ack = self._ack(header, "AA", settings)
        try:
            with self.store.write():
                inbox_id = hl7_store.add_inbox(self.store, entry, "applied", "AA", None, None)
                state, patient_id = self._apply(adt, inbox_id, peer, now)
                hl7_store.set_inbox_outcome(self.store, inbox_id, state, "AA", None, patient_id, now, new_attempt=False)
                self._audit_receive(header, peer, inbox_id, text, state, ack, None, now)
        except CathlogError as exc:
            return self._refused(header, text, peer, inbound.NotApplied(_reason(exc), "207"), settings, now)
        return Outcome(ack, "AA", inbox_id, state)

    def _apply(self, adt: Adt, inbox_id: int, peer: str, now: str) -> tuple[str, str | None]:
        """Apply a validated ADT inside the caller's transaction: ('applied' | 'task', patient id)."""
        if adt.header.trigger == "A40":
            assert adt.prior_mrn is not None  # read_adt refuses an A40 without MRG-1
            task_id = hl7_store.add_task(self.store, inbox_id, now, adt.patient.mrn, adt.prior_mrn)
            self.audit(interface_actor(adt.header.sending_facility, peer), "hl7_merge_task", "hl7_merge_task",
                       str(task_id), new={"surviving_mrn": adt.patient.mrn, "prior_mrn": adt.prior_mrn,
                                          "control_id": adt.header.control_id},
                       reason="ADT^A40 merge: never automatic; an admin decides", at=now)
            return "task", rec.patient_id_for_mrn(self.store, adt.patient.mrn)
        actor = interface_actor(adt.header.sending_facility, peer)
        reason = f"HL7 {adt.header.message_type} {adt.header.control_id}"[:500]
        given = adt.patient
        patient_id = rec.patient_id_for_mrn(self.store, given.mrn)
        if patient_id is None:
            new = Patient(mrn=given.mrn, family_name=given.family_name, given_name=given.given_name,
                          birth_date=given.birth_date, sex=given.sex)
            new = replace(new, **validation.normalize(PATIENT_FIELDS, new.clinical_fields()), patient_id=new_id(),
                          version=1)
            validation.validate_patient(new, self.clock().date())  # hard issues raise; no soft ones apply to ADT data
            self.cases._insert_new_patient(actor, new, now)
            return "applied", new.patient_id
        old = rec.get_patient(self.store, patient_id)
        if old is None:  # pragma: no cover - the MRN table names a patient that must exist
            raise NotFound(f"MRN {given.mrn} names patient {patient_id}, who is missing")
        changes = {"family_name": given.family_name, "given_name": given.given_name, "birth_date": given.birth_date,
                   "sex": given.sex}
        if all(getattr(old, k) == v for k, v in changes.items()) and normalize_mrn(old.mrn) == normalize_mrn(given.mrn):
            return "applied", patient_id  # nothing new: no version
        new = self.cases._next_patient_version(old, changes)
        validation.validate_patient(new, self.clock().date())  # hard issues raise; no soft ones apply to ADT data
        self.cases._insert_patient_update(actor, old, new, reason, now)
        return "applied", patient_id

    def _refused(self, header: Header, text: str, peer: str, refusal: Refusal, settings: dict[str, str],
                 now: str) -> Outcome:
        state = "rejected" if refusal.ack_code == "AR" else "failed"
        log.warning("HL7 %s from %s (%s, control id %s): %s", refusal.ack_code, peer,
                    header.message_type or "no type", header.control_id or "-", refusal.reason)
        entry = hl7_store.InboxEntry(now, peer, header.sending_application, header.sending_facility,
                                     header.message_type, header.control_id, text or "(empty)")
        ack = self._ack(header, refusal.ack_code, settings, refusal.reason, refusal.error_code)
        with self.store.write():
            inbox_id = hl7_store.add_inbox(self.store, entry, state, refusal.ack_code, refusal.reason, None)
            self._audit_receive(header, peer, inbox_id, text, state, ack, refusal.reason, now)
        return Outcome(ack, refusal.ack_code, inbox_id, state, refusal.reason)

    def _audit_receive(self, header: Header, peer: str, inbox_id: int, text: str, state: str, ack: str,
                       error: str | None, now: str) -> None:
        """The message in and the acknowledgement out, as text (an ADT carries no PDF)."""
        self.audit(interface_actor(header.sending_facility, peer), "hl7_receive", "hl7_inbox", str(inbox_id),
                   new={"message_type": header.message_type, "control_id": header.control_id, "peer": peer,
                        "state": state, "message": text[:20000], "ack": ack}, reason=error, at=now)

    @staticmethod
    def _ack(header: Header, code: str, settings: dict[str, str], text: str = "", error_code: str | None = None) -> str:
        return inbound.acknowledgement(header, code, application=settings["hl7.application"],
                                       facility=settings["hl7.facility"], text=text, error_code=error_code)

    # --- running the interface ---------------------------------------------------------------------

    def interface_settings(self) -> dict[str, str]:
        """The ``hl7.*`` lab settings (no role check: the interface's own threads read them)."""
        return {k: v for k, v in stored_values(self.store).items() if k.startswith("hl7.")}

    def start_interface(self, actor: Actor, what: str) -> dict[str, str]:
        """An admin starts the listener or the sender from the command line: checked and audited."""
        self.require(actor, Action.MANAGE_SETTINGS)
        with self.store.write():
            self.audit(actor, "hl7_interface_start", "hl7_interface", what, at=self.now())
        return self.interface_settings()

    # --- the admin's inbox ----------------------------------------------------------------------

    def inbox(self, actor: Actor, problems_only: bool = False, limit: int = 500) -> list[dict[str, Any]]:
        self.require(actor, Action.MANAGE_SETTINGS)
        states = ("failed", "rejected") if problems_only else hl7_store.INBOX_STATES
        return hl7_store.inbox_page(self.store, states, limit)

    def message(self, actor: Actor, inbox_id: int) -> str:
        self.require(actor, Action.MANAGE_SETTINGS)
        row = hl7_store.inbox_row(self.store, inbox_id)
        if row is None:
            raise NotFound(f"there is no inbox message {inbox_id}")
        return str(row["message"])

    def retry(self, actor: Actor, inbox_id: int) -> Outcome:
        """Apply a failed or refused message again (audited with the admin's name). The same checks run."""
        self.require(actor, Action.MANAGE_SETTINGS)
        row = hl7_store.inbox_row(self.store, inbox_id)
        if row is None:
            raise NotFound(f"there is no inbox message {inbox_id}")
        if row["state"] not in ("failed", "rejected"):
            raise ValidationError([inbound_issue(inbox_id, row["state"])])
        settings = stored_values(self.store)
        now = self.now()
        text, peer = str(row["message"]), str(row["peer"])
        try:
            header = inbound.read_header(text)
            if not sender_allowed(settings["hl7.allowed_senders"], header.sending_facility, peer):
                raise inbound.Rejected(f"sender {header.sending_facility or '(no MSH-4)'} at {peer} is not allowed")
            adt = inbound.read_adt(text)
            with self.store.write():
                state, patient_id = self._apply(adt, inbox_id, peer, now)
                hl7_store.set_inbox_outcome(self.store, inbox_id, state, "AA", None, patient_id, now)
                self.audit(actor, "hl7_retry", "hl7_inbox", str(inbox_id), old={"state": row["state"]},
                           new={"state": state}, at=now)
            return Outcome("", "AA", inbox_id, state)
        except (Refusal, CathlogError) as exc:
            reason = exc.reason if isinstance(exc, Refusal) else _reason(exc)
            code = exc.ack_code if isinstance(exc, Refusal) else "AE"
            state = "rejected" if code == "AR" else "failed"
            with self.store.write():
                hl7_store.set_inbox_outcome(self.store, inbox_id, state, code, reason, None, now)
                self.audit(actor, "hl7_retry", "hl7_inbox", str(inbox_id), old={"state": row["state"]},
                           new={"state": state}, reason=reason, at=now)
            return Outcome("", code, inbox_id, state, reason)

    # --- merge tasks ------------------------------------------------------------------------------

    def _patient_cases(self, mrn: str) -> PatientCases:
        patient_id = rec.patient_id_for_mrn(self.store, mrn)
        if patient_id is None:
            return PatientCases(None, [])
        patient = rec.get_patient(self.store, patient_id)
        cases = []
        for pid in rec.patient_procedure_ids(self.store, patient_id):
            proc = rec.get_procedure(self.store, pid)
            if proc is not None:
                cases.append((pid, proc.started_at, proc.status.value))
        return PatientCases(patient, cases)

    def _task(self, row: dict[str, Any]) -> MergeTask:
        return MergeTask(int(row["task_id"]), row["created_at"], row["sending_facility"], row["control_id"],
                         row["surviving_mrn"], row["prior_mrn"], row["state"], row["decided_by"], row["note"],
                         self._patient_cases(row["surviving_mrn"]), self._patient_cases(row["prior_mrn"]))

    def merge_tasks(self, actor: Actor, open_only: bool = True) -> list[MergeTask]:
        """Each A40 with both patients (as they stand) and their cases, for the admin to decide."""
        self.require(actor, Action.MANAGE_SETTINGS)
        with self.store.read():
            return [self._task(row) for row in hl7_store.tasks(self.store, open_only)]

    def decide_merge(self, actor: Actor, task_id: int, *, linked: bool, note: str) -> MergeTask:
        """Record the admin's decision: ``linked`` (the same person: the two records are linked, neither is
        changed or removed) or dismissed; a note is required. Audited; a decision stands."""
        self.require(actor, Action.MANAGE_SETTINGS)
        note = (note or "").strip()
        if not note or len(note) > 500:
            raise ValidationError([_note_issue(note)])
        with self.store.write():
            row = hl7_store.task_row(self.store, task_id)
            if row is None:
                raise NotFound(f"there is no merge task {task_id}")
            if row["state"] != "open":
                raise ValidationError([_decided_issue(task_id, row["state"])])
            now = self.now()
            state = "linked" if linked else "dismissed"
            hl7_store.decide_task(self.store, task_id, state, now, actor.username, note)
            self.audit(actor, f"hl7_merge_{state}", "hl7_merge_task", str(task_id),
                       old={"state": "open"}, new={"state": state, "surviving_mrn": row["surviving_mrn"],
                                                  "prior_mrn": row["prior_mrn"]}, reason=note, at=now)
            decided = hl7_store.task_row(self.store, task_id)
            assert decided is not None
            return self._task(decided)


def _reason(exc: CathlogError) -> str:
    return " ".join(str(exc).split())[:500] or type(exc).__name__


def inbound_issue(inbox_id: int, state: str) -> Issue:
    return Issue("inbox_id", inbox_id, f"inbox message {inbox_id} is {state}: only a failed or refused message is "
                                       "retried", code="hl7_not_retryable")


def _note_issue(note: str) -> Issue:
    return Issue("note", note, "a note of 1 to 500 characters says why (kept in the audit trail)")


def _decided_issue(task_id: int, state: str) -> Issue:
    return Issue("task_id", task_id, f"merge task {task_id} was already decided ({state})", code="hl7_task_decided")
