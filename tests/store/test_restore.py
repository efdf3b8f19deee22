"""Restore cannot be abused (issue 13 item 1): a crafted backup or live file is
refused by name, the live file untouched; and the restore itself writes into the
open database, keeps the replaced content, and tells other windows (item 2)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from cathlog.domain.enums import Role
from cathlog.services import Services
from cathlog.store import audit
from cathlog.store import backup as backups
from cathlog.store.db import Store
from cathlog.store.schema import SCHEMA_VERSION
from cathlog.store.schema_check import SchemaMismatch, differences, harden, normalise_sql, reference_schema
from tests.conftest import FAST_HASHER, PASSWORD
from tests.helpers import make_v1_database, open_case

pytestmark = pytest.mark.sqlite_only(reason="restore replaces a database file's content and checks files crafted with sqlite3")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _edit(path: Path, *statements: str) -> None:
    """Change a file the way an attacker with a SQLite shell would."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA trusted_schema = ON")
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


EVIL_TRIGGER = ("CREATE TRIGGER evil AFTER INSERT ON audit BEGIN "
                "DELETE FROM event_versions WHERE kind = 'medication'; "
                "UPDATE users SET role = 'admin' WHERE username = 'nurse'; END")
ATTACKS = {
    "extra trigger": ((EVIL_TRIGGER,), ["extra trigger evil"]),
    "extra trigger, append-only guard dropped": (
        ("DROP TRIGGER event_versions_no_delete", EVIL_TRIGGER),
        ["extra trigger evil", "missing trigger event_versions_no_delete"]),
    "replaced view": (
        ("DROP VIEW current_procedures",
         "CREATE VIEW current_procedures AS SELECT * FROM procedure_versions AS v WHERE category != 'venous' AND "
         "NOT EXISTS (SELECT 1 FROM procedure_versions AS n WHERE n.procedure_id = v.procedure_id "
         "AND n.version > v.version)"),
        ["changed view current_procedures"]),
    "no audit table": (("DROP TABLE audit",), ["missing table audit"]),
    "extra index": (("CREATE INDEX sneaky ON users (role)",), ["extra index sneaky"]),
    "extra table": (("CREATE TABLE notes (x)",), ["extra table notes"]),
}


@pytest.fixture
def live(services, admin, nurse):
    """A live database with one case and an entry, fully checkpointed so its bytes can be compared."""
    proc = open_case(services, nurse)
    services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 250})
    return services


def _checkpointed_sha(services: Services) -> str:
    services.store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return _sha(services.store.path)


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_crafted_backup_is_refused_by_name_and_the_live_file_untouched(tmp_path, live, admin, nurse, attack):
    statements, named = ATTACKS[attack]
    crafted = live.admin.backup(admin, tmp_path / "crafted.db").path
    _edit(crafted, *statements)
    backups_before = sorted(p.name for p in live.store.path.parent.iterdir())
    before = _checkpointed_sha(live)
    with pytest.raises(SchemaMismatch) as caught:
        live.admin.restore(admin, crafted)
    assert set(named) <= set(caught.value.differences)
    for name in named:
        assert name in str(caught.value)
    assert _checkpointed_sha(live) == before
    assert sorted(p.name for p in live.store.path.parent.iterdir()) == backups_before  # no kept copy, no leftovers
    assert "restore" not in [r.action for r in audit.rows(live.store)]
    assert live.auth.sign_in("nurse", PASSWORD).role is Role.NURSE


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_crafted_file_is_refused_as_the_live_database(tmp_path, live, admin, attack):
    statements, named = ATTACKS[attack]
    crafted = live.admin.backup(admin, tmp_path / "crafted.db").path
    _edit(crafted, *statements)
    before = _sha(crafted)
    with pytest.raises(SchemaMismatch) as caught:
        Store.open(crafted)
    assert set(named) <= set(caught.value.differences)
    with pytest.raises(SchemaMismatch):
        Store.open(crafted, read_only=True)
    assert _sha(crafted) == before and not Path(f"{crafted}-wal").exists()


