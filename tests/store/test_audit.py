"""The audit chain detects an edit made outside cathlog (reliability S5)."""

import sqlite3

from cathlog.store import audit
from tests.helpers import open_case

import pytest
pytestmark = pytest.mark.backends


def _tamper(path, sql):
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_clean_chain_verifies(services, nurse):
    open_case(services, nurse)
    report = audit.verify_chain(services.store)
    assert report.ok and report.rows_checked >= 4


@pytest.mark.sqlite_only(reason="edits the file with sqlite3; the server's walls: tests/store/test_pg_walls.py")
def test_edited_row_is_named(services, nurse):
    open_case(services, nurse)
    _tamper(services.store.path, "UPDATE audit SET username = 'mallory' WHERE seq = 3")
    report = audit.verify_chain(services.store)
    assert report.first_broken_seq == 3 and "altered" in report.problem


@pytest.mark.sqlite_only(reason="edits the file with sqlite3; the server's walls: tests/store/test_pg_walls.py")
def test_deleted_row_is_named(services, nurse):
    open_case(services, nurse)
    _tamper(services.store.path, "DELETE FROM audit WHERE seq = 2")
    report = audit.verify_chain(services.store)
    assert report.first_broken_seq == 2 and "missing" in report.problem


@pytest.mark.sqlite_only(reason="edits the file with sqlite3; the server's walls: tests/store/test_pg_walls.py")
def test_rehashed_row_breaks_the_link(services, nurse):
    open_case(services, nurse)
    _tamper(services.store.path, "UPDATE audit SET hash = '" + "f" * 64 + "' WHERE seq = 2")
    report = audit.verify_chain(services.store)
    assert report.first_broken_seq == 2
