"""The follow-up worklist's derived table (migration 0012): what changed since it was last
brought up to date, a case's rows replaced, and one page of rows under the filters.

The record tables only grow (a change is a new version row with a higher ``row_id``), so
``worklist_marks`` keeps the highest row of each table already reflected here; the
services rebuild the rows of every case touched since (``services.followup``).

Written against the engine (``store/engine.py``) in the SQL both back ends agree on; the
server's twins of the tables are in ``store/pg/worklist.py``. The one dialect branch: SQLite's
``INDEXED BY`` hint for a short due-date range (the server's planner reads its statistics)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cathlog.domain.followup import Reminder
from cathlog.domain.worklist import WorklistItem, WorklistQuery, WorkOrder, WorkState
from cathlog.store.db import Store
from cathlog.store.errors import translated
from cathlog.store.followup import _reminder

MARKED_TABLES = ("event_versions", "procedure_versions", "reminder_versions")
_ITEM_COLS = ("item_key", "reminder_id", "version", "procedure_id", "patient_id", "rule_id", "priority", "due_date",
              "suggested_due", "state", "pending", "operator", "title", "text", "source")


# Migration 0012's indexes, one per filter the screen offers, each in the order the list is shown, so the
# first page is an index walk that stops at the page (:func:`page` picks the columns to match). The
# server's twin (store/pg/worklist.py) makes the same ones.
INDEXES = (("by_priority", "state, priority, due_date, item_key"),
           ("by_due", "state, due_date, priority, item_key"),
           ("all_by_priority", "priority, due_date, item_key"),
           ("all_by_due", "due_date, priority, item_key"),
           ("rule", "rule_id, state, due_date, item_key"),
           ("rule_all", "rule_id, due_date, item_key"),
           ("operator", "operator, state, priority, due_date, item_key"),
           ("operator_by_due", "operator, state, due_date, priority, item_key"),
           ("operator_all", "operator, priority, due_date, item_key"),
           ("operator_all_by_due", "operator, due_date, priority, item_key"),
           ("procedure", "procedure_id"))


def migrate_0012(db: Any) -> None:
    """Migration 0012's body (``store/migration_steps.py``): the derived tables and their indexes."""
    db.execute("""
CREATE TABLE worklist_items (
  item_key TEXT PRIMARY KEY CHECK (length(item_key) BETWEEN 1 AND 200),
  reminder_id TEXT CHECK (reminder_id IS NULL OR length(reminder_id) = 32),
  version INTEGER CHECK (version IS NULL OR version >= 1),
  procedure_id TEXT NOT NULL,
  patient_id TEXT NOT NULL CHECK (length(patient_id) = 32),
  rule_id TEXT NOT NULL CHECK (length(rule_id) BETWEEN 1 AND 10),
  priority INTEGER NOT NULL CHECK (priority >= 0),
  due_date TEXT NOT NULL CHECK (due_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
  suggested_due TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'done', 'dismissed')),
  pending INTEGER NOT NULL CHECK (pending IN (0, 1)),
  operator TEXT NOT NULL,
  title TEXT NOT NULL,
  text TEXT NOT NULL,
  source TEXT NOT NULL,
  CHECK (pending = 1 OR reminder_id IS NOT NULL)
) WITHOUT ROWID, STRICT""")
    for name, cols in INDEXES:
        db.execute(f"CREATE INDEX worklist_{name} ON worklist_items ({cols})")
    db.execute("""
CREATE TABLE worklist_marks (
  tbl TEXT PRIMARY KEY CHECK (tbl IN ('event_versions', 'procedure_versions', 'reminder_versions')),
  row_id INTEGER NOT NULL CHECK (row_id >= 0)
) WITHOUT ROWID, STRICT""")


@dataclass(frozen=True)
class CaseFacts:
    """What a case's worklist rows take from the case itself."""

    procedure_id: str
    patient_id: str
    operator: str


@translated
def marks(store: Store) -> dict[str, int]:
    found = dict(store.engine.execute("SELECT tbl, row_id FROM worklist_marks").fetchall())
    return {t: int(found.get(t, 0)) for t in MARKED_TABLES}