def test_a_changed_table_definition_is_refused(tmp_path, live, admin):
    """A CHECK constraint removed through writable_schema (integrity_check still says ok)."""
    crafted = live.admin.backup(admin, tmp_path / "crafted.db").path
    conn = sqlite3.connect(crafted)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'users'").fetchone()[0]
    weaker = sql.replace("CHECK (password_hash GLOB '$argon2id$*')", "")
    assert weaker != sql
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'users'", [weaker])
    conn.commit()
    conn.close()
    with pytest.raises(SchemaMismatch, match="changed table users"):
        backups.verify_file(crafted)
    with pytest.raises(SchemaMismatch, match="changed table users"):
        live.admin.restore(admin, crafted)


def test_the_attack_is_real_without_the_check(tmp_path, live, admin, nurse):
    """The crafted trigger fires on the next audited action if the file is used: what the check prevents."""
    crafted = live.admin.backup(admin, tmp_path / "crafted.db").path
    _edit(crafted, EVIL_TRIGGER)
    conn = sqlite3.connect(crafted)
    conn.execute("INSERT INTO audit SELECT seq + 1000, at, username, workstation, action, entity, entity_id, "
                 "procedure_id, old_value, new_value, reason, prev_hash, hex(randomblob(32)) FROM audit LIMIT 1")
    assert conn.execute("SELECT role FROM users WHERE username = 'nurse'").fetchone()[0] == "admin"
    conn.close()


def test_whitespace_is_normalised_outside_quotes_only():
    assert normalise_sql("CREATE  TABLE\n  t (x  TEXT)") == "CREATE TABLE t (x TEXT)"
    assert normalise_sql("CHECK (x = 'a  b')") == "CHECK (x = 'a  b')"
    assert normalise_sql("CHECK (x = 'a  b')") != normalise_sql("CHECK (x = 'a b')")
    assert normalise_sql('CREATE VIEW "a  b" AS  SELECT 1') == 'CREATE VIEW "a  b" AS SELECT 1'
    assert normalise_sql(None) is None


def test_a_fresh_and_a_migrated_database_match_their_reference(tmp_path, store):
    assert differences(store.db.conn, SCHEMA_VERSION) == []
    v1 = make_v1_database(tmp_path / "v1.db")
    conn = sqlite3.connect(v1)
    assert differences(conn, 1) == []
    conn.close()
    Store.open(v1).close()  # migrates to the current version
    reopened = Store.open(v1)  # and is accepted as such
    try:
        assert differences(reopened.db.conn, SCHEMA_VERSION) == []
    finally:
        reopened.close()
    assert set(reference_schema(1)) < set(reference_schema(SCHEMA_VERSION))


def test_analyze_statistics_are_not_a_difference(tmp_path, live):
    live.store.db.conn.execute("ANALYZE")
    live.store.db.conn.commit()
    assert differences(live.store.db.conn, SCHEMA_VERSION) == []


def test_connections_are_hardened_where_sqlite_allows(store):
    untrusted, defensive = harden(store.db.conn)
    trusted = store.db.conn.execute("PRAGMA trusted_schema").fetchone()[0]
    assert trusted == (0 if untrusted else 1)
    assert defensive == hasattr(store.db.conn, "setconfig")
    if sqlite3.sqlite_version_info >= (3, 41, 0):
        assert untrusted


