"""The walls on the server (issue 17 item 2): the runtime role cathlog connects as cannot change or remove
any version or audit row, even with raw SQL (privileges: it may only SELECT and INSERT, owns nothing, so it
cannot disable a trigger either); the owner, used for migrations only, is stopped by the append-only
triggers (UPDATE, DELETE per row, TRUNCATE per statement). And the engine turns the server's refusals into
cathlog's named errors."""

import psycopg
import pytest

from cathlog.domain.errors import Conflict, DatabaseUnavailable, ValidationError
from cathlog.store.db import Store
from cathlog.paths import redacted_url as redacted
from cathlog.store.engine import is_url, to_pyformat
from cathlog.store.pg.walls import APPEND_ONLY_TABLES
from tests.store.pg_rows import event_row, insert_sql, record_rows


# A column of each table an UPDATE may name (any: the point is that it is refused).
_COLUMN = {"audit": "seq", "patient_mrns": "patient_id", "signature_events": "seq", "seals": "seq",
           "dose_reports": "sender", "dose_report_files": "size"}


@pytest.fixture
def filled(pg_db):
    """One row in every append-only table, inserted by the runtime role."""
    with psycopg.connect(pg_db.app_url, autocommit=True) as conn:
        for table, row in record_rows().items():
            conn.execute(*insert_sql(table, row, "%s"))
    return pg_db


def test_every_version_and_audit_table_is_walled():
    assert set(APPEND_ONLY_TABLES) == set(record_rows())


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_the_runtime_role_cannot_update_delete_truncate_or_disable_the_triggers(filled, table):
    statements = {
        "UPDATE": f"UPDATE {table} SET {_COLUMN.get(table, 'version')} = {_COLUMN.get(table, 'version')}",
        "DELETE": f"DELETE FROM {table}",
        "TRUNCATE": f"TRUNCATE {table}",
        "DISABLE TRIGGER": f"ALTER TABLE {table} DISABLE TRIGGER ALL",
        "DROP": f"DROP TABLE {table}",
    }
    with psycopg.connect(filled.app_url, autocommit=True) as conn:
        before = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        for verb, sql in statements.items():
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == before == (1,)


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_even_the_owner_is_stopped_by_the_append_only_triggers(filled, table):
    column = _COLUMN.get(table, "version")
    with psycopg.connect(filled.owner_url, autocommit=True) as conn:
        # CASCADE: a table another references (a dose report's file) is truncated only together with it
        for sql in (f"UPDATE {table} SET {column} = {column}", f"DELETE FROM {table}", f"TRUNCATE {table} CASCADE"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(sql)
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (1,)


def test_users_are_never_deleted_and_a_removed_account_stays_removed(pg_db):
    user = {"username": "nina", "display_name": "Nina", "role": "nurse", "password_hash": "$argon2id$v=19$x",
            "created_at": "2026-11-21T09:00:00Z"}
    with psycopg.connect(pg_db.app_url, autocommit=True) as conn:
        conn.execute(*insert_sql("users", user, "%s"))
        conn.execute("UPDATE users SET failed_logins = failed_logins + 1 WHERE username = 'nina'")  # allowed
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM users")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE users SET created_at = '2020-01-01T00:00:00Z'")  # not an account-state column
        conn.execute("UPDATE users SET active = 0, removed_at = '2026-11-22T09:00:00Z'")
        with pytest.raises(psycopg.errors.RaiseException, match="removed account"):
            conn.execute("UPDATE users SET active = 1")
    with psycopg.connect(pg_db.owner_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="never deleted"):
            conn.execute("DELETE FROM users")


