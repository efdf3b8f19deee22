"""The store: a cathlog file is recognised, foreign and damaged files are
refused untouched, STRICT tables and CHECK constraints mirror the hard
limits (on both back ends), record rows and audit rows are append-only."""

import hashlib
import json
import sqlite3

import psycopg
import pytest

from cathlog.domain.errors import Conflict, CorruptDatabase, NewerSchema, NotACathlogDatabase
from cathlog.domain.fields import PATIENT_FIELDS
from cathlog.store import schema
from cathlog.store.db import Store
from cathlog.store.errors import translate
from tests.helpers import open_case


pytestmark = pytest.mark.backends
FILE = "a database file's own make-up (header, pragmas, pages)"
SQLITE_DDL = ("reads SQLite's stored schema text; the server's DDL is generated from the same data dictionary "
              "(tests/store/test_pg_checks.py, tests/store/test_pg_walls.py)")
MIGRATIONS = ("SQLite's migrations of older files; the server's baseline is schema 16 "
              "(tests/store/test_pg_server.py)")
TRIGGERS = "SQLite's append-only triggers; the server's walls (privileges and triggers): tests/store/test_pg_walls.py"
# What a refused raw INSERT raises: SQLite's IntegrityError, or the server's (a CHECK, NOT NULL or UNIQUE; or,
# for text in a number column, the column's type).
REFUSED = (sqlite3.IntegrityError, psycopg.IntegrityError, psycopg.DataError)


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.sqlite_only(reason=FILE)
def test_new_file_is_marked_as_cathlog(tmp_path):
    path = tmp_path / "new.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = {r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")}
    assert names == {"0001_initial_schema", "0002_review_reminders_signatures", "0003_procedure_patient_version",
                     "0004_settings", "0005_search_terms", "0006_seals_and_audit_key", "0007_import_jobs",
                     "0008_event_details", "0009_strict_timestamps", "0010_device_removal", "0011_case_search",
                     "0012_worklist", "0013_removed_users",
                     "0014_dicom_identifiers_and_dose_inbox", "0015_hl7_inbox_outbox",
                     "0016_audit_indexes", "0017_audit_month"}


@pytest.mark.sqlite_only(reason=FILE)
def test_connection_pragmas(store):
    conn = store.db.conn
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


@pytest.mark.sqlite_only(reason=MIGRATIONS)
def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "x.db"
    Store.open(path).close()
    Store.open(path).close()
    names = [r[0] for r in sqlite3.connect(path).execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert len(names) == len(set(names)) and int(names[-1][:4]) == schema.SCHEMA_VERSION


@pytest.mark.sqlite_only(reason=FILE)
def test_foreign_sqlite_file_is_refused_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = _sha(path)
    with pytest.raises(NotACathlogDatabase, match="not a cathlog one"):
        Store.open(path)
    assert _sha(path) == before


@pytest.mark.sqlite_only(reason=FILE)
def test_damaged_header_is_refused_untouched(tmp_path):
    path = tmp_path / "bad.db"
    Store.open(path).close()
    data = bytearray(path.read_bytes())
    data[0:16] = b"garbage-garbage!"
    path.write_bytes(bytes(data))
    before = _sha(path)
    with pytest.raises(CorruptDatabase, match="(?i)restore the last verified backup"):
        Store.open(path)
    assert _sha(path) == before


@pytest.mark.sqlite_only(reason=FILE)
def test_text_file_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(CorruptDatabase):
        Store.open(path)


@pytest.mark.sqlite_only(reason=FILE)
def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(NewerSchema, match="newer cathlog"):
        Store.open(path)


@pytest.mark.sqlite_only(reason=FILE)
def test_damaged_interior_page_fails_quick_check(tmp_path, services, nurse):
    for i in range(30):
        open_case(services, nurse, mrn=f"M{i}")
    services.store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = services.store.path
    services.store.close()
    page = sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0]
    with open(path, "r+b") as fh:
        fh.seek(page * 3 + 8)
        fh.write(b"\xff" * 200)
    with pytest.raises(CorruptDatabase):
        Store.open(path)


@pytest.mark.sqlite_only(reason=SQLITE_DDL)
def test_tables_are_strict(store):
    for table in ("users", "patient_versions", "procedure_versions", "event_versions", "audit"):
        sql = store.db.conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
        assert sql.rstrip().endswith("STRICT"), table


def _raw_event(store, **over):
    row = {"event_id": "a" * 32, "version": 1, "procedure_id": "P1", "kind": "act", "data": json.dumps({"act_s": 250}),
           "occurred_at": "2026-11-21T09:00:00Z", "recorded_at": "2026-11-21T09:00:00Z", "recorded_by": "x",
           "workstation": "w", "voided": 0}
    row.update(over)
    cols = ", ".join(row)
    store.engine.execute(f"INSERT INTO event_versions ({cols}) VALUES ({', '.join('?' * len(row))})",
                         list(row.values()))


