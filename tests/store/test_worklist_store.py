"""The worklist's derived table (migration 0012): the first page of every filter the screen
offers is an index walk that stops at the page, never a scan of the table followed by a sort
(issue 18 item 6: the first page within 50 ms at 100,000 procedures; benchmarks/worklist.py
times it)."""

import pytest

from cathlog.domain.worklist import WorklistQuery, WorkOrder, WorkState
from cathlog.store import worklist as wstore

pytestmark = pytest.mark.backends


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
@pytest.mark.sqlite_only(reason="SQLite's plan; the server's comes from its statistics (benchmarks/worklist.py)")
def test_the_first_page_walks_an_index_in_order(store, query):
    plan = _plan(store, query)
    assert "USING" in plan and "INDEX" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # no sort of every matching row before the page


@pytest.mark.sqlite_only(reason="SQLite's plan; the server's comes from its statistics (benchmarks/worklist.py)")
def test_a_rule_filter_uses_its_index(store):
    assert "worklist_rule" in _plan(store, WorklistQuery(rule_id="R5"))
    assert "worklist_rule_all" in _plan(store, WorklistQuery(rule_id="R5", states=tuple(WorkState)))


def test_a_short_date_range_is_read_by_date(store):
    """Next 30 days, in priority order: few rows, so read by date and sorted (not a walk of every open row)."""
    query = WorklistQuery(due_from="2026-12-01", due_to="2026-12-31")
    where, params = wstore._where(query)
    # SQLite's hint; the server's planner reads the due-date index from its statistics
    assert wstore._by_date_first(store, query, where, params) is (store.backend == "sqlite")
    assert wstore.page(store, query, None, 10) == []


def test_marks_start_at_zero_and_move(store):
    assert wstore.marks(store) == dict.fromkeys(wstore.MARKED_TABLES, 0)
    assert wstore.newest_rows(store) == dict.fromkeys(wstore.MARKED_TABLES, 0)
    with store.write():
        wstore.set_marks(store, {"event_versions": 5, "procedure_versions": 2, "reminder_versions": 0})
    assert wstore.marks(store) == {"event_versions": 5, "procedure_versions": 2, "reminder_versions": 0}


def _row(key, due, priority=1, state="open", operator="Dr. A. Patel", rule="R5"):
    return {"item_key": key, "reminder_id": key.ljust(32, "0"), "version": 1, "procedure_id": "P1",
            "patient_id": "p" * 32, "rule_id": rule, "priority": priority, "due_date": due, "suggested_due": due,
            "state": state, "pending": 0, "operator": operator, "title": "t", "text": "x", "source": "s"}


def test_rows_replace_and_order_byte_for_byte_on_either_back_end(store):
    """Keys and operators order as bytes (SQLite's BINARY, the server's "C"), whatever the server's locale;
    a case's rows are replaced whole; the table refuses a row the schema forbids."""
    from cathlog.domain.errors import ValidationError

    keys = ["b", "B", "a", "Á", "_", "Z1", "z0"]
    with store.write():
        wstore.replace_rows(store, ["P1"], [_row(k, "2027-01-01", operator=k) for k in keys])
    assert [r[0] for r in store.engine.execute("SELECT item_key FROM worklist_items ORDER BY item_key")] \
        == sorted(keys, key=lambda k: k.encode())
    assert [r[0] for r in store.engine.execute(
        "SELECT DISTINCT operator FROM worklist_items WHERE operator <> '' ORDER BY operator")] \
        == sorted(keys, key=lambda k: k.encode())
    with store.write():
        wstore.replace_rows(store, ["P1"], [_row("only", "2027-02-01")])
    assert store.engine.scalar("SELECT count(*) FROM worklist_items") == 1
    assert wstore.item(store, "only")["due_date"] == "2027-02-01"
    with pytest.raises(ValidationError):
        with store.write():
            wstore.replace_rows(store, ["P1"], [_row("bad", "1 Feb 2027")])
    assert wstore.item(store, "only") is not None  # the failed write changed nothing