def test_the_engine_names_the_servers_refusals(filled):
    store = Store.open(filled.app_url)
    try:
        assert store.backend == "postgresql"
        with pytest.raises(ValidationError, match="refused the values"):
            with store.write():
                store.engine.insert("event_versions", event_row("act", {"act_s": 2000}))
        with pytest.raises(ValidationError, match="refused the values"):  # not JSON at all: 22P02
            with store.write():
                store.engine.insert("event_versions", event_row("note", "{not json"))
        with pytest.raises(Conflict, match="already exists"):
            with store.write():
                store.engine.insert("patient_mrns", {"mrn_norm": "MRN1", "patient_id": "f" * 32})
        with pytest.raises(Conflict, match="may only read and append"):
            with store.write():
                store.engine.execute("DELETE FROM event_versions WHERE procedure_id = ?", ["P1"])
        assert store.engine.scalar("SELECT count(*) FROM event_versions") == 1
    finally:
        store.close()


def test_an_unreachable_server_is_named_without_its_password(tmp_path):
    url = f"postgresql://cathlog_app:s3cret@/cathlog?host={tmp_path}&port=1"
    with pytest.raises(DatabaseUnavailable, match="cannot connect to the database server") as caught:
        Store.open(url)
    assert "s3cret" not in str(caught.value) and "***" in str(caught.value)
    assert redacted("postgresql://a:b@h:5/d") == "postgresql://a:***@h:5/d"


def test_urls_and_files_are_told_apart():
    assert is_url("postgresql://h/db") and is_url("POSTGRES://h/db")
    assert not is_url("cathlog.db") and not is_url("/data/postgresql/cathlog.db") and not is_url(None)


def test_placeholders_convert_outside_quotes_and_literal_percents_are_kept():
    assert to_pyformat("SELECT ? WHERE a LIKE 'x%?' AND \"b?\" = ?") == (
        "SELECT %s WHERE a LIKE 'x%%?' AND \"b?\" = %s")


def test_check_reports_a_disabled_trigger_and_a_connection_as_the_owner(pg_db):
    store = Store.open(pg_db.app_url)
    try:
        assert store.integrity_check() == []
        with psycopg.connect(pg_db.owner_url, autocommit=True) as owner:
            owner.execute("ALTER TABLE event_versions DISABLE TRIGGER event_versions_append_only")
        assert store.integrity_check() == ["the trigger event_versions_append_only on event_versions is disabled: "
                                           "its rows could be changed or removed"]
    finally:
        store.close()
    as_owner = Store.open(pg_db.owner_url)
    try:
        assert any("the owner of audit" in problem for problem in as_owner.integrity_check())
    finally:
        as_owner.close()


def test_a_writer_waits_for_the_write_lock_a_bounded_time_then_is_told_to_try_again(pg_db):
    from cathlog.domain.errors import DatabaseLocked
    from cathlog.store.engine import LOCK_KEY

    store = Store.open(pg_db.app_url, busy_timeout_ms=200)
    try:
        with psycopg.connect(pg_db.app_url) as other:  # another workstation inside a write
            other.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            with pytest.raises(DatabaseLocked, match="Try again"):
                with store.write():
                    store.engine.insert("event_versions", event_row("note", {"text": "waits"}))
            other.rollback()
        with store.write():  # the lock is free again: the same save goes through
            store.engine.insert("event_versions", event_row("note", {"text": "saved"}))
        assert store.engine.scalar("SELECT count(*) FROM event_versions") == 1
    finally:
        store.close()


def test_a_long_read_streams_from_the_server_a_batch_at_a_time(pg_db):
    """``audit --verify`` walks the whole trail: on the server it must not hold it all in memory."""
    from cathlog.store.pg.engine import STREAM_ROWS, PostgresEngine

    engine = PostgresEngine.connect(pg_db.app_url)
    try:
        rows = engine.rows("SELECT n FROM generate_series(1, ?) AS n", [3 * STREAM_ROWS])
        assert next(rows) == {"n": 1}
        assert engine.scalar("SELECT count(*) FROM pg_cursors") == 1  # a server-side cursor, read as it goes
        assert sum(1 for _ in rows) == 3 * STREAM_ROWS - 1
        assert engine.scalar("SELECT count(*) FROM pg_cursors") == 0  # closed at the end
    finally:
        engine.close()
