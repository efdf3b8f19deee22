"""The flat export tables streamed from SQL, at the speed of SQLite.

The SQL is generated from the one definition of the tables and filters
(``cathlog.domain.flat_tables``): every column's source expression is below,
its cell form (neutralized text, 'true'/'false', plain) comes from the
definition, so Python only hands rows to a writer.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from cathlog.domain.flat_tables import (
    FILTERS,
    FORMULA_TRIGGERS,
    TABLES,
    Cell,
    Column,
    ExportFilters,
    FlatTable,
    Match,
)
from cathlog.store.db import Store
from cathlog.store.engine import Engine
from cathlog.store.errors import translated

Row = tuple[Any, ...]

ROWS_PER_BATCH = 2000
_TRIGGERS = "(" + ", ".join(f"'{c}'" if c.isprintable() else f"char({ord(c)})" for c in FORMULA_TRIGGERS) + ")"


def _neutral(expr: str) -> str:
    # as domain.flat_tables.neutralize: a trigger after any run of leading quotes
    return f"CASE WHEN typeof({expr}) = 'text' AND substr(ltrim({expr}, ''''), 1, 1) IN {_TRIGGERS} " \
           f"THEN '''' || {expr} " \
           f"ELSE {expr} END"


def _cell(column: Column, expr: str, csv: bool = False) -> str:
    """``csv``: a plain column's text neutralized too, as the CSV writer writes it."""
    if column.cell is Cell.TEXT or (csv and column.cell is Cell.PLAIN):
        return _neutral(expr)
    if column.cell is Cell.BOOL:
        return f"CASE WHEN {expr} THEN 'true' ELSE 'false' END"
    return expr


def _select(table: FlatTable, sources: dict[str, str], csv: bool = False) -> str:
    missing = [c.name for c in table.columns if c.name not in sources]
    if missing:  # pragma: no cover - a column added to the definition without its source
        raise KeyError(f"export table {table.name}: no SQL source for {missing}")
    return ", ".join(f'{_cell(c, sources[c.name], csv)} AS "{c.name}"' for c in table.columns)


# --- sources of the columns -----------------------------------------------------

_PROCEDURE_SOURCES = {
    "procedure_id": "pr.procedure_id", "mrn": "pa.mrn", "started_at": "pr.started_at", "status": "pr.status",
    "category": "pr.category", "planned": "(SELECT group_concat(value, ';') FROM json_each(pr.planned))",
    "indication": "pr.indication", "indication_detail": "pr.indication_detail", "urgency": "pr.urgency",
    "room": "pr.room",
    "primary_operator": "(SELECT json_extract(m.value, '$.name') FROM json_each(pr.team) AS m "
                        "WHERE json_extract(m.value, '$.role') = 'primary_operator' LIMIT 1)",
    "team": "(SELECT group_concat(json_extract(m.value, '$.name') || ' (' || json_extract(m.value, '$.role') "
            "|| ')', '; ') "
            "FROM json_each(pr.team) AS m)",
    "act_target_low_s": "pr.act_target_low_s", "act_target_high_s": "pr.act_target_high_s",
}

_EVENT_SOURCES = {
    "procedure_id": "e.procedure_id", "event_id": "e.event_id", "version": "e.version",
    # An entry version is current unless a later version exists (see _gather_corrected).
    "current": "m.top IS NULL OR e.version = m.top", "voided": "e.voided", "reason": "e.reason",
    "occurred_at": "e.occurred_at", "recorded_at": "e.recorded_at", "recorded_by": "e.recorded_by",
    "performed_by": "e.performed_by", "workstation": "e.workstation",
}


def _event_sources(table: FlatTable) -> dict[str, str]:
    sources = dict(_EVENT_SOURCES)
    for column in table.columns[len(_EVENT_SOURCES):]:
        if column.cell is Cell.BOOL:  # JSON true/false; an absent value stays NULL
            sources[column.name] = f"json_type(e.data, '$.{column.name}')"
        else:
            sources[column.name] = f"json_extract(e.data, '$.{column.name}')"
    return sources


def _event_cell(column: Column, expr: str, csv: bool) -> str:
    if column.cell is Cell.BOOL and expr.startswith("json_type("):
        return f"CASE {expr} WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END"
    return _cell(column, expr, csv)


# --- filters --------------------------------------------------------------------

_MATCH_SQL = {
    Match.AT_LEAST: "{column} >= ?",
    Match.BEFORE: "{column} < ?",
    Match.EQUALS: "{column} = ?",
    Match.MEMBER_NAME_CONTAINS: "EXISTS (SELECT 1 FROM json_each({column}) AS m "
                                "WHERE instr(cathlog_casefold(json_extract(m.value, '$.name')), ?) > 0)",
}
assert set(_MATCH_SQL) == set(Match) and {f.match for f in FILTERS} <= set(_MATCH_SQL)


