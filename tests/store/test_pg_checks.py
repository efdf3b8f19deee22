"""The PostgreSQL CHECKs refuse and accept exactly what the SQLite CHECKs (and SQLite's timestamp and
later-field triggers) do: one table of values, generated from the data dictionary's hard limits and
edges (types, bounds, lengths, real dates and times, DICOM UIDs, JSON shapes), inserted with raw SQL on
both back ends, the verdicts compared. Both sets of CHECKs come from one generator (store/check_sql.py),
whose SQLite back end must spell exactly what the SQLite migrations wrote."""

import json
import sqlite3

import psycopg
import pytest

from cathlog.domain.fields import EVENT_FIELDS, PATIENT_FIELDS, PROCEDURE_FIELDS, FieldSpec, FieldType
from cathlog.store import check_sql, event_checks, schema
from cathlog.store.db import Store
from cathlog.store.pg.engine import PostgresEngine
from tests.store.pg_rows import event_row, insert_sql, new_id, patient_row, record_rows, valid_payload

_MISSING = object()


def test_the_sqlite_back_end_spells_what_the_sqlite_migrations_wrote():
    for spec in (*PATIENT_FIELDS, *PROCEDURE_FIELDS):
        assert check_sql.column_def(spec) == schema._column(spec)
    for kind, specs in EVENT_FIELDS.items():
        for spec in specs:
            assert check_sql.json_field_check(spec, "NEW.data") == schema._json_field_check(spec, "NEW.data")
    first = {kind.value: tuple(s for s in specs if s.since == 1) for kind, specs in EVENT_FIELDS.items()}
    assert check_sql.event_payload_check(first, check_sql.SQLITE) == schema.event_data_check() == event_checks.CHECK_0010


def _edges(spec: FieldSpec) -> list:
    """Values at and past the hard limits, of the wrong JSON type, and missing."""
    t = spec.type
    out: list = [None, _MISSING]
    if t in (FieldType.INT, FieldType.REAL):
        lo, hi = spec.hard or (0, 10)
        out += [lo, hi, "5", True]
        if t is FieldType.INT:
            out += [int(lo) - 1, int(hi) + 1, float(lo), float(hi) + 0.5]
        else:
            step = 0.001 if isinstance(lo, float) and not float(lo).is_integer() else 0.5
            out += [lo - step, hi + step, int(lo) if float(lo).is_integer() else lo, float(hi)]
    elif t is FieldType.BOOL:
        out += [True, False, 1, "true"]
    elif t is FieldType.ENUM:
        out += [spec.choices[0], spec.choices[-1], "not-a-choice", spec.choices[0].upper(), 1]
    elif t is FieldType.ENUM_LIST:
        out += [[], [spec.choices[0]], "x", {}]
    elif t is FieldType.DATE:
        out += ["2024-02-29", "2023-02-29", "2025-02-30", "2025-04-31", "2025-12-31", "2025-13-01", "2025-00-10",
                "2025-1-01", "20250101", "2000-02-29", "1900-02-29", "0000-02-29", 20250101]
    else:
        n = spec.max_len or 50
        out += ["x", "", "y" * n, "y" * (n + 1), "é" * n, 7]
        if spec.pattern is not None:
            out += ["1.2.840.10008.5.1.4", "0", "0.1", "1.0.2", "01.2", "1.02", ".1", "1.", "1..2", "1.a", "1 .2"]
    return out


def _payload_cases() -> list[tuple[str, str]]:
    """(kind, data text) for every kind: the valid payload, then one field at a time changed."""
    cases = []
    for kind, specs in EVENT_FIELDS.items():
        base = valid_payload(kind)
        cases.append((kind.value, json.dumps(base)))
        for spec in specs:
            for value in _edges(spec):
                data = dict(base)
                if value is _MISSING:
                    data.pop(spec.name, None)
                else:
                    data[spec.name] = value
                cases.append((kind.value, json.dumps(data, ensure_ascii=False, sort_keys=True)))
    # Number spellings Python never writes but a hand-made file might; payloads that are not objects.
    # (2.8e2 and 28e1: jsonb writes them as 280, SQLite calls them real: the server's integer test reads the
    # text as written, store/pg/dialect.PayloadDialect.)
    for text in ('{"act_s": 280}', '{"act_s": 280.0}', '{"act_s": 2.8e2}', '{"act_s": 28e1}', '{"act_s": 28E+1}',
                 '{"act_s": -0}', '{"act_s": 1100}',
                 '{"act_s": 1101}', "[]", "5", "null", '"text"'):
        cases.append(("act", text))
    return cases


def test_a_duplicated_key_is_judged_by_the_value_cathlog_reads(tmp_path, pg_db):
    """The one known difference: with a key twice in a payload, SQLite's json_extract() checks the first
    value and PostgreSQL's ``->`` the last, which is the one Python's json.loads (cathlog) reads. Python
    never writes such text; a hand-made file could. PostgreSQL refuses it, SQLite lets it in."""
    cases = [("event_versions", event_row("act", '{"act_s": 280, "act_s": 9999}'))]
    assert json.loads(cases[0][1]["data"]) == {"act_s": 9999}
    assert _verdicts_sqlite(tmp_path / "c.db", cases) == [True]
    assert _verdicts_pg(pg_db.app_url, cases) == [False]


