"""Issue 11 item 4: an impossible time (Feb 30, second 61) is refused at every
door -- the JSON schema, the import command, the services, the database itself --
and ``check`` names one that is already stored."""

import json
import sqlite3

import psycopg
import pytest

from cathlog import cli
from cathlog.domain.errors import RecordFormatError, ValidationError
from cathlog.domain.records import is_utc_timestamp, parse_utc_iso
from cathlog.exchange.json_records import parse_records, record_to_json
from cathlog.store.timestamps import TIMESTAMP_COLUMNS
from tests.conftest import PASSWORD
from tests.helpers import open_case
from tests.pg import attack

pytestmark = pytest.mark.backends

IMPOSSIBLE = ["2025-02-30T08:00:00Z", "2025-02-28T08:00:61Z", "2025-02-28T24:00:00Z", "2025-13-01T08:00:00Z",
              "2025-02-28T08:00:60Z"]


@pytest.mark.parametrize("text", IMPOSSIBLE + ["2025-02-28T08:00:00", "2025-02-28 08:00:00Z", "20250228T080000Z"])
def test_the_domain_parser_refuses_impossible_times(text):
    assert not is_utc_timestamp(text)
    with pytest.raises(ValueError, match="timestamp"):
        parse_utc_iso(text)


def test_real_times_still_read():
    assert is_utc_timestamp("2024-02-29T23:59:59Z")
    assert parse_utc_iso("2026-03-08T01:58:00-05:00").hour == 1


def _exported(tmp_path, services, nurse, admin):
    proc = open_case(services, nurse)
    services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 250})
    record = services.cases.get_record(nurse, proc.procedure_id)
    return {"format": "cathlog-procedure-records", "format_version": 1, "procedures": [record_to_json(record)]}


@pytest.mark.parametrize("bad", IMPOSSIBLE[:2])
@pytest.mark.parametrize("where, field", [
    (lambda d, v: d["procedures"][0].update(started_at=v), "field started_at"),
    (lambda d, v: d["procedures"][0]["events"][0]["versions"][0].update(occurred_at=v),
     "field events[0].versions[0].occurred_at"),
    (lambda d, v: d["procedures"][0]["events"][0]["versions"][0].update(recorded_at=v),
     "field events[0].versions[0].recorded_at"),
])
def test_json_import_refuses_an_impossible_time_naming_the_field(tmp_path, services, nurse, admin, bad, where, field):
    doc = _exported(tmp_path, services, nurse, admin)
    where(doc, bad)
    with pytest.raises(RecordFormatError) as info:
        parse_records(json.dumps(doc).encode(), "cases.json")
    assert field in str(info.value) and bad in str(info.value) and "date-time" in str(info.value)


def test_an_impossible_date_field_is_refused_too(tmp_path, services, nurse, admin):
    doc = _exported(tmp_path, services, nurse, admin)
    doc["procedures"][0]["patient"]["birth_date"] = "1954-02-30"
    with pytest.raises(RecordFormatError, match="field patient.birth_date"):
        parse_records(json.dumps(doc).encode(), "cases.json")


@pytest.mark.sqlite_only(reason="import does not run on the server yet (being moved: tests/services/test_imports.py)")
def test_the_import_command_refuses_an_impossible_time(tmp_path, services, nurse, admin, monkeypatch, capsys):
    doc = _exported(tmp_path, services, nurse, admin)
    doc["procedures"][0]["events"][0]["versions"][0]["occurred_at"] = "2025-02-30T08:00:00Z"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    monkeypatch.setenv("CATHLOG_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    assert cli.main(["init", "--admin", "admin"]) == 0
    assert cli.main(["import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.json: record 1" in err and "occurred_at" in err and "2025-02-30T08:00:00Z" in err
    assert cli.main(["check"]) == 0


def test_the_services_refuse_an_impossible_time(services, nurse):
    proc = open_case(services, nurse)
    with pytest.raises(ValidationError, match="occurred_at|2025-02-30"):
        services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 250},
                                    occurred_at="2025-02-30T08:00:00Z")


def _conn(store) -> sqlite3.Connection:
    return store.db.conn


# A new version of the first entry, at a time given as its parameter.
_NEW_VERSION_AT = ("INSERT INTO event_versions (event_id, version, procedure_id, kind, data, occurred_at, "
                   "recorded_at, recorded_by, workstation, voided, reason) "
                   "SELECT event_id, version + 1, procedure_id, kind, data, ?, recorded_at, recorded_by, "
                   "workstation, 0, 'x' FROM event_versions LIMIT 1")


@pytest.mark.parametrize("bad", IMPOSSIBLE)
def test_the_database_refuses_a_raw_insert_of_an_impossible_time(store, services, nurse, bad):
    proc = open_case(services, nurse)
    services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 250})
    if store.url is not None:  # the server: a CHECK (cathlog_real_timestamp) on the column
        with pytest.raises(psycopg.errors.CheckViolation, match="event_versions_occurred_at_check"):
            store.engine.execute(_NEW_VERSION_AT, [bad])
        return
    conn = _conn(store)
    with pytest.raises(sqlite3.IntegrityError, match="event_versions.occurred_at is not a real UTC time"):
        conn.execute("INSERT INTO event_versions (event_id, version, procedure_id, kind, data, occurred_at, "
                     "recorded_at, recorded_by, workstation, voided, reason) "
                     "SELECT event_id, version + 1, procedure_id, kind, data, ?, recorded_at, recorded_by, "
                     "workstation, 0, 'x' FROM event_versions LIMIT 1", (bad,))


def test_every_timestamp_column_has_its_trigger(store):
    if store.url is not None:  # the server: a CHECK on every such column of the tables it has
        checked = 0
        for table, col in TIMESTAMP_COLUMNS:
            if store.engine.has_table(table):
                definitions = [r["d"] for r in store.engine.rows(
                    "SELECT pg_get_constraintdef(c.oid) AS d FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                    "WHERE t.relname = ? AND c.contype = 'c'", [table])]
                assert any(f"cathlog_real_timestamp({col})" in d for d in definitions), (table, col)
                checked += 1
        assert checked >= 10
        return
    names = {r[0] for r in _conn(store).execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    for table, col in TIMESTAMP_COLUMNS:
        assert f"{table}_{col}_real_time" in names
        assert col in {r[1] for r in _conn(store).execute(f"PRAGMA table_info({table})")}


def test_check_names_an_impossible_time_already_stored(store, services, nurse, admin):
    proc = open_case(services, nurse)
    services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 250})
    assert not services.admin.check().problems
    if store.url is not None:  # the server's superuser sets the CHECK aside, then puts it back NOT VALID
        attack(store, "ALTER TABLE event_versions DROP CONSTRAINT event_versions_occurred_at_check",
               _NEW_VERSION_AT, "ALTER TABLE event_versions ADD CONSTRAINT event_versions_occurred_at_check "
               "CHECK (cathlog_real_timestamp(occurred_at)) NOT VALID", params=["2025-02-30T08:00:00Z"])
        row_id = store.engine.scalar("SELECT max(row_id) FROM event_versions")
    else:
        conn = _conn(store)
        conn.execute("DROP TRIGGER event_versions_occurred_at_real_time")  # an attacker, or a file from before 0008
        conn.execute(_NEW_VERSION_AT, ["2025-02-30T08:00:00Z"])
        conn.commit()
        row_id = conn.execute("SELECT max(rowid) FROM event_versions").fetchone()[0]
    report = services.admin.check()
    assert not report.ok
    assert f"event_versions row {row_id}: occurred_at '2025-02-30T08:00:00Z' is not a real UTC time" in report.problems