@translated
def newest_rows(store: Store) -> dict[str, int]:
    """The highest row id of each record table the worklist follows (0 when empty)."""
    engine = store.engine  # a bare max() of the integer primary key: one step down the b-tree, not a scan
    return {t: int(engine.scalar(f"SELECT max(row_id) FROM {t}") or 0) for t in MARKED_TABLES}  # noqa: S608


def set_marks(store: Store, rows: dict[str, int]) -> None:
    store.engine.executemany("INSERT INTO worklist_marks (tbl, row_id) VALUES (?, ?) "
                              "ON CONFLICT (tbl) DO UPDATE SET row_id = excluded.row_id", sorted(rows.items()))


@translated
def touched_cases(store: Store, since: dict[str, int], upto: dict[str, int]) -> list[str]:
    """Every case whose rows may have changed between the two marks: the cases with new version rows,
    and every other case of their patients (a retrieval in a later case closes an earlier filter's
    window). Sorted, so a rebuild in batches is repeatable."""
    conn = store.engine
    direct: set[str] = set()
    for table in MARKED_TABLES:
        direct.update(r[0] for r in conn.execute(
            f"SELECT DISTINCT procedure_id FROM {table} WHERE row_id > ? AND row_id <= ?",
            [since[table], upto[table]]))
    if not direct:
        return []
    if since == dict.fromkeys(MARKED_TABLES, 0):  # the first build: every case, no need to widen
        return sorted(direct)
    patients: set[str] = set()
    ids = sorted(direct)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        patients.update(r[0] for r in conn.execute(
            f"SELECT DISTINCT patient_id FROM procedure_versions WHERE procedure_id IN ({', '.join('?' * len(chunk))})",
            chunk))
    for patient_id in patients:
        direct.update(r[0] for r in conn.execute(
            "SELECT DISTINCT procedure_id FROM procedure_versions WHERE patient_id = ?", [patient_id]))
    return sorted(direct)


@translated
def case_facts(store: Store, procedure_ids: Sequence[str]) -> list[CaseFacts]:
    """Patient and primary operator of each case that exists (current version)."""
    if not procedure_ids:
        return []
    sql = ("SELECT procedure_id, patient_id, team FROM current_procedures "
           f"WHERE procedure_id IN ({', '.join('?' * len(procedure_ids))})")
    out = []
    for pid, patient_id, team in store.engine.execute(sql, list(procedure_ids)):
        operator = next((m.get("name", "") for m in json.loads(team) if m.get("role") == "primary_operator"), "")
        out.append(CaseFacts(pid, patient_id, operator or ""))
    return out


@translated
def current_reminders(store: Store, procedure_ids: Sequence[str]) -> list[Reminder]:
    """The latest version of every reminder of these cases."""
    if not procedure_ids:
        return []
    return [_reminder(r) for r in store.engine.rows(
        f"SELECT * FROM current_reminders WHERE procedure_id IN ({', '.join('?' * len(procedure_ids))}) "
        "ORDER BY procedure_id, due_date, rule_id", list(procedure_ids))]


@translated
def with_implant(store: Store, device_type: str, procedure_ids: Sequence[str]) -> set[str]:
    """Those of these cases with a device of this type implanted (current, not voided entries)."""
    if not procedure_ids:
        return set()
    engine = store.engine
    return {r[0] for r in engine.execute(
        "SELECT DISTINCT procedure_id FROM current_events WHERE kind = 'device' AND voided = 0 "
        f"AND procedure_id IN ({', '.join('?' * len(procedure_ids))}) "
        f"AND {engine.json_text('data', 'device_type')} = ? AND {engine.json_text('data', 'state')} = 'implanted'",
        [*procedure_ids, str(device_type)])}


