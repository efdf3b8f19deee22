"""Searching the case index (``store/search.py``): a typed text taken apart
into words and start-time ranges, the filters of the case list, and the
procedure ids of one page in the order asked for.

The words become an FTS5 expression on SQLite and a ``tsquery`` on a
PostgreSQL server (``store/pg/search.py``), term for term: a column filter
is a weight (names A, people B, ids C, MRN suffixes D), a prefix ``*`` is
``:*``, AND is ``&``, OR is ``|``; both match folded tokens byte for byte, so
the same text finds the same cases on both back ends."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone, tzinfo

from cathlog.store.search import MRN_MARK, SLOTS, Executor, epoch_seconds, fold, on_server, words

_DATE = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
_TYPED_ID_PREFIX = re.compile(r"^[a-z]+\d{4,}$")
_YEAR = re.compile(r"^(19[89]\d|20\d\d)$")
_NOT_MRN = "{names people ids}"
# Sort keys a caller may ask for -> the case_index column (every one has an index ending in doc_id).
SORT_COLUMNS = {"started_at": "doc_id", "procedure_id": "procedure_id", "patient": "name_key",
                "mrn": "mrn_key", "category": "category", "status": "status", "operator": "operator_key",
                "room": "room_key"}


@dataclass(frozen=True)
class Query:
    """A search text taken apart: FTS words and start-time ranges (doc_id bounds)."""

    match: str | None  # FTS5 expression, or None for no words
    tsquery: str | None  # the same words as a PostgreSQL tsquery
    ranges: tuple[tuple[int, int], ...] = ()  # doc_id [lo, hi) each, all of which must hold
    or_range: tuple[int, int] | None = None  # a lone year: its range OR the FTS words


def _local_bounds(first: date, after: date, zone: tzinfo | None) -> tuple[int, int]:
    def at(day: date) -> int:
        moment = datetime(day.year, day.month, day.day, tzinfo=zone) if zone else datetime(
            day.year, day.month, day.day).astimezone()
        return int(moment.astimezone(timezone.utc).timestamp()) * SLOTS

    return at(first), at(after)


def _date_range(word: str, zone: tzinfo | None) -> tuple[int, int] | None:
    m = _DATE.match(word)
    try:
        if m and m.group(3):
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return _local_bounds(day, date.fromordinal(day.toordinal() + 1), zone)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
            return _local_bounds(date(year, month, 1), nxt, zone)
    except ValueError:
        return None
    y = _YEAR.match(word)
    return _local_bounds(date(int(word), 1, 1), date(int(word) + 1, 1, 1), zone) if y else None


def _lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _ts_term(word: str, prefix: bool) -> str:
    """:func:`_term` as a tsquery term (weights: names A, people B, ids C, MRN suffixes D)."""
    star = "*" if prefix else ""
    mrn = f"{_lexeme(MRN_MARK + word)}:{star}D"
    if _TYPED_ID_PREFIX.match(word):
        return f"({_lexeme(word)}:C | {mrn})"
    if any(c.isdigit() for c in word):
        return f"({_lexeme(word)}:{star}ABC | {mrn})"
    return f"{_lexeme(word)}:{star}ABC"


def _term(word: str, prefix: bool) -> str:
    star = "*" if prefix else ""
    mrn = f'"{MRN_MARK}{word}"{star}'  # a word with a digit may be a fragment of an MRN
    if _TYPED_ID_PREFIX.match(word):  # a case id's start ('P2025'): its exact prefix token
        return f'({{ids}} : "{word}" OR {mrn})'
    if any(c.isdigit() for c in word):
        return f'({_NOT_MRN} : "{word}"{star} OR {mrn})'
    return f'{_NOT_MRN} : "{word}"{star}'


def parse(text: str, zone: tzinfo | None = None) -> Query:
    """Words in any order, all of which must match (each a prefix; a one-letter word before the
    last, like the initial of 'Dr. A. Patel', whole); a date YYYY-MM-DD or YYYY-MM (the local
    day or month the case started); a year alone finds that year's cases and MRNs containing it."""
    raw = text.split()
    ranges: list[tuple[int, int]] = []
    terms: list[str] = []
    ts_terms: list[str] = []
    or_range = None
    for i, token in enumerate(raw):
        bounds = _date_range(token, zone) if _DATE.match(token) or (_YEAR.match(token) and len(raw) > 1) else None
        if bounds is not None:
            ranges.append(bounds)
            continue
        if len(raw) == 1 and _YEAR.match(token):
            or_range = _date_range(token, zone)
        found = words(token)
        for j, word in enumerate(found):
            last = i == len(raw) - 1 and j == len(found) - 1
            terms.append(_term(word, prefix=last or len(word) > 1))
            ts_terms.append(_ts_term(word, prefix=last or len(word) > 1))
    match = " AND ".join(dict.fromkeys(terms)) or None
    tsquery = " & ".join(dict.fromkeys(ts_terms)) or None
    return Query(match, tsquery, tuple(ranges), or_range)


