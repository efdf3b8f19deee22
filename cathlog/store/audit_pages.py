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
  - otherwise, when no equality filter is given and the range holds at least one whole calendar month:
    the month plan (``_month_parts``, the index on ``(substr(at, 1, 7), seq)``, ``MONTH_INDEX``,
    migration 0017): each month of the range gives its newest ``limit`` ``seq`` from its own index
    range, so a year is twelve short index walks (221 -> 1.6 ms CPU at 4 million rows,
    docs/performance.md);
  - otherwise: the ``seq`` of the range's rows from the ``at`` index, the newest ``limit`` of
    them picked by SQLite's top-N sort, then those rows.

On PostgreSQL the month plan where it applies (the same index), else the plain query (its planner picks
among the same indexes; SQLite's ``INDEXED BY`` and ``+column`` hints do not exist there).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the engine imports the schema, whose migration 0017 takes MONTH_EXPRESSION from here
    from cathlog.store.engine import Engine

AT_INDEX = "audit_at"
_EQUALITY = ("procedure_id", "username", "action")
_LARGE_RANGE = 20_000  # rows: past this, a user's, action's or case's own index beats sorting the range
MONTH_INDEX = "audit_month"  # migration 0017: (MONTH_EXPRESSION, seq)
MONTH_EXPRESSION = "substr(at, 1, 7)"  # the month of a row, as its index holds it
_MAX_MONTHS = 400  # a compound SELECT of SQLite holds at most 500 terms; wider ranges take the older plan


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


def _month(moment: str) -> tuple[int, int] | None:
    """(year, month) of a UTC ISO 8601 moment, None when it does not start ``YYYY-MM``."""
    if len(moment) < 7 or moment[4] != "-" or not (moment[:4] + moment[5:7]).isdigit():
        return None
    year, month = int(moment[:4]), int(moment[5:7])
    return (year, month) if 1 <= month <= 12 else None


def _start(month: tuple[int, int]) -> str:
    """The first moment of a month as ``at`` writes it."""
    return f"{month[0]:04d}-{month[1]:02d}-01T00:00:00Z"


def _next(month: tuple[int, int]) -> tuple[int, int]:
    return (month[0] + 1, 1) if month[1] == 12 else (month[0], month[1] + 1)


def _fraction(moment: str, month: tuple[int, int]) -> float | None:
    """How far into its month ``moment`` lies (0 at its first second, 1 at the next month's), or None."""
    try:
        begin, end = (datetime.fromisoformat(_start(m).replace("Z", "+00:00")) for m in (month, _next(month)))
        at = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:
        return None
    return min(max((at - begin) / (end - begin), 0.0), 1.0)


def _month_parts(conn: Engine, filters: dict[str, Any], newest_first: bool,
                 limit: int) -> tuple[list[str], list[Any]] | None:
    """The month plan: one sub-query per calendar month of the range, each giving the newest (or oldest)
    ``limit`` ``seq`` of its part of the range, or None when the plan does not apply (no whole month in the
    range, a moment it cannot read, too many months).

    ``at`` always reads ``YYYY-MM-DDTHH:MM:SSZ`` (the table's CHECK), so a month's rows are exactly those
    whose ``substr(at, 1, 7)`` is that month, whatever their ``seq``: a whole month is an index range of
    ``audit_month`` read in ``seq`` order, stopping after ``limit`` rows. A month the range covers in part is
    walked the same way with ``at`` checked on each row when the range holds most of the month (the walk
    meets the rows outside it only at one end, and stops after ``limit``), and otherwise read from
    ``audit_at`` and sorted (its part is then less than half a month). Exact on either way."""
    since, until = filters.get("since"), filters.get("until")
    if since is None or until is None:
        edge = "min" if since is None else "max"
        found = conn.execute(f"SELECT {edge}(at) FROM audit").fetchone()[0]
        if found is None:
            return None
        lo = _month(since) if since is not None else _month(found)
        hi = _month(until) if until is not None else _month(found)
    else:
        lo, hi = _month(since), _month(until)
    if lo is None or hi is None or lo > hi or (hi[0] - lo[0]) * 12 + hi[1] - lo[1] >= _MAX_MONTHS:
        return None
    hint = conn.dialect == "sqlite"
    direction = " DESC" if newest_first else ""
    bounds, bound_params = [], []
    for key, op in (("after_seq", ">"), ("before_seq", "<")):
        if filters.get(key) is not None:
            bounds.append(f"seq {op} ?")
            bound_params.append(filters[key])
    parts: list[str] = []
    params: list[Any] = []
    whole = 0
    month = lo
    while month <= hi:
        begin, end = _start(month), _start(_next(month))
        start_in = since if since is not None and since > begin else None  # the range starts inside the month
        end_in = until if until is not None and until < end else None  # or ends inside it
        cut_since, cut_until = start_in is not None, end_in is not None
        low = _fraction(start_in, month) if start_in is not None else 0.0
        high = _fraction(end_in, month) if end_in is not None else 1.0
        if low is None or high is None:
            return None
        whole += not cut_since and not cut_until
        if high > low:
            if high - low >= 0.5:  # most of the month: walk its seq, checking at where the range cuts it
                where = [f"{MONTH_EXPRESSION} = ?"] + ["+at >= ?"] * cut_since + ["+at < ?"] * cut_until
                values = [begin[:7], *[since] * cut_since, *[until] * cut_until]
                index, sort_key = MONTH_INDEX, "seq"
            else:  # less than half a month: its rows by time, the newest (oldest) picked by a sort
                where, values = ["at >= ?", "at < ?"], [since if cut_since else begin, until if cut_until else end]
                index, sort_key = AT_INDEX, "+seq"  # sorted: a server must not walk its primary key back to the range
            if not hint:
                where = [w.lstrip("+") for w in where]
            parts.append(f"SELECT seq FROM (SELECT seq FROM audit{f' INDEXED BY {index}' if hint else ''} WHERE "
                         f"{' AND '.join([*where, *bounds])} ORDER BY {sort_key}{direction} LIMIT ?) AS m{len(parts)}")
            params += [*values, *bound_params, limit]
        month = _next(month)
    return (parts, params) if whole else None


def page_sql(conn: Engine, filters: dict[str, Any], newest_first: bool,
             limit: int | None) -> tuple[str, list[Any]]:
    """The query (and its parameters) for the rows matching ``filters`` (keys of ``_conditions``),
    in ``seq`` order or newest first, at most ``limit``."""
    order = " ORDER BY seq" + (" DESC" if newest_first else "")
    tail, tail_params = (" LIMIT ?", [limit]) if limit is not None else ("", [])
    dated = filters.get("since") is not None or filters.get("until") is not None
    equality = any(filters.get(k) is not None for k in _EQUALITY)
    plus: frozenset[str] = frozenset()
    if dated and limit is not None:
        if conn.dialect == "sqlite":
            newest = int(conn.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0])
            first = _seq_at(conn, filters.get("since"), newest)  # about where the range begins and ends in seq
            last = _seq_at(conn, filters.get("until"), newest)
            if newest_first:
                start = min(filters.get("before_seq") or newest + 1, newest + 1)
                before_range, in_range = max(start - last, 0), max(min(last, start) - first, 0)
            else:
                start = filters.get("after_seq") or 0
                before_range, in_range = max(first - start, 0), max(last - max(first, start), 0)
            walk = before_range <= in_range or (equality and in_range > _LARGE_RANGE)
        else:
            walk = False
        months = None if walk or equality else _month_parts(conn, filters, newest_first, limit)
        if months is not None:
            parts, params = months
            inner = f"SELECT seq FROM ({' UNION ALL '.join(parts)}) AS months{order} LIMIT ?"
            return f"SELECT * FROM audit WHERE seq IN ({inner}){order}", [*params, limit]
        if walk:
            plus = frozenset({"at"})
        elif conn.dialect == "sqlite":
            where, params = _conditions(filters, plus=frozenset(_EQUALITY))
            inner = f"SELECT seq FROM audit WHERE {' AND '.join(where)}{order}{tail}"
            return f"SELECT * FROM audit WHERE seq IN ({inner}){order}", [*params, *tail_params]
    where, params = _conditions(filters, plus=plus)
    sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + order + tail
    return sql, [*params, *tail_params]


def count_sql(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    where, params = _conditions(filters)
    return "SELECT count(*) FROM audit" + (" WHERE " + " AND ".join(where) if where else ""), params