def _casefold(text: str | None) -> str | None:
    return text.casefold() if isinstance(text, str) else text


def _selected(conn: sqlite3.Connection, filters: ExportFilters) -> tuple[str | None, list[Any]]:
    """The procedures an export covers, as SQL over current_procedures (None: all of them)."""
    given = filters.given()
    if not given:
        return None, []
    if any(spec.match is Match.MEMBER_NAME_CONTAINS for spec, _ in given):
        # Python's case folding, so a name matches as in the rest of cathlog (SQLite's lower() is ASCII only).
        conn.create_function("cathlog_casefold", 1, _casefold, deterministic=True)
    where = " AND ".join(_MATCH_SQL[spec.match].format(column=spec.column) for spec, _ in given)
    return f"SELECT procedure_id FROM current_procedures WHERE {where}", [value for _, value in given]


_SERVER_MATCH_SQL = {  # the server's twins of _MATCH_SQL; an operator's name is matched in Python (casefold)
    Match.AT_LEAST: "{column} >= ?",
    Match.BEFORE: "{column} < ?",
    Match.EQUALS: "{column} = ?",
}
# The export's order, byte for byte as SQLite sorts text (a server's locale collation would reorder ids).
_SERVER_ORDER = ' ORDER BY started_at COLLATE "C", procedure_id COLLATE "C"'


def _member_named(team_json: str | None, folded: str) -> bool:
    """Whether a team (the stored JSON) has a member whose name contains ``folded`` (case-folded)."""
    team = json.loads(team_json) if team_json else []
    return any(isinstance(m, dict) and isinstance(m.get("name"), str) and folded in m["name"].casefold()
               for m in team)


def server_selected_ids(engine: Engine, filters: ExportFilters) -> Iterator[str]:
    """:func:`selected_procedure_ids` on a PostgreSQL server: the same selection in the same order."""
    where: list[str] = []
    params: list[Any] = []
    names: list[str] = []
    for spec, value in filters.given():
        if spec.match is Match.MEMBER_NAME_CONTAINS:
            names.append(value)
        else:
            where.append(_SERVER_MATCH_SQL[spec.match].format(column=spec.column))
            params.append(value)
    sql = ("SELECT procedure_id, team FROM current_procedures" + (" WHERE " + " AND ".join(where) if where else "")
           + _SERVER_ORDER)
    for row in engine.rows(sql, params):
        if all(_member_named(row["team"], name) for name in names):
            yield row["procedure_id"]


@translated
def selected_procedure_ids(store: Store, filters: ExportFilters) -> Iterator[str]:
    """The ids of the cases an export covers, oldest first (the record path: JSON, FHIR)."""
    if store.backend != "sqlite":
        yield from server_selected_ids(store.engine, filters)
        return
    conn = store.db.conn
    selected, params = _selected(conn, filters)
    sql = (selected or "SELECT procedure_id FROM current_procedures") + " ORDER BY started_at, procedure_id"
    for row in conn.execute(sql, params):
        yield row[0]


# --- the tables -----------------------------------------------------------------


_CORRECTED_SQL = (
    "DROP TABLE IF EXISTS temp.export_corrected",
    "CREATE TEMP TABLE export_corrected AS SELECT event_id, max(version) AS top FROM event_versions "
    "WHERE version > 1 GROUP BY event_id",
    "CREATE INDEX temp.export_corrected_id ON export_corrected (event_id)",
)


def _gather_corrected(conn: sqlite3.Connection) -> None:
    """The entries with more than one version and their latest version number, gathered once per
    export (they are few) instead of a probe per row; the events tables read it."""
    for sql in _CORRECTED_SQL:
        conn.execute(sql)


def shell_queries() -> tuple[tuple[str, ...], list[tuple[FlatTable, str]]]:
    """The statements an export of every case runs first, then each table's SELECT of export cells
    with its parameters written in: what the benchmark gives the sqlite3 shell as the floor."""
    queries = []
    for table in TABLES:
        sql = _table_sql(table, "IS NOT NULL", with_context=False, csv=True)
        if table.kind is not None:
            sql = sql.replace("e.kind = ?", f"e.kind = '{table.kind.value}'")
        queries.append((table, sql))
    return _CORRECTED_SQL, queries


