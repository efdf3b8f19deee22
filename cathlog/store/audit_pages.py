"""The SQL of a page of the audit trail (issue 18 item 6): newest first or in order, keyset by
``seq``, each filter served by an index, whatever the trail's length.

A filter on the user, the action or the case walks that column's index, which holds ``seq``
(the rowid) after the value, so the rows come in ``seq`` order and a page stops after its rows.
Without a filter the walk is the table itself. A date range is the hard case: ``at`` is the
writing workstation's clock, so it mostly but not always follows ``seq``, and the rows of a range
must still come out in ``seq`` order, exactly. Two seeks in the index on ``at`` (``AT_INDEX``,
migration 0016, like the user's and the action's) tell roughly how many rows the range holds and
how far back from the page's start it lies (estimates only, used to choose the way, never to
select rows):

  - the range is near the page's start (fewer rows before it than in it), or an equality filter
    is given and the range is large: walk ``seq`` (the table or the filter's index), checking ``at``
    on the way;
  - otherwise: the ``seq`` of the range's rows from the ``at`` index, the newest ``limit`` of
    them picked by SQLite's top-N sort, then those rows.

On PostgreSQL the plain query (its planner picks among the same indexes; SQLite's ``INDEXED BY`` and
``+column`` hints do not exist there).
"""

from __future__ import annotations

from typing import Any

from cathlog.store.engine import Engine

AT_INDEX = "audit_at"
_EQUALITY = ("procedure_id", "username", "action")
_LARGE_RANGE = 20_000  # rows: past this, a user's, action's or case's own index beats sorting the range


def _seq_at(conn: Engine, moment: str | None, newest: int) -> int:
    """About where ``moment`` falls in ``seq``: the first row at or after it in the ``at`` index."""
    if moment is None:
        return newest + 1
    found = conn.execute(f"SELECT seq FROM audit INDEXED BY {AT_INDEX} WHERE at >= ? ORDER BY at LIMIT 1",
                         [moment]).fetchone()
    return int(found[0]) if found else newest + 1


def _conditions(filters: dict[str, Any], plus: frozenset[str] = frozenset()) -> tuple[list[str], list[Any]]:
    """WHERE terms; a column named in ``plus`` is written ``+column`` so SQLite does not use its index."""
    ops = {"procedure_id": "= ?", "username": "= ?", "action": "= ?", "since": ">= ?", "until": "< ?",
           "after_seq": "> ?", "before_seq": "< ?"}
    column = {"since": "at", "until": "at", "after_seq": "seq", "before_seq": "seq"}
    where, params = [], []
    for key, op in ops.items():
        value = filters.get(key)
        if value is not None:
            name = column.get(key, key)
            where.append(f"{'+' if name in plus else ''}{name} {op}")
            params.append(value)
    return where, params


def page_sql(conn: Engine, filters: dict[str, Any], newest_first: bool,
             limit: int | None) -> tuple[str, list[Any]]:
    """The query (and its parameters) for the rows matching ``filters`` (keys of ``_conditions``),
    in ``seq`` order or newest first, at most ``limit``."""
    order = " ORDER BY seq" + (" DESC" if newest_first else "")
    tail, tail_params = (" LIMIT ?", [limit]) if limit is not None else ("", [])
    dated = filters.get("since") is not None or filters.get("until") is not None
    if dated and limit is not None and conn.dialect == "sqlite":
        newest = int(conn.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0])
        first = _seq_at(conn, filters.get("since"), newest)  # about where the range begins and ends in seq
        last = _seq_at(conn, filters.get("until"), newest)
        if newest_first:
            start = min(filters.get("before_seq") or newest + 1, newest + 1)
            before_range, in_range = max(start - last, 0), max(min(last, start) - first, 0)
        else:
            start = filters.get("after_seq") or 0
            before_range, in_range = max(first - start, 0), max(last - max(first, start), 0)
        equality = any(filters.get(k) is not None for k in _EQUALITY)
        if before_range <= in_range or (equality and in_range > _LARGE_RANGE):
            where, params = _conditions(filters, plus=frozenset({"at"}))
        else:
            where, params = _conditions(filters, plus=frozenset(_EQUALITY))
            inner = f"SELECT seq FROM audit WHERE {' AND '.join(where)}{order}{tail}"
            return f"SELECT * FROM audit WHERE seq IN ({inner}){order}", [*params, *tail_params]
    else:
        where, params = _conditions(filters)
    sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + order + tail
    return sql, [*params, *tail_params]


def count_sql(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    where, params = _conditions(filters)
    return "SELECT count(*) FROM audit" + (" WHERE " + " AND ".join(where) if where else ""), params
