"""The case list on PostgreSQL, read from the records themselves.

SQLite keeps a derived case index with an FTS5 text index (``store/search.py``); the server has none yet,
so a page here is a query over ``current_procedures`` and ``current_patients`` with the same filters and
sort keys (the status, the room, the start-time range, the cases still to sign). Searching by words is
not on the server yet (docs/multi-room.md): :func:`page_ids` refuses a search text with a named error
rather than match differently from SQLite.
"""

from __future__ import annotations

from typing import Any

from cathlog.domain.errors import StoreError
from cathlog.store.engine import Engine

# As SQLite's case index sorts (store/search_query.py): no room or operator sorts as "", ties by the start.
SORT_COLUMNS = {"started_at": "c.started_at", "procedure_id": "c.procedure_id",
                "patient": "lower(pa.family_name || ', ' || coalesce(pa.given_name, ''))", "mrn": "pa.mrn_norm",
                "category": "c.category", "status": "c.status",
                "operator": "lower(coalesce(cathlog_primary_operator(c.team), ''))",
                "room": "lower(coalesce(c.room, ''))"}
# Each sort (and a status filter in date order) served by an index walk that stops at the page, registered
# in store/pg/schema.py; by date: procedure_versions_started. Every sort key is NOT NULL, so one index
# serves both directions.
SERVER_INDEXES = (
    """CREATE FUNCTION cathlog_primary_operator(team json) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT m->>'name' FROM json_array_elements(team) AS m WHERE m->>'role' = 'primary_operator' LIMIT 1
$$""",
    "CREATE INDEX patient_versions_sort_name ON patient_versions "
    "(lower(family_name || ', ' || coalesce(given_name, '')))",
    "CREATE INDEX patient_versions_mrn_norm ON patient_versions (mrn_norm)",
    "CREATE INDEX procedure_versions_category ON procedure_versions (category, started_at)",
    "CREATE INDEX procedure_versions_status ON procedure_versions (status, started_at)",
    "CREATE INDEX procedure_versions_operator ON procedure_versions "
    "(lower(coalesce(cathlog_primary_operator(team), '')), started_at)",
    "CREATE INDEX procedure_versions_room ON procedure_versions (lower(coalesce(room, '')), started_at)",
)
_UNSIGNED = ("c.status = 'closed' AND NOT EXISTS (SELECT 1 FROM signature_events AS s WHERE "
             "s.procedure_id = c.procedure_id AND s.action = 'sign' AND s.username = ? AND NOT EXISTS ("
             "SELECT 1 FROM signature_events AS n WHERE n.signature_id = s.signature_id AND n.action = 'supersede'))")


class SearchNotOnServer(StoreError):
    """A search text on a PostgreSQL database, whose case list has no word index yet."""


def page_ids(engine: Engine, search: str | None, filters: Any, *, sort: str, descending: bool, limit: int,
             offset: int) -> list[str]:
    """The procedure ids of one page, in order (ties broken by the start, then the case id)."""
    if search and search.strip():
        raise SearchNotOnServer("searching the case list by words does not run on the PostgreSQL server yet; "
                                "clear the search and use the filters (status, room, dates) or the sort")
    column = SORT_COLUMNS.get(sort)
    if column is None:
        raise ValueError(f"cannot sort the case list by {sort!r}")
    where: list[str] = []
    params: list[Any] = []
    for clause, value in (("c.status = ?", filters.status),
                          ("lower(coalesce(c.room, '')) = lower(?)", filters.room),  # procedure_versions_room
                          ("c.started_at >= ?", filters.since), ("c.started_at < ?", filters.until),
                          (_UNSIGNED, filters.unsigned_by)):
        if value is not None:
            where.append(clause)
            params.append(value)
    direction = "DESC" if descending else "ASC"
    ties = "" if sort == "started_at" else f"c.started_at {direction}, "
    sql = ("SELECT c.procedure_id FROM current_procedures AS c "
           "JOIN current_patients AS pa ON pa.patient_id = c.patient_id"
           + (" WHERE " + " AND ".join(where) if where else "")
           + f" ORDER BY {column} {direction}, {ties}c.procedure_id {direction} LIMIT ? OFFSET ?")
    return [row[0] for row in engine.execute(sql, [*params, limit, offset])]  # noqa: S608


def rooms(engine: Engine) -> list[str]:
    """The rooms cases were done in (the spelling of each room's newest case), for the room filter: a
    skip-scan of procedure_versions_room, one index seek per room, as SQLite's ``search_query.rooms``."""
    return [row[0] for row in engine.execute(
        "WITH RECURSIVE r(k) AS ("
        " SELECT min(lower(coalesce(room, ''))) FROM procedure_versions WHERE lower(coalesce(room, '')) > ''"
        " UNION ALL SELECT (SELECT min(lower(coalesce(room, ''))) FROM procedure_versions"
        " WHERE lower(coalesce(room, '')) > r.k) FROM r WHERE r.k IS NOT NULL)"
        " SELECT room FROM (SELECT r.k, (SELECT c.room FROM current_procedures AS c"
        " WHERE lower(coalesce(c.room, '')) = r.k ORDER BY c.started_at DESC LIMIT 1) AS room"
        " FROM r WHERE r.k IS NOT NULL) AS named WHERE room IS NOT NULL ORDER BY k")]
