"""Accounts, Argon2id hashes, lockout, the last admin (reliability S1, S2)."""

import pytest
from argon2 import extract_parameters

from cathlog.domain.enums import Role
from cathlog.domain.errors import AuthenticationFailed, Conflict, ValidationError
from cathlog.services.auth import MAX_FAILED_SIGN_INS
from cathlog.store import audit
from cathlog.store import users as user_store
from tests.conftest import PASSWORD

pytestmark = pytest.mark.backends


def test_password_hash_is_argon2id_above_owasp_minimum(store, clock):
    from cathlog.services import Services

    Services(store, clock).auth.create_first_admin("admin", "Ada Admin", PASSWORD)  # the production hasher
    stored = user_store.password_hash(store, "admin")
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert params.memory_cost >= 19456 and params.time_cost >= 2 and params.parallelism >= 1
    assert PASSWORD not in stored


def test_first_admin_only_once(services, admin):
    with pytest.raises(Conflict, match="already has users"):
        services.auth.create_first_admin("other", "Other", PASSWORD)


def test_password_policy(services, admin):
    with pytest.raises(ValidationError, match="at least 8"):
        services.auth.add_user(admin, "n2", "N", Role.NURSE, "short")
    with pytest.raises(ValidationError, match="not be the user name"):
        services.auth.add_user(admin, "nurse.kate", "N", Role.NURSE, "Nurse.Kate")
    with pytest.raises(ValidationError, match="user name"):
        services.auth.add_user(admin, "Bad Name", "N", Role.NURSE, PASSWORD)


def test_sign_in_and_lockout_after_repeated_failures(services, admin, nurse):
    for _ in range(MAX_FAILED_SIGN_INS):
        with pytest.raises(AuthenticationFailed, match="wrong user name or password"):
            services.auth.sign_in("nurse", "not the password")
    # Issue 13 item 15: the same message as a wrong password; the reason is in the audit trail only.
    with pytest.raises(AuthenticationFailed, match="wrong user name or password"):
        services.auth.sign_in("nurse", PASSWORD)
    failed = [r for r in audit.rows(services.store) if r.action == "sign_in_failed" and r.entity_id == "nurse"]
    assert len(failed) == MAX_FAILED_SIGN_INS + 1
    assert failed[-1].reason.startswith("refused unchecked: waiting")
    services.auth.reset_password(admin, "nurse", "a new long password")
    assert services.auth.sign_in("nurse", "a new long password").role is Role.NURSE


def test_unknown_user_fails_like_a_wrong_password(services, admin):
    with pytest.raises(AuthenticationFailed, match="wrong user name or password"):
        services.auth.sign_in("ghost", PASSWORD)


def test_disabled_account_cannot_sign_in_and_is_kept(services, admin, nurse):
    services.auth.set_active(admin, "nurse", False, reason="left the unit")
    with pytest.raises(AuthenticationFailed, match="wrong user name or password"):
        services.auth.sign_in("nurse", PASSWORD)
    assert [r.reason for r in audit.rows(services.store) if r.action == "sign_in_failed"] == ["account disabled"]
    assert [u.username for u in services.auth.list_users(admin)] == ["admin", "nurse"]


def test_last_admin_is_protected(services, admin):
    with pytest.raises(Conflict, match="last active admin"):
        services.auth.set_active(admin, "admin", False)
    with pytest.raises(Conflict, match="last active admin"):
        services.auth.set_role(admin, "admin", Role.NURSE)


def test_set_role_is_audited(services, admin, nurse):
    services.auth.set_role(admin, "nurse", Role.PHYSICIAN, reason="promoted")
    assert services.auth.sign_in("nurse", PASSWORD).role is Role.PHYSICIAN
    (row,) = [r for r in audit.rows(services.store) if r.action == "set_role"]
    assert row.old_value == '{"role":"nurse"}' and row.new_value == '{"role":"physician"}'
