"""Use cases of the physician: review, follow-up reminders, e-signature and
addendum (21 CFR 11.50/11.70/11.200 as our quality bar).

A signature re-checks the password, states the meaning, the printed name and
the time, and is bound to a keyed hash (HMAC-SHA256 under the installation's
audit key, ``cathlog.store.keys``) of the signed content, so a signature
cannot be forged from the file alone; any later change (an addendum) marks it
superseded and the case needs a new one. Signatures made before the database
was keyed keep their plain SHA-256 hash and verify as legacy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from cathlog.domain.enums import EventKind, ProcedureStatus
from cathlog.domain.errors import Conflict, Issue, NotFound, ValidationError
from cathlog.domain.followup import (
    CaseFile,
    Reminder,
    ReminderStatus,
    ReminderSuggestion,
    Review,
    Signature,
    SignatureMeaning,
)
from cathlog.domain.records import Actor, EventVersion, Procedure, ProcedureRecord
from cathlog.rules import reminders as reminder_rules
from cathlog.rules.case_facts import RETRIEVABLE_FILTER
from cathlog.rules.permissions import Action
from cathlog.rules.review import validate_review
from cathlog.rules.validation import EventContext, validate_event
from cathlog.services.auth import AuthService
from cathlog.services.base import Clock, ServiceBase, new_id, system_clock
from cathlog.services.cases import CaseService, _reason
from cathlog.services.hl7_out import queue_report
from cathlog.services.implants import implants_of
from cathlog.store import followup as fstore
from cathlog.store import records as rec
from cathlog.store import seals
from cathlog.store.db import Store


__all__ = ["CaseFile", "ReviewService", "Signature", "content_hash"]  # Signature kept here for older imports


def content_hash(record: ProcedureRecord, review: Review | None, reminders: list[Reminder],
                 keyed: Callable[[bytes], str] | None = None) -> str:
    """The hash of what a signature vouches for: patient, procedure, every entry
    version, the review and the reminders (not the status, which signing changes).
    ``keyed``: HMAC under the database's key (every new signature); None: the
    legacy SHA-256 of signatures made before the database was keyed."""
    proc = record.procedure
    doc = {
        "procedure": {"id": proc.procedure_id, "category": proc.category, "planned": list(proc.planned),
                      "indication": proc.indication, "urgency": proc.urgency, "started_at": proc.started_at,
                      "team": [m.to_json() for m in proc.team], "act_target": proc.act_target},
        "patient": record.patient.clinical_fields() | {"version": record.patient.version},
        "events": [[v.__dict__ | {"kind": v.kind.value} for v in h.versions] for h in record.events],
        "review": review.to_json() if review else None,
        # Reminders as decided at signing; marking one done later does not change what was signed.
        "reminders": sorted([r.reminder_id, r.rule_id, r.suggested_due, r.due_date, r.text] for r in reminders),
    }
    canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    return keyed(canonical) if keyed else hashlib.sha256(canonical).hexdigest()


class ReviewService(ServiceBase):
    def __init__(self, store: Store, clock: Clock = system_clock, *, auth: AuthService, cases: CaseService):
        super().__init__(store, clock)
        self.auth, self.cases = auth, cases

    # --- review ------------------------------------------------------------------

    def get_review(self, actor: Actor, procedure_id: str) -> Review | None:
        self.require(actor, Action.VIEW_RECORDS)
        current = fstore.current_review(self.store, procedure_id)
        return current[1] if current else None

    def _closed(self, procedure_id: str) -> Procedure:
        proc = rec.get_procedure(self.store, procedure_id)
        if proc is None:
            raise NotFound(f"there is no case {procedure_id}")
        if proc.status is not ProcedureStatus.CLOSED:
            raise Conflict(f"case {procedure_id} is {proc.status.value}; review a closed case "
                           "(a signed case changes only by an addendum)")
        return proc

    def save_review(self, actor: Actor, procedure_id: str, review: Review, reason: str | None = None) -> Review:
        self.require(actor, Action.SIGN_CASE)
        validate_review(review)
        with self.store.write():
            self._closed(procedure_id)
            old = fstore.current_review(self.store, procedure_id)
            version = old[0] + 1 if old else 1
            now = self.now()
            fstore.insert_review(self.store, procedure_id, version, review, changed_at=now, changed_by=actor.username,
                                 reason=reason)
            self.audit(actor, "save_review", "review", procedure_id, procedure_id=procedure_id,
                       old=old[1].to_json() if old else None, new=review.to_json(), reason=reason, at=now)
        return review

    # --- reminders ---------------------------------------------------------------

    def suggestions(self, actor: Actor, procedure_id: str) -> list[ReminderSuggestion]:
        """What the rules suggest that is not yet accepted, edited or dismissed."""
        record = self.cases.get_record(actor, procedure_id)
        review = self.get_review(actor, procedure_id)
        decided = {(r.rule_id, r.suggested_due) for r in fstore.reminders_of(self.store, procedure_id)}
        return [s for s in reminder_rules.suggest(record, review) if (s.rule_id, s.due_date) not in decided]

    def decide(self, actor: Actor, procedure_id: str, suggestion: ReminderSuggestion, *, accept: bool,
               due_date: str | None = None, text: str | None = None, reason: str | None = None) -> Reminder:
        """Accept (as suggested or edited) or dismiss a suggestion; audited either way."""
        self.require(actor, Action.SIGN_CASE)
        due = due_date or suggestion.due_date
        try:
            date.fromisoformat(due)
        except ValueError:
            raise ValidationError([Issue("due_date", due, f"due date {due!r} must be a date YYYY-MM-DD")]) from None
        body = (text or suggestion.text).strip()
        if not body or len(body) > 1000:
            raise ValidationError([Issue("text", text, "the reminder text must be 1-1000 characters")])
        edited = due != suggestion.due_date or body != suggestion.text
        if (edited or not accept) and not (reason and reason.strip()):
            raise ValidationError([Issue("reason", reason, "a reason is required to edit or dismiss a suggestion")])
        with self.store.write():
            self._closed(procedure_id)
            now = self.now()
            reminder = Reminder(new_id(), procedure_id, suggestion.rule_id, due, suggestion.title, body,
                                suggestion.source, ReminderStatus.ACCEPTED if accept else ReminderStatus.DISMISSED,
                                1, actor.username, now, reason, suggested_due=suggestion.due_date)
            fstore.insert_reminder(self.store, reminder)
            action = "dismiss_reminder" if not accept else ("edit_reminder" if edited else "accept_reminder")
            self.audit(actor, action, "reminder", reminder.reminder_id, procedure_id=procedure_id,
                       old={"rule_id": suggestion.rule_id, "due_date": suggestion.due_date, "text": suggestion.text},
                       new={"due_date": due, "text": body, "status": reminder.status.value}, reason=reason, at=now)
        return reminder

    def mark_reminder(self, actor: Actor, reminder_id: str, status: ReminderStatus, reason: str) -> Reminder:
        """Later changes to a reminder (done, dismissed): a new version with a reason."""
        self.require(actor, Action.SIGN_CASE)
        reason = _reason(reason, "change a reminder")
        with self.store.write():
            old = fstore.reminder(self.store, reminder_id)
            if old is None:
                raise NotFound(f"there is no reminder {reminder_id}")
            now = self.now()
            new = replace(old, status=ReminderStatus(status), version=old.version + 1, changed_by=actor.username,
                          changed_at=now, reason=reason)
            fstore.insert_reminder(self.store, new)
            self.audit(actor, "mark_reminder", "reminder", reminder_id, procedure_id=old.procedure_id,
                       old={"status": old.status.value}, new={"status": new.status.value}, reason=reason, at=now)
        return new

    def reminders(self, actor: Actor, procedure_id: str) -> list[Reminder]:
        self.require(actor, Action.VIEW_RECORDS)
        return fstore.reminders_of(self.store, procedure_id)

    def worklist(self, actor: Actor, due_before: str) -> list[Reminder]:
        """Accepted reminders due before a date, across all patients, plus every
        IVC filter retrieval window no physician has decided on yet (status
        "suggested"): a filter must not be lost because its case was never reviewed."""
        self.require(actor, Action.VIEW_RECORDS)
        date.fromisoformat(due_before)
        items = list(fstore.due_reminders(self.store, due_before))
        for procedure_id in fstore.procedures_with_implant(self.store, RETRIEVABLE_FILTER):
            record = self.cases.get_record(actor, procedure_id)
            decided = fstore.reminders_of(self.store, procedure_id)
            later = implants_of(self.store, record.procedure.patient_id)  # retrieved since? tried and failed?
            for s in reminder_rules.open_filter_windows(record, decided, due_before, later):
                items.append(Reminder("0" * 32, procedure_id, s.rule_id, s.due_date, s.title, s.text, s.source,
                                      ReminderStatus.SUGGESTED, suggested_due=s.due_date))
        items.sort(key=lambda r: (r.due_date, r.procedure_id, r.rule_id))
        return items

    # --- signature -----------------------------------------------------------------

    def _hash(self, actor: Actor, procedure_id: str, *, legacy: bool = False) -> str:
        self.require(actor, Action.VIEW_RECORDS)
        return self._content_hash(procedure_id, legacy=legacy)

    def _content_hash(self, procedure_id: str, *, legacy: bool = False) -> str:
        """The signed-content hash of a case as it is now (no role check: callers check)."""
        record = rec.read_case(self.store, procedure_id)
        if record is None:
            raise NotFound(f"there is no case {procedure_id}")
        current = fstore.current_review(self.store, procedure_id)
        return content_hash(record, current[1] if current else None, fstore.reminders_of(self.store, procedure_id),
                            None if legacy else (lambda data: seals.keyed_hash(self.store, data)))

    def _valid(self, event: dict[str, Any], current: str, procedure_id: str) -> bool:
        if event["content_hash"] == current:
            return True
        # Signed before the database was keyed: its hash is the legacy SHA-256.
        return (seals.sealed_at_keying(self.store, "signature_events", str(event["seq"]))
                and event["content_hash"] == self._content_hash(procedure_id, legacy=True))

    def verify_signatures(self) -> list[str]:
        """Every signature in force, re-computed against its case (``cathlog check``;
        no role check: it shows no clinical data). Names each that does not match."""
        problems = []
        for event in fstore.current_signatures(self.store):
            pid = event["procedure_id"]
            try:
                ok = self._valid(event, self._content_hash(pid), pid)
            except NotFound:
                ok = False
            if not ok:
                problems.append(f"signature {event['signature_id']} on case {pid} by {event['username']} "
                                f"({event['at']}) does not match the signed content: it was forged, or the case was "
                                "changed outside cathlog")
        return problems

    def sign(self, actor: Actor, procedure_id: str, password: str, meaning: SignatureMeaning) -> Signature:
        """Password re-entered, meaning stated; the case becomes signed."""
        self.require(actor, Action.SIGN_CASE)
        self.auth.sign_in(actor.username, password, actor.workstation)  # raises, counts and audits a failure
        meaning = SignatureMeaning(meaning)
        with self.store.write():
            proc = self._closed(procedure_id)
            if fstore.current_review(self.store, procedure_id) is None:
                raise Conflict("record the review (outcome and discharge plan) before signing")
            digest = self._hash(actor, procedure_id)
            now = self.now()
            signature_id = new_id()
            fstore.insert_signature_event(self.store, signature_id=signature_id, procedure_id=procedure_id,
                                          action="sign", username=actor.username, display_name=actor.display_name,
                                          meaning=meaning.value, at=now, content_hash=digest, reason=None)
            rec.insert_procedure_version(self.store, replace(proc, status=ProcedureStatus.SIGNED,
                                                             version=proc.version + 1, changed_at=now,
                                                             changed_by=actor.username), reason=f"signed: {meaning}")
            self.audit(actor, "sign", "procedure", procedure_id, procedure_id=procedure_id,
                       new={"meaning": meaning.value, "content_hash": digest}, at=now)
            queue_report(self, actor, procedure_id, "sign", now)  # the report out, with the signature or not at all
        return Signature(signature_id, actor.username, actor.display_name, meaning, now, digest, False, True)

    def signatures(self, actor: Actor, procedure_id: str) -> list[Signature]:
        self.require(actor, Action.VIEW_RECORDS)
        events = fstore.signature_events(self.store, procedure_id)
        return self._signatures(events, self._hash(actor, procedure_id) if events else "", procedure_id)

    def _signatures(self, events: list[dict[str, Any]], current: str, procedure_id: str) -> list[Signature]:
        superseded = {e["signature_id"] for e in events if e["action"] == "supersede"}
        return [Signature(e["signature_id"], e["username"], e["display_name"], SignatureMeaning(e["meaning"]), e["at"],
                          e["content_hash"], e["signature_id"] in superseded, self._valid(e, current, procedure_id))
                for e in events if e["action"] == "sign"]

    def case_file(self, actor: Actor, procedure_id: str) -> CaseFile:
        """The record, its review, reminders and signatures, read in one snapshot
        (a signature's validity is judged against exactly the record returned)."""
        self.require(actor, Action.VIEW_RECORDS)
        return self.read_case_file(procedure_id)

    def read_case_file(self, procedure_id: str) -> CaseFile:
        """``case_file`` without a role check: for the HL7 report sender (``services.hl7_out``), no person."""
        with self.store.read():
            record = rec.read_case(self.store, procedure_id, history=True)
            if record is None:
                raise NotFound(f"there is no case {procedure_id}")
            current = fstore.current_review(self.store, procedure_id)
            review = current[1] if current else None
            reminders = fstore.reminders_of(self.store, procedure_id)
            events = fstore.signature_events(self.store, procedure_id)
            digest = content_hash(record, review, reminders,
                                  lambda data: seals.keyed_hash(self.store, data)) if events else ""
            signatures = self._signatures(events, digest, procedure_id)
            implants = implants_of(self.store, record.procedure.patient_id)
        return CaseFile(record, review, reminders, signatures, implants)

    def addendum(self, actor: Actor, procedure_id: str, text: str, reason: str) -> EventVersion:
        """The only change to a signed case: a note, which supersedes the signature."""
        self.require(actor, Action.RECORD_EVENT)
        reason = _reason(reason, "add an addendum")
        note = {"text": f"ADDENDUM: {(text or '').strip()}"}
        if not text or not text.strip():
            raise ValidationError([Issue("text", text, "an addendum needs text")])
        validate_event(EventKind.NOTE, note, EventContext(procedure_date=date.today()))
        with self.store.write():
            proc = rec.get_procedure(self.store, procedure_id)
            if proc is None:
                raise NotFound(f"there is no case {procedure_id}")
            if proc.status is not ProcedureStatus.SIGNED:
                raise Conflict(f"case {procedure_id} is {proc.status.value}: change it directly, not by addendum")
            now = self.now()
            ev = EventVersion(new_id(), procedure_id, EventKind.NOTE, note, now, now,
                              actor.username, None, actor.workstation)
            rec.insert_event_version(self.store, ev)
            for sig in fstore.signature_events(self.store, procedure_id):
                if sig["action"] == "sign":
                    fstore.insert_signature_event(self.store, signature_id=sig["signature_id"],
                                                  procedure_id=procedure_id, action="supersede",
                                                  username=actor.username, display_name=actor.display_name,
                                                  meaning=None, at=now, content_hash=None, reason=reason)
            rec.insert_procedure_version(self.store, replace(proc, status=ProcedureStatus.CLOSED,
                                                             version=proc.version + 1, changed_at=now,
                                                             changed_by=actor.username),
                                         reason="addendum: signature superseded, new signature needed")
            self.audit(actor, "addendum", "procedure", procedure_id, procedure_id=procedure_id,
                       new={"text": text.strip()}, reason=reason, at=now)
            queue_report(self, actor, procedure_id, "addendum", now)  # a corrected report, in the same transaction
        return ev