@pytest.mark.parametrize("data", [
    {"act_s": 5000}, {"act_s": 0}, {"act_s": "250"}, {"act_s": 250.5}, {}, {"act_device": "hemochron"},
    {"act_s": 250, "act_device": "toaster"},
])
def test_check_constraints_refuse_what_validation_refuses(store, data):
    with pytest.raises(REFUSED):
        _raw_event(store, data=json.dumps(data))


def test_check_constraints_accept_a_good_row_and_refuse_bad_columns(store):
    _raw_event(store)
    with pytest.raises(REFUSED):
        _raw_event(store, event_id="b" * 32, occurred_at="yesterday")
    with pytest.raises(REFUSED):
        _raw_event(store, event_id="c" * 32, version=2)  # a second version needs a reason
    with pytest.raises(REFUSED):
        _raw_event(store, event_id="d" * 32, kind="act", data=json.dumps({"text": "note in an act"}))


def test_patient_check_constraints(store):
    row = {"patient_id": "p" * 32, "version": 1, "mrn_norm": "x", "mrn": "X", "family_name": "Doe",
           "birth_date": "1950-01-01", "sex": "female", "changed_at": "2026-11-21T09:00:00Z", "changed_by": "n"}
    for bad in ({"weight_kg": 500.0}, {"sex": "robot"}, {"birth_date": "1950-02-30"}, {"weight_kg": "heavy"}):
        r = {**row, **bad}
        with pytest.raises(REFUSED):
            store.engine.execute(f"INSERT INTO patient_versions ({', '.join(r)}) VALUES ({', '.join('?' * len(r))})",
                                 list(r.values()))


@pytest.mark.sqlite_only(reason=TRIGGERS)
def test_every_append_only_table_has_its_triggers(store):
    names = {r[0] for r in store.db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    for table in schema.APPEND_ONLY_TABLES:
        assert {f"{table}_no_update", f"{table}_no_delete"} <= names, table


@pytest.mark.sqlite_only(reason=TRIGGERS)
@pytest.mark.parametrize("table", schema.APPEND_ONLY_TABLES[:5])
def test_record_and_audit_rows_refuse_update_and_delete(services, nurse, table):
    open_case(services, nurse)
    services.cases.record_event(nurse, services.cases.list_cases(nurse)[0].procedure_id, "act", {"act_s": 250})
    conn = services.store.db.conn
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(f"UPDATE {table} SET rowid = rowid")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(f"DELETE FROM {table}")


@pytest.mark.sqlite_only(reason=TRIGGERS)
def test_raw_audit_tampering_from_another_connection_fails(services, nurse):
    open_case(services, nurse)
    other = sqlite3.connect(services.store.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        other.execute("UPDATE audit SET username = 'mallory'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        other.execute("DELETE FROM audit")


@pytest.mark.sqlite_only(reason=SQLITE_DDL)
def test_schema_checks_match_the_data_dictionary(store):
    """A change to a hard limit needs a migration: the stored CHECK must equal
    what the current specs generate."""
    sql = store.db.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'event_versions'").fetchone()[0]
    assert schema.event_data_check() in sql
    psql = store.db.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'patient_versions'").fetchone()[0]
    for spec in PATIENT_FIELDS:
        assert schema._column(spec) in psql


@pytest.mark.parametrize("name, text, kind", [
    ("SQLITE_FULL", "database or disk is full", "DiskFull"),
    ("SQLITE_BUSY", "database is locked", "DatabaseLocked"),
    ("SQLITE_READONLY", "attempt to write a readonly database", "ReadOnlyDatabase"),
    ("SQLITE_CORRUPT", "database disk image is malformed", "CorruptDatabase"),
    ("SQLITE_NOTADB", "file is not a database", "CorruptDatabase"),
    ("SQLITE_CANTOPEN", "unable to open database file", "DatabaseUnavailable"),
    ("SQLITE_CONSTRAINT_TRIGGER", "audit rows are append-only", "Conflict"),
])
def test_sqlite_errors_are_translated(name, text, kind):
    exc = sqlite3.OperationalError(text)
    exc.sqlite_errorname = name
    assert type(translate(exc)).__name__ == kind


def test_unknown_sqlite_errors_are_bugs():
    exc = sqlite3.OperationalError("no such column: foo")
    exc.sqlite_errorname = "SQLITE_ERROR"
    assert translate(exc) is None


@pytest.mark.sqlite_only(reason="fills the file (max_page_count); a server's full disk is its IT's alarm")
def test_disk_full_is_a_named_error_and_nothing_is_half_written(services, nurse):
    proc = open_case(services, nurse)
    conn = services.store.db.conn
    before = conn.execute("SELECT count(*) FROM event_versions").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    from cathlog.domain.errors import DiskFull
    with pytest.raises(DiskFull, match="not saved"):
        for _ in range(200):
            services.cases.record_event(nurse, proc.procedure_id, "note", {"text": "x" * 3000})
    conn.execute("PRAGMA max_page_count = 1073741823")
    after = conn.execute("SELECT count(*) FROM event_versions").fetchone()[0]
    audits = conn.execute("SELECT count(*) FROM audit WHERE action = 'record_event'").fetchone()[0]
    assert after - before == audits  # every saved entry has its audit row, no orphan either way
    assert services.store.integrity_check() == []


def test_record_rows_cannot_be_rewritten_through_a_conflict(services, nurse):
    proc = open_case(services, nurse)
    ev = services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 250})
    from cathlog.store import records
    with pytest.raises(Conflict):
        with services.store.write():
            records.insert_event_version(services.store, ev)  # same (event_id, version) again


@pytest.mark.sqlite_only(reason=SQLITE_DDL)
def test_schema_is_frozen(store):
    """The schema a fresh database gets must equal the committed snapshot.

    The CHECK constraints are generated from the data dictionary, so editing a
    limit or a field silently changes what *new* databases get while existing
    ones keep the old schema. If this fails: add a named migration that moves
    existing databases to the new schema, then regenerate tests/data/schema.sql.
    """
    from pathlib import Path

    rows = store.db.conn.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                                 "AND name NOT LIKE '_sqlite%' ORDER BY type, name").fetchall()
    current = "".join(f"-- {t} {n}\n{sql};\n\n" for t, n, sql in rows)
    assert current == (Path(__file__).parents[1] / "data" / "schema.sql").read_text()