def replace_rows(store: Store, procedure_ids: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    """The worklist rows of these cases become ``rows`` (call inside a write)."""
    conn = store.engine
    ids = list(procedure_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        conn.execute(f"DELETE FROM worklist_items WHERE procedure_id IN ({', '.join('?' * len(chunk))})", chunk)
    values = [[row[c] for c in _ITEM_COLS] for row in rows]
    if values:
        conn.executemany(f"INSERT INTO worklist_items ({', '.join(_ITEM_COLS)}) "
                         f"VALUES ({', '.join('?' * len(_ITEM_COLS))})", values)


SPARSE_ROWS = 2000  # a due-date range with fewer open rows than this is read by date, then sorted


def _every_state(query: WorklistQuery) -> bool:
    return set(query.states) == set(WorkState)


def _where(query: WorklistQuery) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if not _every_state(query):  # every state: no condition, so the state-less indexes serve
        where.append(f"w.state IN ({', '.join('?' * len(query.states))})")
        params += [s.value for s in query.states]
    for clause, value in (("w.due_date >= ?", query.due_from), ("w.due_date <= ?", query.due_to),
                          ("w.rule_id = ?", query.rule_id), ("w.operator = ?", query.operator)):
        if value is not None:
            where.append(clause)
            params.append(value)
    return where or ["1 = 1"], params


def _order(query: WorklistQuery) -> tuple[str, ...]:
    """The order of the rows, as index columns: one rule has one priority, so its rows go by date."""
    if query.rule_id is not None:
        return "due_date", "item_key"
    if query.order is WorkOrder.DUE:
        return "due_date", "priority", "item_key"
    return "priority", "due_date", "item_key"


def _by_date_first(store: Store, query: WorklistQuery, where: list[str], params: list[Any]) -> bool:
    """A bounded due-date range (next 30 days, a month) in priority order: when few rows fall in it,
    reading them by date and sorting them beats walking every open row in priority order."""
    if query.order is not WorkOrder.PRIORITY or query.rule_id is not None or query.operator is not None \
            or query.due_from is None or query.due_to is None:
        return False
    if store.backend != "sqlite":  # the server's planner picks the due-date index from its statistics
        return False
    index = "worklist_all_by_due" if _every_state(query) else "worklist_by_due"
    count = store.engine.scalar(f"SELECT count(*) FROM (SELECT 1 FROM worklist_items AS w INDEXED BY {index} "
                                f"WHERE {' AND '.join(where)} LIMIT {SPARSE_ROWS}) AS n", params)
    return int(count) < SPARSE_ROWS


@translated
def page(store: Store, query: WorklistQuery, after: WorklistItem | None, limit: int) -> list[WorklistItem]:
    """Up to ``limit`` rows under the filters, in the query's order, after ``after`` (keyset paging).
    Two steps, like the case list: the keys of the page from the indexed table alone, then the
    patients of just those rows."""
    where, params = _where(query)
    order = _order(query)
    hint = ""
    if _by_date_first(store, query, where[:], params[:]):
        hint = "INDEXED BY worklist_all_by_due " if _every_state(query) else "INDEXED BY worklist_by_due "
    if after is not None:
        where.append(f"({', '.join('w.' + c for c in order)}) > ({', '.join('?' * len(order))})")
        params += [getattr(after, c) for c in order]
    lean = (f"SELECT w.item_key FROM worklist_items AS w {hint}WHERE {' AND '.join(where)} "
            f"ORDER BY {', '.join('w.' + c for c in order)} LIMIT ?")
    keys = [r[0] for r in store.engine.execute(lean, [*params, limit])]
    if not keys:
        return []
    cols = ("item_key", "reminder_id", "procedure_id", "patient_id", "rule_id", "priority", "due_date",
            "suggested_due", "state", "pending", "operator", "title", "text", "source")
    sql = (f"SELECT {', '.join('w.' + c for c in cols)}, pa.mrn, pa.family_name, pa.given_name "
           "FROM worklist_items AS w JOIN current_patients AS pa ON pa.patient_id = w.patient_id "
           f"WHERE w.item_key IN ({', '.join('?' * len(keys))}) ORDER BY {', '.join('w.' + c for c in order)}")
    out = []
    for (key, rid, pid, patient_id, rule_id, rank, due, suggested, state, pending, operator, title, text, source,
         mrn, family, given) in store.engine.execute(sql, keys):
        out.append(WorklistItem(key, rid, pid, patient_id, f"{family}, {given}" if given else family, mrn, rule_id,
                                rank, due, suggested, WorkState(state), bool(pending), operator, title, text, source))
    return out


@translated
def item(store: Store, item_key: str) -> dict[str, Any] | None:
    return store.engine.one("SELECT * FROM worklist_items WHERE item_key = ?", [item_key])


@translated
def operators(store: Store) -> list[str]:
    """The primary operators named on worklist rows, alphabetically."""
    return [r[0] for r in store.engine.execute(
        "SELECT DISTINCT operator FROM worklist_items WHERE operator <> '' ORDER BY operator")]
