"""Accounts, issue 13 items 5 and 15: a growing sign-in delay instead of a permanent lock,
counted under the write lock; local admin recovery; one refusal message; nothing typed
into the user field kept; common and non-normalised passwords; display names."""

import threading
import unicodedata

import pytest

from cathlog.domain.enums import Role
from cathlog.domain.errors import AuthenticationFailed, ValidationError
from cathlog.rules.accounts import MAX_SIGN_IN_DELAY_S, common_passwords, sign_in_delay_s
from cathlog.services import Services
from cathlog.services.auth import SIGN_IN_REFUSED, UNKNOWN_USER
from cathlog.store import audit
from cathlog.store import users as user_store
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD


def _failed(services, who="nurse"):
    return [r for r in audit.rows(services.store) if r.action == "sign_in_failed" and r.entity_id == who]


def test_delay_grows_and_is_capped():
    assert [sign_in_delay_s(n) for n in range(0, 8)] == [0, 0, 0, 0, 0, 1, 2, 4]
    assert sign_in_delay_s(15) == MAX_SIGN_IN_DELAY_S == 900
    assert sign_in_delay_s(10**6) == 900


def test_wrong_passwords_delay_the_account_then_it_signs_in_again(services, admin, nurse, clock):
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            services.auth.sign_in("nurse", "not the password")
    # Fifth failure: 1 s before the next attempt is even checked, the right password included.
    with pytest.raises(AuthenticationFailed, match="wrong user name or password"):
        services.auth.sign_in("nurse", PASSWORD)
    assert services.auth.sign_in_wait_s("nurse") == 1
    clock.advance(seconds=1)
    with pytest.raises(AuthenticationFailed):
        services.auth.sign_in("nurse", "still wrong")  # sixth: 2 s
    clock.advance(seconds=1.5)
    with pytest.raises(AuthenticationFailed):
        services.auth.sign_in("nurse", PASSWORD)
    assert user_store.failed_logins(services.store, "nurse") == 6  # refusals unchecked are not counted
    clock.advance(seconds=0.5)
    assert services.auth.sign_in("nurse", PASSWORD).role is Role.NURSE  # no admin needed
    assert user_store.failed_logins(services.store, "nurse") == 0
    reasons = [r.reason for r in _failed(services)]
    assert reasons[:5] == [f"wrong password ({n})" for n in range(1, 6)]
    assert reasons[5].startswith("refused unchecked: waiting 1 s")
    assert reasons[6] == "wrong password (6)"
    assert reasons[7].startswith("refused unchecked: waiting 2 s")


def test_delay_never_exceeds_fifteen_minutes(services, admin, nurse, clock):
    for _ in range(30):
        clock.advance(seconds=MAX_SIGN_IN_DELAY_S)
        with pytest.raises(AuthenticationFailed):
            services.auth.sign_in("nurse", "not the password")
    assert user_store.failed_logins(services.store, "nurse") == 30
    assert services.auth.sign_in_wait_s("nurse") == MAX_SIGN_IN_DELAY_S
    clock.advance(seconds=MAX_SIGN_IN_DELAY_S)
    assert services.auth.sign_in("nurse", PASSWORD).username == "nurse"


def test_parallel_wrong_passwords_lose_no_count(tmp_path, clock):
    """Eight connections (as eight windows) try wrong passwords at once: every checked
    attempt is counted and audited; none is lost to a read-modify-write race."""
    path = tmp_path / "lab.db"
    first = Services(Store.open(path), clock, hasher=FAST_HASHER)
    admin = first.auth.create_first_admin("admin", "Ada", PASSWORD)
    first.auth.add_user(admin, "nurse", "Nina", Role.NURSE, PASSWORD)
    workers = [Services(Store.open(path), clock, hasher=FAST_HASHER) for _ in range(8)]
    start = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def attempt(services):
        start.wait()
        for _ in range(3):
            try:
                services.auth.sign_in("nurse", "not the password")
            except AuthenticationFailed:
                pass
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    failed = _failed(first)
    counted = [r for r in failed if r.reason.startswith("wrong password")]
    assert len(failed) == 24
    assert user_store.failed_logins(first.store, "nurse") == len(counted) >= 5
    assert sorted(int(r.reason.split("(")[1].rstrip(")")) for r in counted) == list(range(1, len(counted) + 1))
    for w in workers:
        w.store.close()
    first.store.close()


