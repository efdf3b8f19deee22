"""The PostgreSQL back end on a real server (tests/pg.py): each test its own database made from the
template, the schema version recorded as SQLite's, the roles as documented (docs/multi-room.md)."""

import psycopg
import pytest

from cathlog.store import schema
from cathlog.store.pg import schema as pg_schema
from cathlog.store.pg import walls
from tests.pg import OWNER_ROLE, RUNTIME_ROLE


def test_each_test_gets_a_fresh_database_made_from_the_template(pg_db, pg_cluster):
    with psycopg.connect(pg_db.app_url) as conn:
        assert conn.execute("SELECT current_database(), current_user").fetchone() == (pg_db.name, RUNTIME_ROLE)
        assert conn.execute("SELECT count(*) FROM audit").fetchone() == (0,)
        meta = dict(conn.execute("SELECT key, value FROM cathlog_meta").fetchall())
    assert meta == {"application_id": str(schema.APPLICATION_ID), "schema_version": str(schema.SCHEMA_VERSION)}
    other = pg_cluster.new_database()
    try:
        assert other.name != pg_db.name
    finally:
        pg_cluster.drop_database(other)


def test_the_baseline_is_recorded_under_sqlites_number_and_installing_again_changes_nothing(pg_db):
    with psycopg.connect(pg_db.owner_url) as conn:
        recorded = [(16, "0016_baseline (SQLite migrations 0001-0016)"), (17, "0017_audit_month")]
        assert conn.execute("SELECT number, name FROM cathlog_migrations ORDER BY number").fetchall() == recorded
        assert pg_schema.install(conn, runtime_role=RUNTIME_ROLE) == schema.SCHEMA_VERSION
        assert conn.execute("SELECT count(*) FROM cathlog_migrations").fetchone() == (len(recorded),)


def test_a_server_at_the_baseline_is_refused_then_brought_up_to_date_by_the_owner(pg_cluster, monkeypatch):
    """A database installed by the release before migration 0017 (schema 16): a workstation refuses it by
    name; the owner's install runs the later migrations in order and records each."""
    from cathlog.domain.errors import NewerSchema
    from cathlog.store.db import Store

    database = pg_cluster.new_database(empty=True)
    try:
        with psycopg.connect(database.owner_url) as conn:
            monkeypatch.setattr(pg_schema, "MIGRATIONS", ())
            assert pg_schema.install(conn, runtime_role=RUNTIME_ROLE) == 16
            monkeypatch.undo()
        with pytest.raises(NewerSchema, match="at schema 16; the owner role must update it to 17"):
            Store.open_server(database.app_url)
        with psycopg.connect(database.owner_url) as conn:
            assert pg_schema.install(conn, runtime_role=RUNTIME_ROLE) == 17
            assert conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'audit_month'").fetchone() == (
                "CREATE INDEX audit_month ON public.audit USING btree (substr(at, 1, 7), seq)",)
            assert conn.execute("SELECT value FROM cathlog_meta WHERE key = 'schema_version'").fetchone() == ("17",)
        Store.open_server(database.app_url).close()
    finally:
        pg_cluster.drop_database(database)


def test_the_runtime_role_owns_nothing_and_the_owner_owns_every_table(pg_db):
    with psycopg.connect(pg_db.owner_url) as conn:
        owners = dict(conn.execute("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'"))
    assert set(owners.values()) == {OWNER_ROLE}
    assert set(walls.APPEND_ONLY_TABLES) <= set(owners)
