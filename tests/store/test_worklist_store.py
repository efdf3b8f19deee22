"""The worklist's derived table (migration 0012): the first page of every filter the screen
offers is an index walk that stops at the page, never a scan of the table followed by a sort
(issue 18 item 6: the first page within 50 ms at 100,000 procedures; benchmarks/worklist.py
times it)."""

import pytest

from cathlog.domain.worklist import WorklistQuery, WorkOrder, WorkState
from cathlog.store import worklist as wstore


def _plan(store, query):
    where, params = wstore._where(query)
    order = ", ".join("w." + c for c in wstore._order(query))
    sql = f"SELECT w.item_key FROM worklist_items AS w WHERE {' AND '.join(where)} ORDER BY {order} LIMIT 201"
    return " | ".join(r[3] for r in store.db.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


@pytest.mark.parametrize("query", [
    WorklistQuery(due_to="2027-01-01"),
    WorklistQuery(due_from="2026-12-01", due_to="2027-01-01"),
    WorklistQuery(),
    WorklistQuery(states=(WorkState.DONE,), order=WorkOrder.DUE),
    WorklistQuery(due_to="2027-01-01", operator="Dr. A. Patel"),
    WorklistQuery(due_to="2027-01-01", order=WorkOrder.DUE),
    WorklistQuery(states=tuple(WorkState)),
    WorklistQuery(states=tuple(WorkState), order=WorkOrder.DUE),
    WorklistQuery(rule_id="R7"),
    WorklistQuery(rule_id="R5", due_to="2027-01-01", order=WorkOrder.DUE),
    WorklistQuery(rule_id="R5", states=tuple(WorkState)),
    WorklistQuery(operator="Dr. A. Patel", order=WorkOrder.DUE),
    WorklistQuery(operator="Dr. A. Patel", states=tuple(WorkState)),
    WorklistQuery(operator="Dr. A. Patel", states=tuple(WorkState), order=WorkOrder.DUE),
])
def test_the_first_page_walks_an_index_in_order(store, query):
    plan = _plan(store, query)
    assert "USING" in plan and "INDEX" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # no sort of every matching row before the page


def test_a_rule_filter_uses_its_index(store):
    assert "worklist_rule" in _plan(store, WorklistQuery(rule_id="R5"))
    assert "worklist_rule_all" in _plan(store, WorklistQuery(rule_id="R5", states=tuple(WorkState)))


def test_a_short_date_range_is_read_by_date(store):
    """Next 30 days, in priority order: few rows, so read by date and sorted (not a walk of every open row)."""
    query = WorklistQuery(due_from="2026-12-01", due_to="2026-12-31")
    where, params = wstore._where(query)
    assert wstore._by_date_first(store, query, where, params)
    assert wstore.page(store, query, None, 10) == []


def test_marks_start_at_zero_and_move(store):
    assert wstore.marks(store) == dict.fromkeys(wstore.MARKED_TABLES, 0)
    assert wstore.newest_rows(store) == dict.fromkeys(wstore.MARKED_TABLES, 0)
    with store.write():
        wstore.set_marks(store, {"event_versions": 5, "procedure_versions": 2, "reminder_versions": 0})
    assert wstore.marks(store) == {"event_versions": 5, "procedure_versions": 2, "reminder_versions": 0}
