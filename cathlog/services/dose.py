"""Radiation dose reports into the record (issue 15 items 2 and 3).

A report arrives (from the X-ray system over DICOM, or as a file a nurse imports). It is read
(``dicom.rdsr``), kept with the file it came in and audited, whatever it is; then matched to a case:

1. by Study Instance UID, when the case carries one (a case opened from the worklist);
2. else by patient ID (the MRN) and a case that started within 3 hours of the report's study time.

Exactly one case, the same patient (MRN and birth date agree), the case open, the values within the hard
limits and no soft limit to confirm: the report is recorded at once, as a new version of the case's
latest radiation entry (the typed values stay as its history) or as a new radiation entry, with its
provenance. Anything else waits in the inbox, with the reason, for a nurse to attach it to a case or
refuse it: a report is never attached by guess, never into a closed or signed case, never twice (its
SOP Instance UID is unique).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from typing import Any

from cathlog.dicom import rdsr
from cathlog.domain.dose import DoseReport, DoseReportRefused
from cathlog.domain.enums import EventKind, ProcedureStatus
from cathlog.domain.errors import ConfirmationRequired, Conflict, Issue, NotFound, ValidationError
from cathlog.domain.records import Actor, EventVersion, Procedure
from cathlog.rules import dose as dose_rules
from cathlog.rules import validation
from cathlog.rules.permissions import Action
from cathlog.services.base import Clock, Confirm, ServiceBase, new_id, require_confirmed, system_clock
from cathlog.services.cases import CaseService
from cathlog.store import dose_inbox
from cathlog.store import records as rec
from cathlog.store.db import Store

WAITING = ("received", "matched")  # the states the inbox shows


@dataclass(frozen=True)
class ReceiveResult:
    """What became of one received file."""

    outcome: str  # "attached", "waiting", "refused", "duplicate", "unreadable"
    message: str
    sop_instance_uid: str | None = None
    procedure_id: str | None = None
    event_id: str | None = None
    differences: tuple[str, ...] = ()


@dataclass(frozen=True)
class InboxItem:
    """A received report as the nurse sees it."""

    sop_instance_uid: str
    state: str
    reason: str | None
    received_at: str
    sender: str
    channel: str
    patient_id: str | None
    patient_name: str | None
    patient_birth_date: str | None
    study_local: str | None
    study_instance_uid: str | None
    device: str
    procedure_id: str | None
    event_id: str | None
    entry: dict[str, Any] = field(default_factory=dict)  # the radiation entry it gives
    notes: tuple[str, ...] = ()


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _device(report: dict[str, Any]) -> str:
    parts = [report.get("manufacturer"), report.get("model")]
    name = " ".join(p for p in parts if p) or "unknown X-ray system"
    return name + (f" ({report['device_observer']})" if report.get("device_observer") else "")


class DoseService(ServiceBase):
    def __init__(self, store: Store, clock: Clock = system_clock, *, cases: CaseService,
                 local_zone: tzinfo | None = None):
        super().__init__(store, clock)
        self.cases = cases
        self._zone = local_zone

    def local_zone(self) -> tzinfo:
        zone = self._zone or self.clock().astimezone().tzinfo
        assert zone is not None
        return zone

    # --- receiving ---------------------------------------------------------------------

    def receive(self, actor: Actor, content: bytes, *, channel: str, sender: str) -> ReceiveResult:
        """Take one received file: keep and audit it, then match and record it or leave it in the inbox."""
        self.require(actor, Action.RECORD_EVENT)
        sha = _sha256(content)
        sender = (sender.strip() or "unknown")[:255]
        try:
            report: DoseReport | None = rdsr.read_bytes(content)
            problem = None
        except DoseReportRefused as exc:
            report, problem = None, str(exc)
        with self.store.write():
            now = self.now()
            base = {"sha256": sha, "size": len(content), "channel": channel, "sender": sender}
            if report is None:
                self.audit(actor, "receive_dose_report", "dose_report", sha, new={**base, "outcome": "refused"},
                           reason=problem, at=now)
                return ReceiveResult("refused" if "not a readable" not in (problem or "") else "unreadable",
                                     f"not recorded: {problem}")
            uid = report.sop_instance_uid
            existing = dose_inbox.get(self.store, uid)
            if existing is not None:
                same = existing.report["file_sha256"] == sha
                self.audit(actor, "receive_dose_report", "dose_report", uid,
                           new={**base, "outcome": "duplicate" if same else "conflicting duplicate"}, at=now,
                           reason=None if same else "a different file under the SOP Instance UID of a report "
                                                    "already received; not kept")
                if same:
                    return ReceiveResult("duplicate", f"report {uid} was already received ({existing.state}); "
                                                      "nothing changed", uid, existing.procedure_id, existing.event_id)
                return ReceiveResult("refused", f"report {uid} was already received with different content; "
                                                "the new file was not kept (ask the X-ray vendor why)", uid)
            row = self._report_row(report, actor, now, channel, sender, sha)
            dose_inbox.insert_file(self.store, sha, content)
            dose_inbox.insert_report(self.store, row)
            match, why = self._match(report)
            dose_inbox.insert_state(self.store, uid, 1, "received", changed_at=now, changed_by=actor.username,
                                    workstation=actor.workstation, reason=why)
            self.audit(actor, "receive_dose_report", "dose_report", uid, new={
                **base, "outcome": "received", "study_instance_uid": report.study_instance_uid,
                "patient_id": report.patient_id, "device": _device(row),
                "entry": dose_rules.entry_data(report), "notes": list(report.notes)}, reason=why, at=now)
            if match is None:
                return ReceiveResult("waiting", f"waiting in the dose inbox: {why}", uid)
            return self._try_attach(actor, report, match, version=2, confirm=(), automatic=True)

    def _report_row(self, report: DoseReport, actor: Actor, now: str, channel: str, sender: str,
                    sha: str) -> dict[str, Any]:
        return {"sop_instance_uid": report.sop_instance_uid, "sop_class_uid": report.sop_class_uid,
                "received_at": now, "received_by": actor.username, "workstation": actor.workstation,
                "channel": channel, "sender": sender, "file_sha256": sha,
                "study_instance_uid": report.study_instance_uid, "accession_number": report.accession_number,
                "patient_id": report.patient_id, "patient_name": report.patient_name,
                "patient_birth_date": report.patient_birth_date, "patient_sex": report.patient_sex,
                "manufacturer": report.manufacturer, "model": report.model,
                "device_observer": report.device_observer, "study_at": report.study_local,
                "totals": report.totals_json(), "problem": None}

    def _match(self, report: DoseReport) -> tuple[Procedure | None, str]:
        """The one case this report belongs to, or None and why not."""
        if report.study_instance_uid:
            ids = dose_inbox.procedures_with_study(self.store, report.study_instance_uid)
            if len(ids) > 1:
                return None, (f"{len(ids)} cases carry Study Instance UID {report.study_instance_uid}: "
                              "choose the case")
            if ids:
                return self._checked_candidate(report, ids[0], "its Study Instance UID")
        if not report.patient_id:
            return None, "the report names no patient ID and no case carries its Study Instance UID"
        patient_id = rec.patient_id_for_mrn(self.store, report.patient_id)
        if patient_id is None:
            return None, f"no patient has MRN {report.patient_id!r}"
        moment = dose_rules.study_moment_utc(report, self.local_zone())
        if moment is None:
            return None, "the report has no study time, so its case cannot be told by time: choose the case"
        since = (moment - dose_rules.MATCH_WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ")
        until = (moment + dose_rules.MATCH_WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ")
        ids = dose_inbox.procedures_of_patient_between(self.store, patient_id, since, until)
        if not ids:
            return None, (f"patient {report.patient_id!r} has no case started within 3 hours of the study "
                          f"({report.study_local})")
        if len(ids) > 1:
            return None, (f"patient {report.patient_id!r} has {len(ids)} cases within 3 hours of the study: "
                          "choose the case")
        return self._checked_candidate(report, ids[0], "patient ID and study time")

    def _checked_candidate(self, report: DoseReport, procedure_id: str, how: str) -> tuple[Procedure | None, str]:
        proc = rec.get_procedure(self.store, procedure_id)
        assert proc is not None
        patient = rec.get_patient(self.store, proc.patient_id)
        assert patient is not None
        problems = dose_rules.identity_problems(report, patient.mrn, patient.birth_date)
        if problems:
            return None, f"case {procedure_id} has this report's {how}, but " + "; ".join(problems)
        return proc, f"matched to case {procedure_id} by {how}"

    # --- recording ----------------------------------------------------------------------

    def _try_attach(self, actor: Actor, report: DoseReport, proc: Procedure, *, version: int, confirm: Confirm,
                    automatic: bool) -> ReceiveResult:
        """Record the report into the case, or (automatic) leave it matched with the reason. Inside a write."""
        uid = report.sop_instance_uid
        try:
            return self._record(actor, report, proc, version=version, confirm=confirm, automatic=automatic)
        except (Conflict, ValidationError, ConfirmationRequired) as exc:
            if not automatic:
                raise
            if isinstance(exc, ConfirmationRequired):
                reason = f"case {proc.procedure_id}: {dose_rules.issues_text(exc.warnings)} (confirm when attaching)"
            else:
                reason = f"case {proc.procedure_id}: {exc}"
            now = self.now()
            dose_inbox.insert_state(self.store, uid, version, "matched", procedure_id=proc.procedure_id,
                                    changed_at=now, changed_by=actor.username, workstation=actor.workstation,
                                    reason=reason[:1000])
            self.audit(actor, "match_dose_report", "dose_report", uid, procedure_id=proc.procedure_id,
                       new={"state": "matched"}, reason=reason[:1000], at=now)
            return ReceiveResult("waiting", f"matched to case {proc.procedure_id} but not recorded: {reason}", uid,
                                 proc.procedure_id)

    def _record(self, actor: Actor, report: DoseReport, proc: Procedure, *, version: int, confirm: Confirm,
                automatic: bool) -> ReceiveResult:
        uid = report.sop_instance_uid
        if proc.status is not ProcedureStatus.OPEN:
            what = "signed: a signed case changes only by an addendum" if proc.status is ProcedureStatus.SIGNED \
                else "closed: reopen it (with a reason) to add the dose"
            raise Conflict(f"the case is {what}")
        data = dose_rules.entry_data(report)
        if not dose_rules.has_totals(data):
            raise Conflict("the report gives no fluoroscopy time, Ka,r or DAP")
        now = self.now()
        ctx = self.cases._context(proc, now)
        latest = self._latest_radiation(ctx.events.values())
        if latest is not None and latest.data.get("source") == "rdsr" and latest.data.get("sop_instance_uid") != uid \
                and automatic:
            raise Conflict(f"the case's radiation entry already comes from dose report "
                           f"{latest.data.get('sop_instance_uid')}; attach this one from the inbox to replace it")
        editing = latest.event_id if latest is not None else None
        ctx = self.cases._context(proc, latest.occurred_at if latest else now, editing)
        warnings = validation.validate_event(EventKind.RADIATION, data, ctx)
        require_confirmed(warnings, confirm)
        device = _device({"manufacturer": report.manufacturer, "model": report.model,
                          "device_observer": report.device_observer})
        diffs = dose_rules.differences(latest.data, data) if latest is not None else []
        missing = dose_rules.missing_totals(data)
        reason = (f"reported by {device}, dose report {uid}"
                  + (f"; typed values differ by more than 10 %: {'; '.join(d.describe() for d in diffs)}"
                     if diffs else "")
                  + (f"; the report gives no {', '.join(missing)}" if missing else ""))
        if latest is None:
            ev = EventVersion(event_id=new_id(), procedure_id=proc.procedure_id, kind=EventKind.RADIATION, data=data,
                              occurred_at=now, recorded_at=now, recorded_by=actor.username,
                              workstation=actor.workstation)
            rec.insert_event_version(self.store, ev)
            self.audit(actor, "record_event", EventKind.RADIATION.value, ev.event_id, procedure_id=proc.procedure_id,
                       new={"occurred_at": now, **data}, reason=reason, at=now)
        else:
            ev = EventVersion(event_id=latest.event_id, procedure_id=proc.procedure_id, kind=EventKind.RADIATION,
                              data=data, occurred_at=latest.occurred_at, recorded_at=now, recorded_by=actor.username,
                              performed_by=latest.performed_by, workstation=actor.workstation,
                              version=latest.version + 1, reason=reason[:500])
            rec.insert_event_version(self.store, ev)
            self.audit(actor, "correct_event", EventKind.RADIATION.value, ev.event_id, procedure_id=proc.procedure_id,
                       old={"occurred_at": latest.occurred_at, **latest.data},
                       new={"occurred_at": latest.occurred_at, **data}, reason=reason, at=now)
        dose_inbox.insert_state(self.store, uid, version, "attached", procedure_id=proc.procedure_id,
                                event_id=ev.event_id, changed_at=now, changed_by=actor.username,
                                workstation=actor.workstation, reason=reason[:1000])
        self.audit(actor, "attach_dose_report", "dose_report", uid, procedure_id=proc.procedure_id,
                   new={"state": "attached", "event_id": ev.event_id, "automatic": automatic}, reason=reason, at=now)
        return ReceiveResult("attached", f"recorded in case {proc.procedure_id}: {reason}", uid, proc.procedure_id,
                             ev.event_id, tuple(d.describe() for d in diffs))

    @staticmethod
    def _latest_radiation(events: Any) -> EventVersion | None:
        current = [e for e in events if e.kind is EventKind.RADIATION and not e.voided]
        return max(current, key=lambda e: (e.occurred_at, e.recorded_at)) if current else None

    # --- the inbox -------------------------------------------------------------------------

    def inbox(self, actor: Actor, states: tuple[str, ...] = WAITING, limit: int = 500) -> list[InboxItem]:
        """Received reports in the given states (by default those waiting for a nurse), newest first."""
        self.require(actor, Action.VIEW_RECORDS)
        with self.store.read():
            rows = dose_inbox.listing(self.store, states, limit)
        return [self._item(r) for r in rows]

    def _item(self, stored: dose_inbox.StoredReport) -> InboxItem:
        r = stored.report
        report = DoseReport.from_stored(r)
        return InboxItem(sop_instance_uid=r["sop_instance_uid"], state=stored.state, reason=stored.reason,
                         received_at=r["received_at"], sender=r["sender"], channel=r["channel"],
                         patient_id=r["patient_id"], patient_name=r["patient_name"],
                         patient_birth_date=r["patient_birth_date"], study_local=r["study_at"],
                         study_instance_uid=r["study_instance_uid"], device=_device(r),
                         procedure_id=stored.procedure_id, event_id=stored.event_id,
                         entry=dose_rules.entry_data(report), notes=report.notes)

    def item(self, actor: Actor, sop_instance_uid: str) -> InboxItem:
        self.require(actor, Action.VIEW_RECORDS)
        stored = dose_inbox.get(self.store, sop_instance_uid)
        if stored is None:
            raise NotFound(f"there is no dose report {sop_instance_uid}")
        return self._item(stored)

    def of_case(self, actor: Actor, procedure_id: str) -> list[InboxItem]:
        """The reports attached or matched to a case."""
        self.require(actor, Action.VIEW_RECORDS)
        return [self._item(r) for r in dose_inbox.of_procedure(self.store, procedure_id)]

    def _waiting(self, sop_instance_uid: str) -> dose_inbox.StoredReport:
        """The stored report, still waiting in the inbox (NotFound, Conflict otherwise)."""
        stored = dose_inbox.get(self.store, sop_instance_uid)
        if stored is None:
            raise NotFound(f"there is no dose report {sop_instance_uid}")
        if stored.state not in WAITING:
            raise Conflict(f"dose report {sop_instance_uid} is already {stored.state}")
        return stored

    def attach(self, actor: Actor, sop_instance_uid: str, procedure_id: str, confirm: Confirm = ()) -> ReceiveResult:
        """A nurse attaches a waiting report to a case she chose. Whatever disagrees (another patient ID or
        birth date, values beyond a soft limit) must be confirmed; a closed or signed case is refused."""
        self.require(actor, Action.CORRECT_EVENT)
        with self.store.write():
            stored = self._waiting(sop_instance_uid)
            proc = rec.get_procedure(self.store, procedure_id)
            if proc is None:
                raise NotFound(f"there is no case {procedure_id}")
            report = DoseReport.from_stored(stored.report)
            patient = rec.get_patient(self.store, proc.patient_id)
            assert patient is not None
            problems = dose_rules.identity_problems(report, patient.mrn, patient.birth_date)
            require_confirmed([Issue("patient", report.patient_id, p, code="dose_report_patient") for p in problems],
                              confirm)
            return self._record(actor, report, proc, version=stored.version + 1, confirm=confirm, automatic=False)

    def refuse(self, actor: Actor, sop_instance_uid: str, reason: str) -> None:
        """A nurse refuses a waiting report (a test exposure, another patient's study...), with a reason."""
        self.require(actor, Action.RECORD_EVENT)
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError([Issue("reason", reason, "say why the report is refused")])
        if len(reason) > 500:
            raise ValidationError([Issue("reason", reason, f"the reason is {len(reason)} characters; at most 500")])
        with self.store.write():
            stored = self._waiting(sop_instance_uid)
            now = self.now()
            dose_inbox.insert_state(self.store, sop_instance_uid, stored.version + 1, "refused", changed_at=now,
                                    changed_by=actor.username, workstation=actor.workstation, reason=reason)
            self.audit(actor, "refuse_dose_report", "dose_report", sop_instance_uid, old={"state": stored.state},
                       new={"state": "refused"}, reason=reason, at=now)

    def candidates(self, actor: Actor, sop_instance_uid: str, days: int = 2) -> list[Procedure]:
        """Cases a nurse may attach a report to: the report's patient's cases within ``days`` of its study
        (all of them when the patient is unknown: the nurse types the case id instead)."""
        self.require(actor, Action.VIEW_RECORDS)
        stored = dose_inbox.get(self.store, sop_instance_uid)
        if stored is None:
            raise NotFound(f"there is no dose report {sop_instance_uid}")
        report = DoseReport.from_stored(stored.report)
        patient_id = rec.patient_id_for_mrn(self.store, report.patient_id) if report.patient_id else None
        moment = dose_rules.study_moment_utc(report, self.local_zone())
        if patient_id is None or moment is None:
            return []
        window = timedelta(days=days)
        ids = dose_inbox.procedures_of_patient_between(self.store, patient_id,
                                                       (moment - window).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                                       (moment + window).strftime("%Y-%m-%dT%H:%M:%SZ"))
        return [p for p in (rec.get_procedure(self.store, i) for i in ids) if p is not None]

    def waiting_count(self, actor: Actor) -> int:
        self.require(actor, Action.VIEW_RECORDS)
        return len(dose_inbox.listing(self.store, WAITING))

    def file_of(self, actor: Actor, sop_instance_uid: str) -> bytes:
        """The file a report came in, as received."""
        self.require(actor, Action.VIEW_RECORDS)
        stored = dose_inbox.get(self.store, sop_instance_uid)
        content = dose_inbox.file_content(self.store, stored.report["file_sha256"]) if stored else None
        if content is None:
            raise NotFound(f"there is no dose report {sop_instance_uid}")
        return content

