"""Importing procedure records: all or nothing per file, and never in a nurse's way.

1. Validate every record of the file first, holding no lock: the hard limits of
   every entry version, and the rules a live entry obeys (an entry happens
   within the case and before it was recorded, nothing is recorded in the
   future, a correction or void has a reason, a first version is not void).
2. Stage the records in the database in short transactions.
3. Apply them in short transactions (about ``CHUNK_SECONDS`` each), so a
   nurse's save waits at most one chunk.

A job that was fully staged is finished by the next import or at the next
start (``resume``): roll forward, since every record was already checked. A
job that was not fully staged is discarded. Imported entries keep their
original authors and times as *imported history*: the case's first version
names the importing user and the file, and each case's audit row lists the
original recorders.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import date, datetime, timedelta

from cathlog.domain.enums import EventKind, ProcedureStatus, TeamRole
from cathlog.domain.errors import Conflict, Issue, RecordFormatError, ValidationError
from cathlog.domain.fields import EVENT_FIELDS
from cathlog.domain.records import (
    Actor,
    EventHistory,
    EventVersion,
    Patient,
    Procedure,
    ProcedureRecord,
    TeamMember,
    normalize_mrn,
    parse_utc_iso,
)
from cathlog.rules import validation
from cathlog.rules.permissions import Action
from cathlog.services.base import ServiceBase, new_id
from cathlog.store import import_jobs as jobs
from cathlog.store import records as rec
from cathlog.store import users as user_store

BACKDATE_LIMIT = timedelta(hours=24)  # as for a live entry (cathlog.services.case_entries)
FUTURE_TOLERANCE = timedelta(minutes=5)
CHUNK_SECONDS = 0.05  # the longest a nurse's save waits behind an import
# Between two of its transactions an import lets the write lock go for longer than SQLite's
# busy handler sleeps between tries (at most 100 ms), so a waiting save always gets in:
# without the pause the import took the lock back at once and a save could wait for seconds.
PAUSE_SECONDS = 0.11
PURGE_STEP = 100  # staging rows removed per transaction
STAGE_BATCH = 20  # records staged per transaction (a few ms each)
APPLY_BATCH = 200  # staged records read at a time while applying
_IDENTITY = ("family_name", "given_name", "birth_date", "sex")


# --- records to and from their staged form ---------------------------------------


def _freeze(record: ProcedureRecord) -> str:
    proc = asdict(record.procedure)
    proc["status"] = record.procedure.status.value
    proc["team"] = [m.to_json() for m in record.procedure.team]
    events = [[{**asdict(v), "kind": v.kind.value} for v in h.versions] for h in record.events]
    return json.dumps({"procedure": proc, "patient": asdict(record.patient), "events": events},
                      ensure_ascii=False, sort_keys=True)


def _thaw(text: str) -> ProcedureRecord:
    doc = json.loads(text)
    p = doc["procedure"]
    proc = Procedure(**{**p, "planned": tuple(p["planned"]), "status": ProcedureStatus(p["status"]),
                        "team": tuple(TeamMember(m["name"], TeamRole(m["role"])) for m in p["team"])})
    events = tuple(EventHistory(tuple(EventVersion(**{**v, "kind": EventKind(v["kind"])}) for v in h))
                   for h in doc["events"])
    return ProcedureRecord(proc, Patient(**doc["patient"]), events)


# --- the live-entry rules, applied to imported history ---------------------------


def _time(value: str, field: str, where: str) -> datetime:
    try:
        return parse_utc_iso(value)
    except ValueError:
        raise ValidationError([Issue(field, value, f"{where}: {value!r} is not a real UTC time")]) from None


def check_history(record: ProcedureRecord, now: datetime) -> None:
    """Refuse imported entries that no live entry could have been."""
    proc = record.procedure
    start = _time(proc.started_at, "started_at", "the case")
    if start > now + FUTURE_TOLERANCE:
        raise ValidationError([Issue("started_at", proc.started_at, "the case starts in the future")])
    for history in record.events:
        previous: datetime | None = None
        for v in history.versions:
            where = f"entry {v.event_id} version {v.version}"
            occurred = _time(v.occurred_at, "occurred_at", where)
            recorded = _time(v.recorded_at, "recorded_at", where)
            problems = []
            if recorded > now + FUTURE_TOLERANCE:
                problems.append(Issue("recorded_at", v.recorded_at, f"{where} was recorded in the future"))
            if occurred > recorded + FUTURE_TOLERANCE:
                problems.append(Issue("occurred_at", v.occurred_at,
                                      f"{where} happened after it was recorded ({v.recorded_at})"))
            if occurred < start - BACKDATE_LIMIT:
                problems.append(Issue("occurred_at", v.occurred_at,
                                      f"{where} happened more than 24 hours before the case started"))
            if recorded < start - BACKDATE_LIMIT:
                problems.append(Issue("recorded_at", v.recorded_at,
                                      f"{where} was recorded more than 24 hours before the case started"))
            if previous is not None and recorded < previous:
                problems.append(Issue("recorded_at", v.recorded_at,
                                      f"{where} was recorded before the version it replaces"))
            if v.voided and v.version == 1:
                problems.append(Issue("voided", True, f"{where}: a first version cannot be void"))
            if v.version > 1 and not (v.reason or "").strip():
                what = "void" if v.voided else "correction"
                problems.append(Issue("reason", v.reason, f"{where}: a {what} needs its reason"))
            if problems:
                raise ValidationError(problems)
            previous = recorded


class Importer(ServiceBase):
    def import_records(self, actor: Actor, records: Sequence[ProcedureRecord], source: str,
                       raw_sha256: str | None = None) -> int:
        """Write every record of ``source`` or none; errors name the source and the record."""
        self.require(actor, Action.IMPORT)
        self.resume(actor)
        self._validate_all(records, source)
        job = jobs.ImportJob(job_id=new_id(), source=source[:200],
                             sha256=raw_sha256 or hashlib.sha256("\n".join(_freeze(r) for r in records)
                                                                 .encode()).hexdigest(),
                             username=actor.username, workstation=actor.workstation, created_at=self.now(),
                             total=len(records), state="staging")
        created = False
        try:
            for first in range(0, max(len(records), 1), STAGE_BATCH):
                batch = records[first:first + STAGE_BATCH]
                if first:
                    time.sleep(PAUSE_SECONDS)  # let a waiting save in
                with self.store.write():
                    self._refuse_clashes(batch, first, source, job.job_id)
                    if not created:  # with the first batch: a file refused there leaves no trace
                        jobs.create_job(self.store, job)
                        mark = jobs.high_water(self.store)
                    created = True
                    jobs.stage(self.store, job.job_id, [(first + i + 1, r.procedure.procedure_id, _freeze(r))
                                                        for i, r in enumerate(batch)])
            with self.store.write():
                # Taken by a nurse or another import while the file was staged? Then nothing of it is applied.
                self._refuse_taken_since(records, mark, source, job.job_id)
                jobs.set_state(self.store, job.job_id, "ready")
                self.audit(actor, "import_started", "import", job.job_id,
                           new={"source": job.source, "sha256": job.sha256, "records": job.total})
        except RecordFormatError as exc:
            if not created:
                raise
            with self.store.write():
                jobs.set_state(self.store, job.job_id, "done")
                self.audit(actor, "import_refused", "import", job.job_id, reason=str(exc)[:500])
            self._purge(job.job_id)
            raise
        self._apply(actor, job)
        return len(records)

    def resume(self, actor: Actor | None = None) -> int:
        """Finish imports that were fully staged; discard the rest. Returns the cases applied."""
        applied = 0
        for job in jobs.unfinished(self.store):
            if job.state == "staging":
                with self.store.write():
                    jobs.set_state(self.store, job.job_id, "done")
                    self.audit(actor or self._importer(job), "import_discarded", "import", job.job_id,
                               reason="the import stopped before every record was staged; nothing of it was applied")
                self._purge(job.job_id)
                continue
            applied += self._apply(actor, job)
        for job_id in jobs.done_with_rows(self.store):  # a crash while the rows of a done job were removed
            self._purge(job_id)
        return applied

    def _purge(self, job_id: str) -> None:
        """Remove a finished job's staging rows, a few at a time (each step a short transaction)."""
        while True:
            with self.store.write():
                if jobs.discard(self.store, job_id, PURGE_STEP) < PURGE_STEP:
                    return
            time.sleep(PAUSE_SECONDS)  # let a waiting save in

    # --- steps -----------------------------------------------------------------

    def _validate_all(self, records: Sequence[ProcedureRecord], source: str) -> None:
        now = self.clock()
        seen: set[str] = set()
        for number, record in enumerate(records, 1):
            try:
                pid = record.procedure.procedure_id
                if pid in seen:
                    raise Conflict("the file holds this case twice")
                seen.add(pid)
                self._validate(record, now)
            except (ValidationError, Conflict) as exc:
                raise RecordFormatError(f"{source}: record {number} (procedure "
                                        f"{record.procedure.procedure_id}): {exc}") from exc

    def _validate(self, record: ProcedureRecord, now: datetime) -> None:
        proc, patient = record.procedure, record.patient
        validation.validate_patient(patient, now.date())
        validation.validate_procedure({"category": proc.category, "planned": list(proc.planned),
                                       "indication": proc.indication, "urgency": proc.urgency,
                                       "indication_detail": proc.indication_detail, "room": proc.room,
                                       "act_target_low_s": proc.act_target_low_s,
                                       "act_target_high_s": proc.act_target_high_s})
        check_history(record, now)
        # References may point at entries voided later; they were valid when made.
        latest_valid = {}
        for history in record.events:
            live = [v for v in history.versions if not v.voided]
            if live:
                latest_valid[history.current.event_id] = live[-1]
        ctx = validation.EventContext(procedure_date=date.fromisoformat(proc.started_at[:10]),
                                      weight_kg=patient.weight_kg, events=latest_valid, category=proc.category)
        for history in record.events:
            for version in history.versions:
                if version.procedure_id != proc.procedure_id:
                    raise ValidationError([Issue("procedure_id", version.procedure_id,
                                                 f"entry {version.event_id} belongs to another case")])
                errors, _ = validation.check_fields(EVENT_FIELDS[version.kind], version.data)
                if errors:
                    raise ValidationError(errors)
                if version is latest_valid.get(version.event_id):
                    validation.validate_event(version.kind, version.data, ctx)

    def _refuse_clashes(self, batch: Sequence[ProcedureRecord], first: int, source: str, job_id: str) -> None:
        staged = jobs.staged_procedure_ids(self.store, other_than=job_id)
        for number, record in enumerate(batch, first + 1):
            pid = record.procedure.procedure_id
            try:
                if pid in staged or rec.get_procedure(self.store, pid) is not None:
                    raise Conflict("a case with this id is already in the database")
                self._identity_clash(record.patient)
            except Conflict as exc:
                raise RecordFormatError(f"{source}: record {number} (procedure {pid}): {exc}") from exc

    def _refuse_taken_since(self, records: Sequence[ProcedureRecord], mark: int, source: str,
                            job_id: str) -> None:
        mrns, procs = jobs.taken_since(self.store, mark)
        if not mrns and not procs:
            return
        for number, record in enumerate(records, 1):
            if normalize_mrn(record.patient.mrn) in mrns or record.procedure.procedure_id in procs:
                self._refuse_clashes([record], number - 1, source, job_id)

    def _identity_clash(self, patient: Patient) -> None:
        patient_id = rec.patient_id_for_mrn(self.store, patient.mrn)
        existing = rec.get_patient(self.store, patient_id) if patient_id else None
        if existing is not None:
            clash = [k for k in _IDENTITY if getattr(existing, k) != getattr(patient, k)]
            if clash:
                raise Conflict(f"MRN {patient.mrn!r} belongs to a patient whose {', '.join(clash)} differ")

    def _apply(self, actor: Actor | None, job: jobs.ImportJob) -> int:
        who = actor or self._importer(job)
        applied, after = 0, 0
        while True:
            batch = jobs.pending_batch(self.store, job.job_id, after, APPLY_BATCH)
            if not batch:
                break
            position = 0
            while position < len(batch):
                if applied:
                    time.sleep(PAUSE_SECONDS)  # let a waiting save in
                deadline = time.monotonic() + CHUNK_SECONDS
                with self.store.write():  # at least one case, then as many as fit in the budget
                    while True:
                        seq, text = batch[position]
                        self._apply_one(who, job, _thaw(text))
                        jobs.mark_applied(self.store, job.job_id, seq)
                        position += 1
                        applied += 1
                        if position == len(batch) or time.monotonic() >= deadline:
                            break
            after = batch[-1][0]
        with self.store.write():
            jobs.set_state(self.store, job.job_id, "done")
            self.audit(who, "import_finished", "import", job.job_id, new={"source": job.source, "records": job.total})
        self._purge(job.job_id)
        return applied

    def _importer(self, job: jobs.ImportJob) -> Actor:
        """Who imported the job (also when a later start finishes it)."""
        user = user_store.get_user(self.store, job.username)
        if user is None:  # pragma: no cover - users are never deleted
            raise Conflict(f"the import's user {job.username} is gone")
        return Actor(user.username, user.display_name, user.role, job.workstation)


    def _apply_one(self, who: Actor, job: jobs.ImportJob, record: ProcedureRecord) -> None:
        proc, patient = record.procedure, record.patient
        now = self.now()
        patient_id = rec.patient_id_for_mrn(self.store, patient.mrn)
        if patient_id:
            existing = rec.get_patient(self.store, patient_id)
            assert existing is not None
            patient_version = existing.version
            if existing.clinical_fields() != patient.clinical_fields():  # this case's weight, labs...
                patient_version = existing.version + 1
                rec.insert_patient_version(self.store, replace(patient, patient_id=patient_id,
                                                               version=patient_version),
                                           changed_at=now, changed_by=job.username,
                                           reason=f"imported from {job.source}")
        else:
            patient_id, patient_version = new_id(), 1
            rec.reserve_mrn(self.store, patient.mrn, patient_id)
            rec.insert_patient_version(self.store, replace(patient, patient_id=patient_id, version=1),
                                       changed_at=now, changed_by=job.username, reason=None)
        # A signed case arrives closed: its signature does not travel with it and must be given again here.
        status = ProcedureStatus.CLOSED if proc.status is ProcedureStatus.SIGNED else proc.status
        rec.insert_procedure_version(self.store, replace(proc, patient_id=patient_id, patient_version=patient_version,
                                                         status=status, version=1, changed_at=now,
                                                         changed_by=job.username),
                                     reason=f"imported from {job.source}")
        for history in record.events:
            for version in history.versions:
                rec.insert_event_version(self.store, version)
        recorders = sorted({v.recorded_by for h in record.events for v in h.versions})
        self.audit(who, "import_procedure", "procedure", proc.procedure_id, procedure_id=proc.procedure_id,
                   new={"source": job.source, "entries": len(record.events), "import_job": job.job_id,
                        "imported_history_recorded_by": recorders}, at=now)
