"""Change my password (issue 12 item 2): any role, the old password checked as at sign-in (a wrong
one counts towards the sign-in delay), the same rules for the new one, audited without the password."""

import pytest

from cathlog.domain.errors import AuthenticationFailed, Conflict, PermissionDenied, ValidationError
from cathlog.services.auth import MAX_FAILED_SIGN_INS
from cathlog.store import audit
from tests.conftest import PASSWORD

pytestmark = pytest.mark.backends

NEW = "a brand new long password"


@pytest.mark.parametrize("who", ["admin", "nurse", "physician"])
def test_every_role_changes_its_own_password(services, request, who):
    actor = request.getfixturevalue(who)
    services.auth.change_own_password(actor, PASSWORD, NEW)
    with pytest.raises(AuthenticationFailed):
        services.auth.sign_in(actor.username, PASSWORD)
    assert services.auth.sign_in(actor.username, NEW).username == actor.username
    rows = [r for r in audit.rows(services.store) if r.action == "change_own_password"]
    assert [(r.username, r.entity_id) for r in rows] == [(actor.username, actor.username)]
    assert all(NEW not in str(v) and PASSWORD not in str(v) for r in rows for v in (r.old_value, r.new_value, r.reason))


def test_a_wrong_old_password_is_refused_counted_and_delayed(services, nurse):
    for _ in range(MAX_FAILED_SIGN_INS):
        with pytest.raises(AuthenticationFailed, match="old password is wrong"):
            services.auth.change_own_password(nurse, "not my password", NEW)
    failed = [r for r in audit.rows(services.store) if r.action == "sign_in_failed" and r.entity_id == "nurse"]
    assert len(failed) == MAX_FAILED_SIGN_INS and "changing their own password" in failed[-1].reason
    # Now the sign-in delay applies: even the right old password waits, and sign-in waits too.
    with pytest.raises(AuthenticationFailed, match="must wait"):
        services.auth.change_own_password(nurse, PASSWORD, NEW)
    with pytest.raises(AuthenticationFailed):
        services.auth.sign_in("nurse", PASSWORD)
    assert not [r for r in audit.rows(services.store) if r.action == "change_own_password"]


def test_the_delay_ends_and_a_change_clears_the_count(services, nurse, clock):
    for _ in range(MAX_FAILED_SIGN_INS + 1):
        with pytest.raises(AuthenticationFailed):
            services.auth.change_own_password(nurse, "not my password", NEW)
    clock.advance(minutes=20)
    services.auth.change_own_password(nurse, PASSWORD, NEW)
    assert services.auth.sign_in_wait_s("nurse") == 0
    assert services.auth.sign_in("nurse", NEW).username == "nurse"


def test_the_new_password_follows_the_rules(services, nurse):
    with pytest.raises(ValidationError, match="at least 8"):
        services.auth.change_own_password(nurse, PASSWORD, "short")
    with pytest.raises(ValidationError, match="not be the user name"):
        services.auth.change_own_password(nurse, PASSWORD, "Nurse")
    with pytest.raises(Conflict, match="same as the old one"):
        services.auth.change_own_password(nurse, PASSWORD, PASSWORD)
    assert services.auth.sign_in("nurse", PASSWORD).username == "nurse"  # unchanged after refusals


def test_a_disabled_account_cannot_change_its_password(services, admin, nurse):
    services.auth.set_active(admin, "nurse", False, reason="left")
    with pytest.raises(PermissionDenied):
        services.auth.change_own_password(nurse, PASSWORD, NEW)
