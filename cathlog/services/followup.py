"""The physician's follow-up worklist (issue 12 item 10): every reminder across patients,
filtered and paged in SQL, plus the IVC filter retrieval windows of cases nobody has
reviewed yet; marking a row done or dismissed, with a reason, audited.

The rows live in a derived, indexed table (``store.worklist``, migration 0012) so the first
page lists in milliseconds at 100,000 procedures. It is brought up to date before every read
from the version rows added since the last time (a case's rows rebuilt from its reminders
and, where a retrievable filter is implanted, from the reminder rule itself:
``rules.reminders.open_filter_windows``, the one home of the filter window); the first
build after the upgrade goes through every case once, in short transactions so a nurse's
save never waits long behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from cathlog.domain.errors import Conflict, Issue, NotFound, ValidationError
from cathlog.domain.followup import Reminder, ReminderStatus
from cathlog.domain.records import Actor, ProcedureRecord
from cathlog.domain.worklist import WorklistItem, WorklistPage, WorklistQuery, WorkState
from cathlog.rules import reminders as reminder_rules
from cathlog.rules import worklist as worklist_rules
from cathlog.rules.case_facts import RETRIEVABLE_FILTER
from cathlog.rules.permissions import Action
from cathlog.services.base import Clock, ServiceBase, system_clock
from cathlog.services.cases import _reason
from cathlog.rules.implant_facts import patient_implants
from cathlog.services.implants import _records as patient_records
from cathlog.services.implants import implants_of
from cathlog.services.review import ReviewService
from cathlog.store import followup as fstore
from cathlog.store import records as rec
from cathlog.store import worklist as wstore
from cathlog.store.db import Store

PAGE_ROWS = 200
REBUILD_BATCH = 200  # cases per transaction while the table is (re)built
_STATE = {ReminderStatus.ACCEPTED: WorkState.OPEN, ReminderStatus.SUGGESTED: WorkState.OPEN,
          ReminderStatus.DONE: WorkState.DONE, ReminderStatus.DISMISSED: WorkState.DISMISSED}


def pending_key(procedure_id: str, rule_id: str, suggested_due: str) -> str:
    """The key of a not-yet-reviewed suggestion: stable while the case is unchanged."""
    return f"pending:{procedure_id}:{rule_id}:{suggested_due}"


def _check_day(value: str | None, field: str) -> None:
    if value is None:
        return
    try:
        if len(value) != 10:
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise ValidationError([Issue(field, value, f"{value!r} is not a date written YYYY-MM-DD")]) from None


def check_query(query: WorklistQuery) -> None:
    """A bad filter is refused with what is allowed, never widened or cut silently."""
    _check_day(query.due_from, "due_from")
    _check_day(query.due_to, "due_to")
    if query.due_from and query.due_to and query.due_from > query.due_to:
        raise ValidationError([Issue("due_to", query.due_to,
                                     f"the range ends ({query.due_to}) before it starts ({query.due_from})")])
    if not query.states:
        raise ValidationError([Issue("states", "", "choose at least one status")])


class FollowupService(ServiceBase):
    def __init__(self, store: Store, clock: Clock = system_clock, *, review: ReviewService):
        super().__init__(store, clock)
        self.review = review

    # --- keeping the derived table up to date ------------------------------------------------

    def refresh(self, progress: Callable[[int, int], object] | None = None) -> int:
        """Bring the worklist table up to date with the records; returns how many cases were rebuilt.
        ``progress(done, total)`` is called after each batch (the first build after the upgrade
        reads every case: minutes at 100,000). No role check: it shows nothing (readers check)."""
        if self.store.read_only:
            return 0
        since, upto = wstore.marks(self.store), wstore.newest_rows(self.store)
        if since == upto:
            return 0
        cases = wstore.touched_cases(self.store, since, upto)
        batches = [cases[start:start + REBUILD_BATCH] for start in range(0, len(cases), REBUILD_BATCH)] or [[]]
        for i, batch in enumerate(batches):
            with self.store.write():  # one short transaction per batch; the marks move with the last
                self._rebuild(batch)
                if i == len(batches) - 1:
                    wstore.set_marks(self.store, upto)
            if progress is not None:
                progress(min((i + 1) * REBUILD_BATCH, len(cases)), len(cases))
        return len(cases)

    def _rebuild(self, procedure_ids: list[str]) -> None:
        facts = {c.procedure_id: c for c in wstore.case_facts(self.store, procedure_ids)}
        decided: dict[str, list[Reminder]] = {}
        for r in wstore.current_reminders(self.store, procedure_ids):
            decided.setdefault(r.procedure_id, []).append(r)
        rows: list[dict[str, Any]] = []
        for pid, reminders in decided.items():
            case = facts.get(pid)
            if case is not None:
                rows += [self._row(case, r.reminder_id, r.version, r.rule_id, r.due_date, r.suggested_due,
                                   _STATE[r.status], False, r.title, r.text, r.source) for r in reminders]
        candidates = sorted(wstore.with_implant(self.store, RETRIEVABLE_FILTER, procedure_ids))
        for patient_id in sorted({facts[p].patient_id for p in candidates if p in facts}):
            records = {r.procedure.procedure_id: r for r in patient_records(self.store, patient_id)}  # read once
            later = patient_implants(records.values())
            for pid in candidates:
                case, record = facts.get(pid), records.get(pid)
                if case is None or record is None or case.patient_id != patient_id:
                    continue
                for s in reminder_rules.open_filter_windows(record, decided.get(pid, ()), later=later):
                    rows.append(self._row(case, None, None, s.rule_id, s.due_date, s.due_date, WorkState.OPEN,
                                          True, s.title, s.text, s.source))
        wstore.replace_rows(self.store, procedure_ids, rows)

    @staticmethod
    def _row(case: wstore.CaseFacts, reminder_id: str | None, version: int | None, rule_id: str, due: str,
             suggested_due: str, state: WorkState, pending: bool, title: str, text: str,
             source: str) -> dict[str, Any]:
        return {"item_key": reminder_id or pending_key(case.procedure_id, rule_id, suggested_due),
                "reminder_id": reminder_id, "version": version, "procedure_id": case.procedure_id,
                "patient_id": case.patient_id, "rule_id": rule_id, "priority": worklist_rules.priority(rule_id),
                "due_date": due, "suggested_due": suggested_due, "state": state.value, "pending": int(pending),
                "operator": case.operator, "title": title, "text": text, "source": source}

    def _record(self, procedure_id: str) -> ProcedureRecord:
        record = rec.read_case(self.store, procedure_id)
        if record is None:
            raise NotFound(f"there is no case {procedure_id}")
        return record

    # --- reading -------------------------------------------------------------------------

    def page(self, actor: Actor, query: WorklistQuery, after: WorklistItem | None = None,
             limit: int = PAGE_ROWS) -> WorklistPage:
        """One page of the worklist under ``query``; ``after``: the last row of the previous page."""
        self.require(actor, Action.VIEW_RECORDS)
        check_query(query)
        if not 1 <= limit <= 10_000:
            raise ValidationError([Issue("limit", str(limit), "a page holds 1 to 10,000 rows")])
        self.refresh()
        with self.store.read():
            rows = wstore.page(self.store, query, after, limit + 1)
        return WorklistPage(tuple(rows[:limit]), len(rows) > limit)

    def all_items(self, actor: Actor, query: WorklistQuery) -> Iterator[WorklistItem]:
        """Every row under ``query``, page by page (the printed list and the CSV)."""
        after = None
        while True:
            found = self.page(actor, query, after, 2000)
            yield from found.items
            if not found.more:
                return
            after = found.items[-1]

    def operators(self, actor: Actor) -> list[str]:
        self.require(actor, Action.VIEW_RECORDS)
        self.refresh()
        return wstore.operators(self.store)

    def rules(self) -> tuple[tuple[str, str], ...]:
        """(rule id, title) of every reminder rule, in worklist order."""
        return worklist_rules.rule_choices()

    # --- marking ---------------------------------------------------------------------------

    def mark(self, actor: Actor, item_key: str, state: WorkState, reason: str) -> Reminder:
        """Mark an open row done or dismissed, with a reason (audited). A window not yet reviewed is
        decided on first, in the same transaction: accepted then done, or dismissed; like any review
        decision that needs the case closed and not signed."""
        self.require(actor, Action.SIGN_CASE)
        state = WorkState(state)
        if state is WorkState.OPEN:
            raise ValidationError([Issue("state", state.value, "mark a reminder done or dismissed")])
        reason = _reason(reason, f"mark a reminder {state.value}")
        self.refresh()
        with self.store.write():
            row = wstore.item(self.store, item_key)
            if row is None:
                raise NotFound("that reminder is no longer on the worklist; refresh the list")
            if row["state"] != WorkState.OPEN:
                raise Conflict(f"that reminder is already {row['state']}")
            status = ReminderStatus.DONE if state is WorkState.DONE else ReminderStatus.DISMISSED
            if row["reminder_id"] is not None:
                result = self.review.mark_reminder(actor, row["reminder_id"], status, reason)
            else:
                result = self._decide_pending(actor, row, status, reason)
        self.refresh()
        return result

    def _decide_pending(self, actor: Actor, row: dict[str, Any], status: ReminderStatus, reason: str) -> Reminder:
        pid = row["procedure_id"]
        record = self._record(pid)
        open_now = reminder_rules.open_filter_windows(record, fstore.reminders_of(self.store, pid),
                                                      later=implants_of(self.store, record.procedure.patient_id))
        suggestion = next((s for s in open_now if (s.rule_id, s.due_date) == (row["rule_id"], row["suggested_due"])),
                          None)
        if suggestion is None:
            raise Conflict("that filter window has changed since the list was shown; refresh the list")
        if status is ReminderStatus.DISMISSED:
            return self.review.decide(actor, pid, suggestion, accept=False, reason=reason)
        accepted = self.review.decide(actor, pid, suggestion, accept=True)
        return self.review.mark_reminder(actor, accepted.reminder_id, ReminderStatus.DONE, reason)
