"""The follow-up worklist service (issue 12 item 10): filters and pages in SQL over the
derived table, IVC filter windows of unreviewed cases listed as pending, marking done or
dismissed with a reason (audited), and the table kept up to date incrementally."""

import pytest

from cathlog.domain.errors import Conflict, PermissionDenied, ValidationError
from cathlog.domain.followup import ReminderStatus
from cathlog.domain.worklist import WorklistQuery, WorkOrder, WorkState
from cathlog.store import audit
from tests.services.test_review import PLAN

EVERYTHING = WorklistQuery(states=tuple(WorkState))
pytestmark = pytest.mark.backends


@pytest.fixture
def demo(services, admin):
    return services.demo.load(admin, 10, seed=2)


def _filter_cases(services, admin, ids):
    return [p for p in ids if any(ev.data["device_type"] == "ivc_filter_retrievable"
                                  for ev in services.cases.get_record(admin, p).current_events()
                                  if ev.kind.value == "device")]


def _accept_all(services, physician, pid):
    if services.cases.get_record(physician, pid).procedure.status.value == "open":
        services.cases.close_case(physician, pid)
    services.review.save_review(physician, pid, PLAN)
    for s in services.review.suggestions(physician, pid):
        services.review.decide(physician, pid, s, accept=True)


def test_unreviewed_filter_windows_are_listed_first_as_pending(services, admin, physician, demo):
    filters = _filter_cases(services, admin, demo)
    assert len(filters) == 2
    page = services.followup.page(physician, EVERYTHING)
    assert not page.more
    pending = [i for i in page.items if i.pending]
    assert {i.procedure_id for i in pending} == set(filters) and len(pending) == 4
    assert all(i.rule_id == "R3" and i.state is WorkState.OPEN and i.reminder_id is None for i in pending)
    assert page.items[:4] == tuple(sorted(pending, key=lambda i: (i.due_date, i.item_key)))  # IVC filters first
    # the same windows the rule gives the existing worklist
    old = {(r.procedure_id, r.due_date) for r in services.review.worklist(physician, "2100-01-01") if r.rule_id == "R3"}
    assert {(i.procedure_id, i.due_date) for i in pending} == old
    assert pending[0].patient_name and pending[0].mrn and pending[0].operator


def test_accepted_reminders_appear_and_pending_ones_go(services, admin, physician, demo):
    pid = _filter_cases(services, admin, demo)[0]
    _accept_all(services, physician, pid)
    items = services.followup.page(physician, EVERYTHING).items
    mine = [i for i in items if i.procedure_id == pid]
    assert mine and not any(i.pending for i in mine)
    assert {i.rule_id for i in mine} >= {"R3", "R5"}
    assert {i.reminder_id for i in mine} == {r.reminder_id for r in services.review.reminders(physician, pid)}


def test_filters_due_range_rule_operator_status_and_order(services, admin, physician, demo):
    for pid in demo[:6]:
        if services.cases.get_record(admin, pid).procedure.status.value in ("open", "closed"):
            _accept_all(services, physician, pid)
    every = services.followup.page(physician, EVERYTHING).items
    assert len(every) > 10
    dues = sorted({i.due_date for i in every})
    low, high = dues[1], dues[-2]
    ranged = services.followup.page(physician, WorklistQuery(due_from=low, due_to=high, states=tuple(WorkState)))
    assert {i.item_key for i in ranged.items} == {i.item_key for i in every if low <= i.due_date <= high}
    rule = services.followup.page(physician, WorklistQuery(rule_id="R8", states=tuple(WorkState))).items
    assert rule and {i.rule_id for i in rule} == {"R8"} and len(rule) == sum(i.rule_id == "R8" for i in every)
    operator = every[0].operator
    assert operator in services.followup.operators(physician)
    by_op = services.followup.page(physician, WorklistQuery(operator=operator, states=tuple(WorkState))).items
    assert by_op and {i.operator for i in by_op} == {operator}
    by_due = services.followup.page(physician, WorklistQuery(states=tuple(WorkState), order=WorkOrder.DUE)).items
    assert [i.due_date for i in by_due] == sorted(i.due_date for i in by_due)
    assert [(i.priority, i.due_date) for i in every] == sorted((i.priority, i.due_date) for i in every)
    # status: one marked done leaves the open list and is found under "done"
    target = next(i for i in every if i.reminder_id)
    services.followup.mark(physician, target.item_key, WorkState.DONE, "seen in clinic")
    open_keys = {i.item_key for i in services.followup.page(physician, WorklistQuery()).items}
    done = services.followup.page(physician, WorklistQuery(states=(WorkState.DONE,))).items
    assert target.item_key not in open_keys and [i.item_key for i in done] == [target.item_key]


def test_paging_walks_every_row_once(services, admin, physician, demo):
    for pid in demo[:6]:
        if services.cases.get_record(admin, pid).procedure.status.value in ("open", "closed"):
            _accept_all(services, physician, pid)
    every = services.followup.page(physician, EVERYTHING).items
    seen, after = [], None
    while True:
        page = services.followup.page(physician, EVERYTHING, after, limit=3)
        seen += page.items
        if not page.more:
            break
        after = page.items[-1]
    assert [i.item_key for i in seen] == [i.item_key for i in every]
    assert [i.item_key for i in services.followup.all_items(physician, EVERYTHING)] == [i.item_key for i in every]