@dataclass(frozen=True)
class Filters:
    """What the case list narrows to, besides the search text."""

    status: str | None = None
    room: str | None = None  # exact, as folded
    since: str | None = None  # UTC ISO, inclusive
    until: str | None = None  # UTC ISO, exclusive
    unsigned_by: str | None = None  # username: closed cases without their signature in force


_UNSIGNED = ("c.status = 'closed' AND NOT EXISTS (SELECT 1 FROM signature_events AS s WHERE "
             "s.procedure_id = c.procedure_id AND s.action = 'sign' AND s.username = ? AND NOT EXISTS ("
             "SELECT 1 FROM signature_events AS n WHERE n.signature_id = s.signature_id AND n.action = 'supersede'))")


def page_ids(conn: Executor, query: Query | None, filters: Filters, *, sort: str = "started_at",
             descending: bool = True, limit: int = 100, offset: int = 0) -> list[str]:
    """The procedure ids of one page of the case list, in order; every plan is an index walk
    (the newest matches of a search come straight from FTS5 in rowid order; on the server from the
    GIN index, or the start-time index filtered when the words match most cases)."""
    column = SORT_COLUMNS.get(sort)
    if column is None:
        raise ValueError(f"cannot sort the case list by {sort!r}")
    server = on_server(conn)
    where: list[str] = []
    params: list[object] = []
    lo, hi = None, None
    bounds = list(query.ranges if query else ())
    if filters.since is not None:
        bounds.append((epoch_seconds(filters.since) * SLOTS, 2 ** 62))
    if filters.until is not None:
        bounds.append((-(2 ** 62), epoch_seconds(filters.until) * SLOTS))
    if bounds:
        lo, hi = max(b[0] for b in bounds), min(b[1] for b in bounds)
        if lo >= hi:
            return []
    for clause, value in (("c.status = ?", filters.status), ("c.room_key = ?", fold(filters.room or "") or None),
                          (_UNSIGNED, filters.unsigned_by)):
        if value is not None:
            where.append(clause)
            params.append(value)
    direction = "DESC" if descending else "ASC"
    order = f"ORDER BY c.{column} {direction}" + ("" if column == "doc_id" else f", c.doc_id {direction}")
    if query is not None and query.match is not None and not server and query.or_range is None \
            and column == "doc_id":
        # The common case: FTS5 yields the matches newest first (rowid order) and stops at the page.
        if lo is not None:
            where += ["s.rowid >= ?", "s.rowid < ?"]
            params += [lo, hi]
        sql = ("SELECT c.procedure_id FROM case_search AS s JOIN case_index AS c ON c.doc_id = s.rowid "
               "WHERE case_search MATCH ?" + "".join(f" AND {w}" for w in where)
               + f" ORDER BY s.rowid {direction} LIMIT ? OFFSET ?")
        return [r[0] for r in conn.execute(sql, [query.match, *params, limit, offset])]
    if lo is not None:
        where += ["c.doc_id >= ?", "c.doc_id < ?"]
        params += [lo, hi]
    if query is not None and query.match is not None:
        if server:  # the planner picks the GIN index or a walk of the start times, by its statistics
            hits, value = "c.terms @@ CAST(? AS tsquery)", query.tsquery
            tested = hits
        else:
            hits, value = "c.doc_id IN (SELECT rowid FROM case_search WHERE case_search MATCH ?)", query.match
            tested = "+" + hits
        if query.or_range is not None:  # (unary + : walk the cases newest first and test each, not a union)
            where.append(f"((+c.doc_id >= ? AND +c.doc_id < ?) OR {tested})")
            params[len(params):] = [*query.or_range, value]
        else:
            where.append(hits)
            params.append(value)
    sql = ("SELECT c.procedure_id FROM case_index AS c" + (" WHERE " + " AND ".join(where) if where else "")
           + f" {order} LIMIT ? OFFSET ?")
    return [r[0] for r in conn.execute(sql, [*params, limit, offset])]


def rooms(conn: Executor) -> list[str]:
    """The rooms cases were done in (as recorded, most recent spelling), for the room filter."""
    # A skip-scan of the room index: one seek per distinct room, not a read of every case.
    return [r[0] for r in conn.execute("""
        WITH RECURSIVE r(k) AS (
          SELECT min(room_key) FROM case_index WHERE room_key > ''
          UNION ALL SELECT (SELECT min(room_key) FROM case_index WHERE room_key > r.k) FROM r WHERE r.k IS NOT NULL)
        SELECT (SELECT room FROM case_index WHERE room_key = r.k ORDER BY doc_id DESC LIMIT 1) FROM r
        WHERE r.k IS NOT NULL""")]
