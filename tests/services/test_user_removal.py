"""Removing an account created by mistake (issue 12 item 12): only while it recorded
nothing, never a DELETE, audited, and its name never reused."""

import sqlite3

import pytest

from cathlog.domain.enums import Role
from cathlog.domain.errors import AuthenticationFailed, Conflict, NotFound
from tests.conftest import PASSWORD

pytestmark = pytest.mark.backends


def test_a_user_who_only_signed_in_is_removed_kept_and_not_reused(services, admin):
    services.auth.add_user(admin, "typo", "Tpyo Nurse", Role.NURSE, PASSWORD)
    services.auth.sign_in("typo", PASSWORD)  # signing in records nothing
    assert services.auth.what_user_recorded(admin, "typo") == {}
    services.auth.remove_user(admin, "typo", "created by mistake (misspelt)")
    assert "typo" not in [u.username for u in services.auth.list_users(admin)]
    conn = services.store.engine
    assert conn.execute("SELECT active, removed_at FROM users WHERE username = 'typo'").fetchone() == (
        0, "2026-11-21T09:00:00Z")  # the row stays
    (row,) = services.admin.audit_rows(admin, action="remove_user")
    assert row.username == "admin" and row.entity_id == "typo" and row.reason == "created by mistake (misspelt)"
    with pytest.raises(AuthenticationFailed):
        services.auth.sign_in("typo", PASSWORD)
    with pytest.raises(Conflict, match="never given to someone else"):
        services.auth.add_user(admin, "typo", "Someone Else", Role.NURSE, PASSWORD)
    with pytest.raises(NotFound, match="was removed"):
        services.auth.set_active(admin, "typo", True, "back")
    with pytest.raises(Conflict, match="cannot come back"):
        services.auth.recover_admin("typo", PASSWORD)


def test_a_user_who_recorded_anything_is_not_removed(services, admin, nurse):
    with services.store.write():  # the nurse opened a case: a recorded action
        services.auth.audit(nurse, "open_case", "procedure", "P1", procedure_id="P1")
    found = services.auth.what_user_recorded(admin, "nurse")
    assert found == {"audited action 'open_case'": 1}
    with pytest.raises(Conflict, match="recorded 1 audited action 'open_case'.*disable it instead"):
        services.auth.remove_user(admin, "nurse", "mistake")
    assert "nurse" in [u.username for u in services.auth.list_users(admin)]


def test_the_demo_author_and_an_admin_who_acted_are_not_removable(services, admin):
    services.demo.load(admin, 1, seed=1)
    services.auth.add_user(admin, "second", "Second Admin", Role.ADMIN, PASSWORD)
    other = services.auth.sign_in("second", PASSWORD)
    found = services.auth.what_user_recorded(other, "admin")
    assert "audited action 'add_user'" in found
    authors = {u.username: services.auth.what_user_recorded(other, u.username)
               for u in services.auth.list_users(other) if u.role is Role.NURSE}
    assert any(found.get("log entry version", 0) >= 1 for found in authors.values())  # the demo's nurses
    with pytest.raises(Conflict, match="disable it instead"):
        services.auth.remove_user(other, "admin", "mistake")
    with pytest.raises(Conflict, match="your own account"):
        services.auth.remove_user(other, "second", "mistake")


def test_removal_needs_a_reason_and_an_admin(services, admin, nurse):
    services.auth.add_user(admin, "typo", "Typo", Role.NURSE, PASSWORD)
    with pytest.raises(ValueError, match="say why"):
        services.auth.remove_user(admin, "typo", "  ")
    from cathlog.domain.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.auth.remove_user(nurse, "typo", "mistake")


@pytest.mark.sqlite_only(reason="SQLite's triggers; the server's: tests/store/test_pg_walls.py")
def test_the_database_refuses_deleting_or_reviving_a_user(services, admin):
    services.auth.add_user(admin, "typo", "Typo", Role.NURSE, PASSWORD)
    services.auth.remove_user(admin, "typo", "mistake")
    conn = services.store.db.conn
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        conn.execute("DELETE FROM users WHERE username = 'admin'")
    with pytest.raises(sqlite3.IntegrityError, match="removed account cannot be changed"):
        conn.execute("UPDATE users SET removed_at = NULL, active = 1 WHERE username = 'typo'")
    conn.rollback()