_TIMES = ["2025-01-01T08:00:00Z", "2024-02-29T23:59:59Z", "2025-02-29T08:00:00Z", "2025-02-30T08:00:00Z",
          "2025-01-01T24:00:00Z", "2025-01-01T23:60:00Z", "2025-01-01T08:00:60Z", "2025-01-01T08:00:61Z",
          "2025-01-01 08:00:00Z", "2025-01-01T08:00:00", "2025-01-01T08:00:00+01:00", "2025-01-01T8:00:00Z", ""]


def _row_cases() -> list[tuple[str, dict]]:
    cases = []
    for spec in PATIENT_FIELDS:
        for value in _edges(spec):
            if value is _MISSING or isinstance(value, (dict, list, bool)):
                continue
            cases.append(("patient_versions", patient_row(**{spec.name: value})))
    base = record_rows()["procedure_versions"]
    for spec in PROCEDURE_FIELDS:
        for value in _edges(spec):
            if value is _MISSING or isinstance(value, bool):
                continue
            if isinstance(value, (dict, list)):
                value = json.dumps(value)
            cases.append(("procedure_versions", {**base, "procedure_id": new_id(), spec.name: value}))
    for text in ("[]", "{}", "[1", '"x"'):
        cases.append(("procedure_versions", {**base, "procedure_id": new_id(), "team": text}))
    for moment in _TIMES:
        cases.append(("event_versions", event_row("note", {"text": "t"}, occurred_at=moment)))
        cases.append(("patient_versions", patient_row(changed_at=moment)))
    for version, reason in ((1, None), (2, None), (2, ""), (2, "typo")):
        cases.append(("event_versions", event_row("note", {"text": "t"}, version=version, reason=reason)))
    for kind in ("note", "nope"):
        cases.append(("event_versions", event_row(kind, {"text": "t"})))
    # A float into an integer column: lossless goes in, a fraction is refused, never rounded.
    for over in ({"voided": 1.0}, {"voided": 0.5}, {"version": 1.5}, {"version": 1.0}):
        cases.append(("event_versions", event_row("note", {"text": "t"}, **over)))
    return cases


def _verdicts_sqlite(path, cases) -> list[bool]:
    store = Store.open(path)
    conn = store.db.conn
    out = []
    try:
        for table, row in cases:
            try:
                with store.engine.write():
                    conn.execute(*insert_sql(table, row))
                out.append(True)
            except sqlite3.IntegrityError:
                out.append(False)
            except sqlite3.OperationalError as exc:  # json_type() on text that is not JSON: refused too
                if "malformed JSON" not in str(exc):
                    raise
                out.append(False)
    finally:
        store.close()
    return out


_PG_REFUSALS = (psycopg.errors.CheckViolation, psycopg.errors.NotNullViolation,
                psycopg.errors.InvalidTextRepresentation, psycopg.errors.NumericValueOutOfRange)


def _verdicts_pg(url, cases) -> list[bool]:
    """Through the engine cathlog uses (its parameter conversion and float dumping), one statement each."""
    engine = PostgresEngine.connect(url)
    out = []
    try:
        for table, row in cases:
            try:
                engine.execute(*insert_sql(table, row))
                out.append(True)
            except _PG_REFUSALS:
                out.append(False)
    finally:
        engine.close()
    return out


def _compare(cases, sqlite_verdicts, pg_verdicts):
    differ = [(table, row.get("data", row), s, p) for (table, row), s, p in zip(cases, sqlite_verdicts, pg_verdicts)
              if s != p]
    assert differ == [], f"{len(differ)} of {len(cases)} verdicts differ (table, value, sqlite, postgresql): {differ}"
    return sum(sqlite_verdicts), len(cases)


def test_every_entry_payload_gets_the_same_verdict_on_both(tmp_path, pg_db):
    cases = [("event_versions", event_row(kind, text)) for kind, text in _payload_cases()]
    accepted, total = _compare(cases, _verdicts_sqlite(tmp_path / "c.db", cases), _verdicts_pg(pg_db.app_url, cases))
    assert 0.2 * total < accepted < 0.8 * total  # the table holds both sides of every limit


def test_patient_procedure_and_time_columns_get_the_same_verdict_on_both(tmp_path, pg_db):
    cases = _row_cases()
    accepted, total = _compare(cases, _verdicts_sqlite(tmp_path / "c.db", cases), _verdicts_pg(pg_db.app_url, cases))
    assert 0.2 * total < accepted < 0.8 * total


def test_a_nul_character_in_a_payload_string_is_refused_on_the_server_not_an_error(tmp_path, pg_db):
    """PostgreSQL's text cannot hold U+0000 (``jsonb`` refuses ``\\u0000``): the server's payload CHECK says
    false for it (a refusal like any other), where a file takes it."""
    cases = [("event_versions", event_row("note", '{"text": "a\\u0000b"}'))]
    assert _verdicts_sqlite(tmp_path / "c.db", cases) == [True]
    assert _verdicts_pg(pg_db.app_url, cases) == [False]


@pytest.mark.parametrize(("text", "accepted"), [('{"act_s": 280}', True), ('{"act_s": 280.5}', False),
                                                ('{"act_s": "280"}', False), ('{"act_s": 2000}', False)])
def test_the_act_example_of_the_integration_notes(pg_db, text, accepted):
    """Measured in the notes with a CASE-guarded CHECK: 280 taken; 280.5, "280" and 2000 refused."""
    assert _verdicts_pg(pg_db.app_url, [("event_versions", event_row("act", text))]) == [accepted]
