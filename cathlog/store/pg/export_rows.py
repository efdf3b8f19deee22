"""The flat export tables (CSV, XLSX) on the PostgreSQL server: the same cells, in the same order, as
``store/export_rows.py`` makes in SQLite's SQL.

SQLite's JSON functions give a payload value typed (a number as a number); PostgreSQL's ``->>`` gives text,
and a column of a result has one type. So here the server reads each row's values as stored (the payload
as its JSON text) and the cells are made in Python by the same rules (``domain.flat_tables``): text a
spreadsheet would evaluate neutralized, ``'true'``/``'false'``, anything else as stored; a payload value as
SQLite's ``json_extract`` gives it (a JSON true as 1, an array as its compact text). The cases an export
covers are chosen as for JSON and FHIR (``export_rows.selected_procedure_ids``), and every ordering is
byte-wise, as SQLite sorts text. tests/exchange/test_export_on_server.py holds the bytes equal.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from cathlog.domain.flat_tables import EVENT_COMMON, TABLES, Cell, Column, ExportFilters, FlatTable, neutralize
from cathlog.store.engine import Engine

Row = tuple[Any, ...]
_C = ' COLLATE "C"'


def _json_value(value: Any) -> Any:
    """A decoded JSON value as SQLite's ``json_extract`` gives it."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def _cell(column: Column, value: Any, csv: bool) -> Any:
    if column.cell is Cell.TEXT or (csv and column.cell is Cell.PLAIN):
        return neutralize(value)
    if column.cell is Cell.BOOL:
        return "true" if value else "false"
    return value


def _payload_bool(value: Any) -> str | None:
    """A payload flag: 'true'/'false' for a JSON boolean, nothing for anything else (SQLite's json_type)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return None


def _team(team_json: str | None) -> list[dict[str, Any]]:
    team = json.loads(team_json) if team_json else []
    return [m if isinstance(m, dict) else {} for m in team]


def _concat(values: list[Any], sep: str) -> str | None:
    """SQLite's group_concat: NULLs skipped, NULL when nothing is left."""
    kept = [str(v) for v in values if v is not None]
    return sep.join(kept) if kept else None


def _procedure_values(row: dict[str, Any]) -> dict[str, Any]:
    team = _team(row["team"])
    planned = json.loads(row["planned"]) if row["planned"] else []
    operator = next((m.get("name") for m in team if m.get("role") == "primary_operator"), None)
    named = [None if m.get("name") is None or m.get("role") is None else f"{m['name']} ({m['role']})"
             for m in team]
    return {**row, "planned": _concat([_json_value(v) for v in planned], ";"),
            "primary_operator": _json_value(operator), "team": _concat(named, "; "),
            "team_roles": json.dumps([m.get("role") for m in team], ensure_ascii=False, separators=(",", ":"))}


def _rows(engine: Engine, table: FlatTable, ids: list[str] | None, *, with_context: bool,
          csv: bool) -> Iterator[Row]:
    only, params = ("IS NOT NULL", []) if ids is None else ("= ANY(?)", [ids])
    if table.name == "patients":
        sql = ("SELECT pa.*, (SELECT min(c.started_at) FROM current_procedures AS c WHERE c.patient_id = "
               f"pa.patient_id AND c.procedure_id {only}) AS context_value, (SELECT min((c.started_at || "
               f"c.procedure_id){_C}) FROM current_procedures AS c WHERE c.patient_id = pa.patient_id) AS first_case "
               "FROM current_patients AS pa WHERE pa.patient_id IN (SELECT patient_id FROM current_procedures "
               f"WHERE procedure_id {only}) ORDER BY first_case")  # byte-wise: min() of C-collated text
        for row in engine.rows(sql, params * 2):
            cells = tuple(_cell(c, row[c.name], csv) for c in table.columns)
            yield (*cells, row["context_value"]) if with_context else cells
    elif table.kind is None:  # procedures
        sql = ("SELECT pr.*, pa.mrn FROM current_procedures AS pr JOIN patient_versions AS pa ON pa.patient_id = "
               "pr.patient_id AND pa.version = coalesce(pr.patient_version, (SELECT max(version) FROM "
               f"patient_versions AS x WHERE x.patient_id = pr.patient_id)) WHERE pr.procedure_id {only} "
               f"ORDER BY pr.started_at{_C}, pr.procedure_id{_C}")
        for row in engine.rows(sql, params):
            values = _procedure_values(row)
            cells = tuple(_cell(c, values[c.name], csv) for c in table.columns)
            yield (*cells, values["team_roles"]) if with_context else cells
    else:
        sql = ("SELECT e.*, (m.top IS NULL OR e.version = m.top) AS current, (SELECT started_at FROM "
               "current_procedures AS c WHERE c.procedure_id = e.procedure_id) AS context_value FROM event_versions "
               "AS e LEFT JOIN (SELECT event_id, max(version) AS top FROM event_versions WHERE version > 1 GROUP BY "
               f"event_id) AS m ON m.event_id = e.event_id WHERE e.kind = ? AND e.procedure_id {only} "
               "ORDER BY e.row_id")
        common = len(EVENT_COMMON)
        for row in engine.rows(sql, [table.kind.value, *params]):
            data = json.loads(row["data"])
            fixed = [_cell(c, row[c.name], csv) for c in table.columns[:common]]
            payload = [_payload_bool(data.get(c.name)) if c.cell is Cell.BOOL
                       else _cell(c, _json_value(data.get(c.name)), csv) for c in table.columns[common:]]
            yield (*fixed, *payload, row["context_value"]) if with_context else (*fixed, *payload)


def _ids(engine: Engine, filters: ExportFilters) -> list[str] | None:
    if not filters.given():
        return None
    from cathlog.store.export_rows import server_selected_ids

    return list(server_selected_ids(engine, filters))


def stream_tables(engine: Engine, filters: ExportFilters, *, with_context: bool = False,
                  csv: bool = False) -> Iterator[tuple[FlatTable, Iterator[Row]]]:
    """Every export table in order (``TABLES``) with its rows as export cells, streamed (as
    ``export_rows.stream_tables``; ``csv``: as ``export_rows.stream_csv_cells`` makes them)."""
    ids = _ids(engine, filters)
    for table in TABLES:
        yield table, _rows(engine, table, ids, with_context=with_context, csv=csv)


def batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch
