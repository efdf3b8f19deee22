"""Flat export tables straight from SQL, for exports at the speed of SQLite.

The same tables as ``cathlog.exchange.tables`` builds from records, but each
is one streamed query: JSON fields are extracted and formula-like text is
neutralized inside SQLite, so Python only hands rows to the CSV writer. A
test checks both paths give the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cathlog.domain.enums import EventKind
from cathlog.domain.fields import EVENT_FIELDS, PATIENT_FIELDS, FieldType
from cathlog.store.db import Store
from cathlog.store.errors import translated

_TRIGGERS = "('=', '+', '-', '@', char(9), char(13))"


def _neutral(expr: str) -> str:
    return f"CASE WHEN typeof({expr}) = 'text' AND substr({expr}, 1, 1) IN {_TRIGGERS} THEN '''' || {expr} " \
           f"ELSE {expr} END"


def _bool(expr: str) -> str:
    return f"CASE WHEN {expr} THEN 'true' ELSE 'false' END"


def _selected(filters: dict[str, Any]) -> tuple[str | None, list[Any]]:
    """The procedures an export covers, as SQL over current_procedures (None: all of them)."""
    where, params = [], []
    for clause, key in (("started_at >= ?", "since"), ("started_at < ?", "until"), ("category = ?", "category"),
                        ("status = ?", "status")):
        if filters.get(key) is not None:
            where.append(clause)
            params.append(filters[key])
    if filters.get("operator"):
        where.append("EXISTS (SELECT 1 FROM json_each(team) AS m WHERE instr(lower(m.value ->> '$.name'), ?) > 0)")
        params.append(filters["operator"].casefold().strip())
    if not where:
        return None, []
    return "SELECT procedure_id FROM current_procedures WHERE " + " AND ".join(where), params


@translated
def prepare(store: Store) -> None:
    """Gather, once per export, the entries that have more than one version."""
    conn = store.db.conn
    conn.execute("DROP TABLE IF EXISTS temp.export_corrected")
    conn.execute("CREATE TEMP TABLE export_corrected AS SELECT event_id, max(version) AS top FROM event_versions "
                 "WHERE version > 1 GROUP BY event_id")
    conn.execute("CREATE INDEX temp.export_corrected_id ON export_corrected (event_id)")


@translated
def table_rows(store: Store, table: str, filters: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """Rows of one export table, in the column order of ``exchange.tables.TABLES``."""
    selected, params = _selected(filters)
    conn = store.db.conn
    only = f"IN ({selected})" if selected else "IS NOT NULL"
    if table == "patients":
        cols = ", ".join(_neutral(f"pa.{s.name}") for s in PATIENT_FIELDS)
        sql = (f"SELECT {cols} FROM current_patients AS pa WHERE pa.patient_id IN "
               f"(SELECT patient_id FROM current_procedures WHERE procedure_id {only}) "
               "ORDER BY (SELECT min(started_at || procedure_id) FROM current_procedures AS c "
               "WHERE c.patient_id = pa.patient_id)")
    elif table == "procedures":
        operator = _neutral("(SELECT m.value ->> '$.name' FROM json_each(pr.team) AS m "
                            "WHERE m.value ->> '$.role' = 'primary_operator' LIMIT 1)")
        team = _neutral("(SELECT group_concat((m.value ->> '$.name') || ' (' || (m.value ->> '$.role') || ')', "
                        "'; ') FROM json_each(pr.team) AS m)")
        sql = (f"SELECT pr.procedure_id, {_neutral('pa.mrn')}, pr.started_at, pr.status, pr.category, "
               "(SELECT group_concat(value, ';') FROM json_each(pr.planned)), pr.indication, "
               f"{_neutral('pr.indication_detail')}, pr.urgency, {_neutral('pr.room')}, {operator}, {team}, "
               "pr.act_target_low_s, pr.act_target_high_s "
               "FROM current_procedures AS pr "
               "JOIN patient_versions AS pa ON pa.patient_id = pr.patient_id AND pa.version = "
               "coalesce(pr.patient_version, (SELECT max(version) FROM patient_versions AS x "
               "WHERE x.patient_id = pr.patient_id)) "
               f"WHERE pr.procedure_id {only} ORDER BY pr.started_at, pr.procedure_id")
    elif table.startswith("events_"):
        kind = EventKind(table.removeprefix("events_"))
        fields = []
        for spec in EVENT_FIELDS[kind]:
            expr = f"json_extract(e.data, '$.{spec.name}')"
            if spec.type is FieldType.BOOL:
                fields.append(f"CASE json_type(e.data, '$.{spec.name}') WHEN 'true' THEN 'true' "
                              "WHEN 'false' THEN 'false' END")
            else:
                fields.append(_neutral(expr))
        # An entry version is current unless a later version exists. Corrected entries are few, so
        # their latest version numbers are gathered once (prepare()) instead of probing per row.
        current = _bool("m.top IS NULL OR e.version = m.top")
        # In the order entries were stored (no sort of millions of rows); each row carries its
        # procedure_id, which is how the tables join.
        sql = (f"SELECT e.procedure_id, e.event_id, e.version, {current}, {_bool('e.voided')}, "
               f"{_neutral('e.reason')}, e.occurred_at, e.recorded_at, {_neutral('e.recorded_by')}, "
               f"{_neutral('e.performed_by')}, {_neutral('e.workstation')}, {', '.join(fields)} "
               "FROM event_versions AS e LEFT JOIN temp.export_corrected AS m ON m.event_id = e.event_id "
               f"WHERE e.kind = ? AND e.procedure_id {only} ORDER BY e.row_id")
        params = [kind.value, *params]
    else:
        raise ValueError(f"unknown export table {table!r}")
    yield from conn.execute(sql, params)