@pytest.mark.sqlite_only(reason=MIGRATIONS)
def test_a_version_1_database_is_migrated(tmp_path):
    """A file made by the first release gets the later migrations, in one transaction."""
    from tests.helpers import make_v1_database

    path = make_v1_database(tmp_path / "v1.db")
    store = Store.open(path)
    try:
        assert store.db.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert "reminder_versions" in store.db.table_names()
    finally:
        store.close()


def test_the_newest_frozen_entry_check_is_the_data_dictionarys():
    """A field change (limits, choices, a new field) needs a migration with a new frozen
    CHECK (cathlog/store/event_checks.py); the migrations themselves never change."""
    from cathlog.store import event_checks

    newest = max(n for n in dir(event_checks) if n.startswith("CHECK_"))
    assert getattr(event_checks, newest) == schema.event_data_check()
    assert f"CHECK_{schema.SCHEMA_VERSION:04d}" >= newest


@pytest.mark.sqlite_only(reason=MIGRATIONS)
def test_migration_0010_rebuilds_the_entry_table_keeping_every_row_and_trigger(tmp_path):
    from cathlog.domain import errors

    """Issue 11 item 13: the device removal states and link reach existing files; the
    rows, their ids, the append-only triggers and the current_events view survive."""
    import json

    import sqlite_utils

    path = tmp_path / "v9.db"
    db = sqlite_utils.Database(path)
    schema.migrations.apply(db, stop_before="0010_device_removal")  # a file made before 0010
    db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    db.execute("PRAGMA user_version = 9")
    row = {"row_id": 41, "event_id": "e" * 32, "version": 1, "procedure_id": "P1", "kind": "device",
           "data": json.dumps({"device_type": "ivc_filter_retrievable", "state": "implanted", "lot": "L1"}),
           "occurred_at": "2026-11-21T09:00:00Z", "recorded_at": "2026-11-21T09:00:00Z", "recorded_by": "nurse",
           "performed_by": None, "workstation": "lab", "voided": 0, "reason": None}
    db.table("event_versions").insert(row)
    removal = {**row, "row_id": 42, "event_id": "f" * 32,
               "data": json.dumps({"device_type": "ivc_filter_retrievable", "state": "retrieved",
                                   "removes_event_id": "e" * 32})}
    with pytest.raises(sqlite3.IntegrityError):  # the old CHECK knows no "retrieved"
        db.table("event_versions").insert(removal)
    db.conn.commit()
    db.conn.close()
    store = Store.open(path)
    try:
        conn = store.db.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert [dict(r) for r in store.db.query("SELECT * FROM event_versions")] == [row]
        with store.write():
            store.db.table("event_versions").insert(removal)
        assert {r[0] for r in conn.execute("SELECT event_id FROM current_events")} == {"e" * 32, "f" * 32}
        # The triggers of 0008 (new detail keys) and 0009 (real times) came back with the new table.
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                            "AND tbl_name = 'event_versions'")}
        assert {"event_versions_occurred_at_real_time", "event_versions_recorded_at_real_time"} <= names
        with pytest.raises((sqlite3.IntegrityError, errors.ValidationError, errors.CathlogError)):
            with store.write():
                store.db.table("event_versions").insert({**removal, "row_id": 44, "event_id": "b" * 32,
                                                          "occurred_at": "2026-02-30T09:00:00Z"})
        with pytest.raises((sqlite3.IntegrityError, errors.ValidationError)):
            with store.write():
                store.db.table("event_versions").insert({**removal, "row_id": 43, "event_id": "a" * 32,
                                                          "data": json.dumps({"device_type": "des",
                                                                              "state": "lost"})})
        with pytest.raises((sqlite3.DatabaseError, errors.Conflict), match="append-only"):
            with store.write():
                conn.execute("UPDATE event_versions SET voided = 1 WHERE row_id = 41")
    finally:
        store.close()