def _table_sql(table: FlatTable, only: str, with_context: bool, csv: bool = False) -> str:
    if table.kind is None and table.name == "patients":
        cols = _select(table, {c.name: f"pa.{c.name}" for c in table.columns}, csv)
        context = (", (SELECT min(started_at) FROM current_procedures AS c WHERE c.patient_id = pa.patient_id "
                   f"AND c.procedure_id {only})") if with_context else ""
        return (f"SELECT {cols}{context} FROM current_patients AS pa WHERE pa.patient_id IN "
                f"(SELECT patient_id FROM current_procedures WHERE procedure_id {only}) "
                "ORDER BY (SELECT min(started_at || procedure_id) FROM current_procedures AS c "
                "WHERE c.patient_id = pa.patient_id)")
    if table.kind is None and table.name == "procedures":
        cols = _select(table, _PROCEDURE_SOURCES, csv)
        context = (", (SELECT json_group_array(json_extract(m.value, '$.role')) FROM json_each(pr.team) AS m)"
                   if with_context else "")
        return (f"SELECT {cols}{context} FROM current_procedures AS pr "
                "JOIN patient_versions AS pa ON pa.patient_id = pr.patient_id AND pa.version = "
                "coalesce(pr.patient_version, (SELECT max(version) FROM patient_versions AS x "
                "WHERE x.patient_id = pr.patient_id)) "
                f"WHERE pr.procedure_id {only} ORDER BY pr.started_at, pr.procedure_id")
    if table.kind is not None:
        sources = _event_sources(table)
        cols = ", ".join(f'{_event_cell(c, sources[c.name], csv)} AS "{c.name}"' for c in table.columns)
        context = (", (SELECT started_at FROM current_procedures AS c WHERE c.procedure_id = e.procedure_id)"
                   if with_context else "")
        # In the order entries were stored (no sort of millions of rows); each row carries its
        # procedure_id, which is how the tables join.
        return (f"SELECT {cols}{context} FROM event_versions AS e "
                "LEFT JOIN temp.export_corrected AS m ON m.event_id = e.event_id "
                f"WHERE e.kind = ? AND e.procedure_id {only} ORDER BY e.row_id")
    raise KeyError(f"unknown export table {table.name!r}")  # pragma: no cover - TABLES is fixed


@translated
def _rows(conn: sqlite3.Connection, sql: str, params: list[Any]) -> Iterator[Row]:
    yield from conn.execute(sql, params)


# --- CSV cells ------------------------------------------------------------------


def cells_sql(table: FlatTable, source: str, *, csv: bool = False) -> str:
    """A SELECT of ``table``'s export cells (``csv``: as the CSV writer writes them) from ``source``,
    a table holding each column's value as stored, under the column's name: how a test holds the
    writers equal for any value."""
    return f"SELECT {_select(table, {c.name: c.name for c in table.columns}, csv)} FROM {source}"


@translated
def stream_csv_cells(store: Store, filters: ExportFilters) -> Iterator[tuple[FlatTable, Iterator[list[Row]]]]:
    """Every export table in order (``TABLES``) with its rows in batches, each cell exactly what the
    one CSV writer (``cathlog.exchange.csv_out.CsvOut``) writes for the cell of :func:`stream_tables`:
    the writer un-neutralizes a text column's cell and neutralizes it again, which gives the cell
    back, and neutralizes any other column's text, so here every text cell is neutralized in SQL.
    A csv.writer writes these rows as they are, with no work per cell in Python."""
    if store.backend != "sqlite":
        from cathlog.store.pg import export_rows as on_server

        for table, rows in on_server.stream_tables(store.engine, filters, csv=True):
            yield table, on_server.batches(rows, ROWS_PER_BATCH)
        return
    conn = store.db.conn
    for table, sql, params in _queries(conn, filters, with_context=False, csv=True):
        yield table, _batches(conn, sql, params)


@translated
def _batches(conn: sqlite3.Connection, sql: str, params: list[Any]) -> Iterator[list[Row]]:
    cursor = conn.execute(sql, params)
    while rows := cursor.fetchmany(ROWS_PER_BATCH):
        yield rows


def _queries(conn: sqlite3.Connection, filters: ExportFilters, with_context: bool,
             csv: bool = False) -> Iterator[tuple[FlatTable, str, list[Any]]]:
    selected, params = _selected(conn, filters)
    only = f"IN ({selected})" if selected else "IS NOT NULL"
    _gather_corrected(conn)  # before any events table is read
    for table in TABLES:
        sql = _table_sql(table, only, with_context, csv)
        if table.kind is not None:
            yield table, sql, [table.kind.value, *params]
        elif table.name == "patients" and with_context and selected:
            yield table, sql, params * 2
        else:
            yield table, sql, params


@translated
def stream_tables(store: Store, filters: ExportFilters, *,
                  with_context: bool = False) -> Iterator[tuple[FlatTable, Iterator[Row]]]:
    """Every export table in order (``TABLES``) with its rows as export cells, streamed.

    ``with_context``: each row ends with the table's context value (see ``flat_tables.Context``),
    which de-identification needs. Read each table's rows before asking for the next table."""
    if store.backend != "sqlite":
        from cathlog.store.pg import export_rows as on_server

        yield from on_server.stream_tables(store.engine, filters, with_context=with_context)
        return
    conn = store.db.conn
    for table, sql, params in _queries(conn, filters, with_context):
        yield table, _rows(conn, sql, params)