def test_mark_done_and_dismissed_need_a_reason_and_are_audited(services, admin, physician, demo):
    pid = _filter_cases(services, admin, demo)[0]
    _accept_all(services, physician, pid)
    first, second = [i for i in services.followup.page(physician, EVERYTHING).items if i.procedure_id == pid][:2]
    with pytest.raises(ValidationError, match="reason"):
        services.followup.mark(physician, first.item_key, WorkState.DONE, "  ")
    done = services.followup.mark(physician, first.item_key, WorkState.DONE, "filter retrieved elsewhere")
    assert done.status is ReminderStatus.DONE and done.reason == "filter retrieved elsewhere"
    services.followup.mark(physician, second.item_key, WorkState.DISMISSED, "patient moved away")
    rows = [r for r in audit.rows(services.store, procedure_id=pid) if r.action == "mark_reminder"]
    assert [(r.entity_id, r.reason) for r in rows] == [(first.reminder_id, "filter retrieved elsewhere"),
                                                       (second.reminder_id, "patient moved away")]
    with pytest.raises(Conflict, match="already done"):
        services.followup.mark(physician, first.item_key, WorkState.DISMISSED, "again")


def test_a_pending_window_is_decided_when_marked(services, admin, physician, demo):
    filters = _filter_cases(services, admin, demo)
    for pid in filters:
        if services.cases.get_record(admin, pid).procedure.status.value == "open":
            services.cases.close_case(physician, pid)
    pending = [i for i in services.followup.page(physician, EVERYTHING).items if i.pending]
    first, second = pending[0], next(i for i in pending if i.procedure_id != pending[0].procedure_id)
    services.followup.mark(physician, first.item_key, WorkState.DONE, "retrieved at the referring hospital")
    services.followup.mark(physician, second.item_key, WorkState.DISMISSED, "permanent by decision")
    actions = {r.action: r for r in audit.rows(services.store) if r.action.endswith("_reminder")}
    assert {"accept_reminder", "mark_reminder", "dismiss_reminder"} <= set(actions)
    assert actions["dismiss_reminder"].reason == "permanent by decision"
    now = services.followup.page(physician, EVERYTHING).items
    keys = {i.item_key for i in now}
    assert first.item_key not in keys and second.item_key not in keys
    states = {(i.procedure_id, i.suggested_due): i.state for i in now if not i.pending}
    assert states[(first.procedure_id, first.suggested_due)] is WorkState.DONE
    assert states[(second.procedure_id, second.suggested_due)] is WorkState.DISMISSED


def test_roles_nurse_and_admin_read_only(services, admin, nurse, physician, demo):
    item = services.followup.page(nurse, EVERYTHING).items[0]
    assert services.followup.page(admin, EVERYTHING).items[0] == item
    for who in (nurse, admin):
        with pytest.raises(PermissionDenied):
            services.followup.mark(who, item.item_key, WorkState.DISMISSED, "not mine")


def test_bad_filters_are_refused_not_widened(services, physician):
    for query, text in ((WorklistQuery(due_from="2026-13-01"), "YYYY-MM-DD"),
                        (WorklistQuery(due_to="20260101"), "YYYY-MM-DD"),
                        (WorklistQuery(due_from="2026-12-01", due_to="2026-11-01"), "before it starts"),
                        (WorklistQuery(states=()), "at least one status")):
        with pytest.raises(ValidationError, match=text):
            services.followup.page(physician, query)


def test_a_retrieval_in_a_later_case_closes_the_window(services, admin, nurse, physician, demo):
    """The derived table follows the patient's other cases: a later retrieval removes the pending window."""
    pid = _filter_cases(services, admin, demo)[0]
    record = services.cases.get_record(admin, pid)
    filt = next(ev for ev in record.current_events() if ev.kind.value == "device"
                and ev.data["device_type"] == "ivc_filter_retrievable")
    assert any(i.procedure_id == pid for i in services.followup.page(physician, EVERYTHING).items)
    later = services.cases.open_case(nurse, record.procedure.patient_id,
                                     {"category": "venous", "planned": ["ivc_filter_retrieval"],
                                      "indication": "dvt", "urgency": "elective", "room": "Cath Lab 2"},
                                     team=record.procedure.team)
    data = {k: v for k, v in filt.data.items() if k not in ("state",)} | {"state": "retrieved",
                                                                          "removes_event_id": filt.event_id}
    services.cases.record_event(nurse, later.procedure_id, "device", data, confirm=True)
    assert not any(i.procedure_id == pid and i.pending for i in services.followup.page(physician, EVERYTHING).items)


def test_the_table_is_rebuilt_from_scratch_identically(services, admin, physician, demo):
    for pid in demo[:4]:
        if services.cases.get_record(admin, pid).procedure.status.value in ("open", "closed"):
            _accept_all(services, physician, pid)
    before = services.followup.page(physician, EVERYTHING).items
    with services.store.write():
        services.store.engine.execute("DELETE FROM worklist_items")
        services.store.engine.execute("DELETE FROM worklist_marks")
    assert services.followup.refresh() == len(demo)
    assert services.followup.page(physician, EVERYTHING).items == before
    assert services.followup.refresh() == 0


def test_a_pending_window_of_a_signed_case_is_listed_but_marked_only_through_an_addendum(
        services, admin, physician, demo):
    from cathlog.domain.followup import SignatureMeaning
    from tests.conftest import PASSWORD

    pid = _filter_cases(services, admin, demo)[0]
    if services.cases.get_record(admin, pid).procedure.status.value == "open":
        services.cases.close_case(physician, pid)
    services.review.save_review(physician, pid, PLAN)
    services.review.sign(physician, pid, PASSWORD, SignatureMeaning.APPROVED)  # R3 never decided
    pending = [i for i in services.followup.page(physician, EVERYTHING).items if i.procedure_id == pid and i.pending]
    assert len(pending) == 2  # a retrievable filter is not lost because its review skipped it
    with pytest.raises(Conflict, match="signed"):
        services.followup.mark(physician, pending[0].item_key, WorkState.DISMISSED, "left in place")
    assert [r.valid for r in services.review.signatures(physician, pid)] == [True]