def test_restore_keeps_a_verified_copy_and_audits_in_the_same_commit(tmp_path, live, admin, nurse):
    first = live.cases.list_cases(nurse)[0].procedure_id
    copy = live.admin.backup(admin, tmp_path / "copy.db").path
    second = open_case(live, nurse, "B").procedure_id
    kept = live.admin.restore(admin, copy)
    assert kept.name.startswith(f"{live.store.path.name}.replaced-")
    backups.verify_file(kept)  # the replaced content is itself a verified backup
    old = sqlite3.connect(kept)
    assert {r[0] for r in old.execute("SELECT DISTINCT procedure_id FROM procedure_versions")} == {first, second}
    old.close()
    assert [c.procedure_id for c in live.cases.list_cases(nurse)] == [first]
    (row,) = [r for r in audit.rows(live.store) if r.action == "restore"]
    assert kept.name in row.new_value and "copy.db" in row.new_value
    assert audit.verify_chain(live.store).ok and live.store.integrity_check() == []
    leftovers = [p.name for p in live.store.path.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    # the kept copy can be restored in turn: nothing is ever lost for good
    live.admin.restore(admin, kept)
    assert {c.procedure_id for c in live.cases.list_cases(nurse)} == {first, second}


def test_every_open_window_sees_the_restore_and_learns_of_it(tmp_path, live, admin, nurse):
    other = Services(Store.open(live.store.path), clock=live.admin.clock, hasher=FAST_HASHER)  # a second window
    try:
        replaced, token = other.admin.database_replaced_since(None)
        assert not replaced
        assert other.admin.database_replaced_since(token) == (False, token)
        copy = live.admin.backup(admin, tmp_path / "copy.db").path
        open_case(other, nurse, "B")
        assert len(live.cases.list_cases(nurse)) == 2
        live.admin.restore(admin, copy)
        replaced, new_token = other.admin.database_replaced_since(token)
        assert replaced and new_token != token
        assert len(other.cases.list_cases(nurse)) == 1  # the other window reads the restored content
        open_case(other, nurse, "C")  # and writes into the live database, not into a file set aside
        assert len(live.cases.list_cases(nurse)) == 2
        assert other.admin.database_replaced_since(new_token) == (False, new_token)
    finally:
        other.store.close()


def test_an_older_backup_is_migrated_before_it_is_copied_in(tmp_path, live, admin):
    v1 = make_v1_database(tmp_path / "v1.db")
    kept = live.admin.restore(admin, v1)
    assert kept.exists()
    conn = live.store.db.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert differences(conn, SCHEMA_VERSION) == []
    assert [r.action for r in audit.rows(live.store)] == ["key_audit_chain", "restore"]  # migration 0006 keys the old chain
    assert v1.exists() and sqlite3.connect(v1).execute("PRAGMA user_version").fetchone()[0] == 1  # source untouched


def test_restore_into_a_read_only_window_is_refused(tmp_path, live, admin):
    from cathlog.domain.errors import ReadOnlyDatabase

    copy = live.admin.backup(admin, tmp_path / "copy.db").path
    live.store.stop_writing()
    with pytest.raises(ReadOnlyDatabase):
        live.admin.restore(admin, copy)


def test_a_failure_to_keep_the_old_content_cancels_the_restore(tmp_path, live, admin, nurse, monkeypatch):
    from cathlog.domain.errors import DiskFull

    copy = live.admin.backup(admin, tmp_path / "copy.db").path
    open_case(live, nurse, "B")
    before = {c.procedure_id for c in live.cases.list_cases(nurse)}

    def full(live_path, kept):
        raise DiskFull("The disk is full.")

    monkeypatch.setattr(backups, "_keep_copy", full)
    with pytest.raises(DiskFull):
        live.admin.restore(admin, copy)
    assert {c.procedure_id for c in live.cases.list_cases(nurse)} == before  # the half-copied pages rolled back
    assert live.store.integrity_check() == [] and "restore" not in [r.action for r in audit.rows(live.store)]
    open_case(live, nurse, "C")  # and the window keeps saving
    assert not [p for p in live.store.path.parent.iterdir() if ".replaced-" in p.name or p.name.startswith(".")]


@pytest.mark.parametrize("folder", ["Lab #2", "what?", "100% sure", "Zoë 李"])
def test_backup_and_restore_in_folders_with_uri_characters(tmp_path, folder):
    path = tmp_path / folder / "cathlog.db"
    path.parent.mkdir()
    services = Services(Store.open(path), hasher=FAST_HASHER)
    try:
        admin = services.auth.create_first_admin("admin", "Admin", PASSWORD)
        copy = services.admin.backup(admin, tmp_path / folder / "copy.db").path
        services.auth.add_user(admin, "nurse", "Nurse", Role.NURSE, PASSWORD)
        kept = services.admin.restore(admin, copy)
        assert [u.username for u in services.auth.list_users(admin)] == ["admin"]
        assert sqlite3.connect(kept).execute("SELECT count(*) FROM users").fetchone()[0] == 2
        assert not list(tmp_path.glob("*.db"))  # nothing written beside the folder by a mis-parsed URI
    finally:
        services.store.close()