def test_one_message_for_unknown_disabled_waiting_and_wrong(services, admin, nurse, clock):
    messages = set()
    for name, password in (("ghost", PASSWORD), ("nurse", "wrong password")):
        with pytest.raises(AuthenticationFailed) as info:
            services.auth.sign_in(name, password)
        messages.add(str(info.value))
    services.auth.set_active(admin, "nurse", False)
    with pytest.raises(AuthenticationFailed) as info:
        services.auth.sign_in("nurse", PASSWORD)
    messages.add(str(info.value))
    assert messages == {SIGN_IN_REFUSED}


def test_a_password_typed_into_the_user_field_is_not_audited(services, admin):
    secret = "MySecret-Passw0rd"
    with pytest.raises(AuthenticationFailed):
        services.auth.sign_in(secret, "")
    rows = list(audit.rows(services.store))
    assert all(secret.casefold() not in repr(r).casefold() for r in rows)
    (row,) = [r for r in rows if r.action == "sign_in_failed"]
    assert row.username == row.entity_id == UNKNOWN_USER


def test_common_passwords_are_refused(services, admin):
    assert "password1" in common_passwords() and len(common_passwords()) > 200
    for weak in ("password1", "Password1", "  QWERTYUIOP ", "cathlab123"):
        with pytest.raises(ValidationError, match="commonly used"):
            services.auth.add_user(admin, "kate", "Kate", Role.NURSE, weak)
    services.auth.add_user(admin, "kate", "Kate", Role.NURSE, "blue kettle on a tuesday")


def test_passwords_are_nfc_normalised(services, admin):
    composed = "caf\u00e9 au lait noir"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    services.auth.add_user(admin, "kate", "Kate", Role.NURSE, decomposed)
    assert services.auth.sign_in("kate", composed).username == "kate"
    assert services.auth.sign_in("kate", decomposed).username == "kate"


def test_a_hash_of_an_unnormalised_password_still_signs_in_and_is_rehashed(services, admin):
    decomposed = unicodedata.normalize("NFD", "caf\u00e9 au lait noir")
    services.auth.add_user(admin, "kate", "Kate", Role.NURSE, "temporary pass 123")
    with services.store.write():
        user_store.update_user(services.store, "kate", password_hash=FAST_HASHER.hash(decomposed))
    assert services.auth.sign_in("kate", decomposed).username == "kate"
    FAST_HASHER.verify(user_store.password_hash(services.store, "kate"), unicodedata.normalize("NFC", decomposed))


@pytest.mark.parametrize("name", ["Kate\u202eetaK", "Kate\u2066x", "Kate\x00", "Kate\nWalsh", "Kate\u200bW",
                                  "K\ud800"])
def test_display_names_refuse_control_and_bidi_characters(services, admin, name):
    with pytest.raises(ValidationError):
        services.auth.add_user(admin, "kate", name, Role.NURSE, "blue kettle on a tuesday")
    assert user_store.get_user(services.store, "kate") is None


def test_display_names_keep_real_names(services, admin):
    for i, name in enumerate(["Zoë O'Brien", "李小龙", "محمد علي", "José Ñúñez-Pérez"]):
        user = services.auth.add_user(admin, f"u{i}", name, Role.NURSE, "blue kettle on a tuesday")
        assert user.display_name == name


def test_lone_surrogates_are_refused_cleanly(services, admin):
    with pytest.raises(AuthenticationFailed):
        services.auth.sign_in("\udcff", PASSWORD)
    with pytest.raises(AuthenticationFailed):
        services.auth.sign_in("admin", "\udcff" * 9)
    with pytest.raises(ValidationError):
        services.auth.add_user(admin, "kate", "Kate", Role.NURSE, "bad \udcff password")


def test_recover_admin_resets_a_locked_out_admin_and_is_audited(services, admin, clock):
    for _ in range(12):
        with pytest.raises(AuthenticationFailed):
            services.auth.sign_in("admin", "forgotten it")
    services.auth.recover_admin("admin", "a brand new secret", operator="alice")
    assert services.auth.sign_in("admin", "a brand new secret").role is Role.ADMIN
    (row,) = [r for r in audit.rows(services.store) if r.action == "recover_admin"]
    assert row.username == "local-recovery" and "alice" in row.reason


def test_recover_admin_creates_or_promotes_and_reenables(services, admin, nurse):
    services.auth.recover_admin("boss", "a brand new secret", display_name="Bo Boss", operator="alice")
    assert user_store.get_user(services.store, "boss").role is Role.ADMIN
    services.auth.set_active(admin, "nurse", False)
    services.auth.recover_admin("nurse", "another new secret", operator="alice")
    user = user_store.get_user(services.store, "nurse")
    assert user.role is Role.ADMIN and user.active
    with pytest.raises(ValidationError, match="commonly used"):
        services.auth.recover_admin("boss", "password1", operator="alice")
