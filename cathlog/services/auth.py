"""Users, passwords and sign-in.

Passwords are hashed with Argon2id (argon2-cffi's RFC 9106 low-memory
profile: t=3, 64 MiB, p=4, above OWASP's minimum of 19 MiB, t=2, p=1) and
re-hashed at sign-in when the parameters change. Passwords are NFC-normalised
before hashing and checking, and refused when common (``rules.accounts``).

Failed sign-ins are counted inside the write transaction (parallel attempts
never lose a count) and audited. There is no permanent lock: after
``MAX_FAILED_SIGN_INS`` wrong passwords each further attempt waits a growing
delay (2^(n-5) s, at most 15 min; ``rules.accounts.sign_in_delay_s``).

Every refusal shows the same message (unknown name, wrong password, disabled
account, waiting after failures): the reason goes only to the audit trail. A
name that matches no account is not stored in the audit trail at all (people
type their password into the user field; see ``UNKNOWN_USER``).

A lab whose every admin is locked out or forgot the password recovers
locally with ``cathlog recover-admin`` (:meth:`AuthService.recover_admin`):
whoever can write the database file can already change anything in it, so
write access is the credential; the recovery is audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cathlog.domain.enums import Role
from cathlog.domain.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied
from cathlog.domain.records import Actor, User, utc_iso
from cathlog.rules.accounts import (  # noqa: F401  (re-exported: callers import the checks from here)
    MAX_FAILED_SIGN_INS,
    MAX_SIGN_IN_DELAY_S,
    MIN_PASSWORD_LENGTH,
    check_password_policy,
    check_username,
    clean_display_name,
    is_encodable,
    normalise_password,
    sign_in_delay_s,
)
from cathlog.rules.permissions import Action
from cathlog.services.base import Clock, ServiceBase, system_clock, this_workstation
from cathlog.store.db import Store
from cathlog.store import users as user_store

SIGN_IN_REFUSED = ("wrong user name or password (or the account is disabled, or must wait after repeated "
                   "failed sign-ins: try again in a few minutes or ask an admin)")
# What the audit trail records for a name that matches no account: never the typed text, which is
# often a password typed into the user field.
UNKNOWN_USER = "(unknown user name)"
WRONG_PASSWORD = "wrong password"
RECOVERY_ACTOR = "local-recovery"
# A user's own audited actions that record nothing (remove_user): signing in and out, locking,
# changing one's own password, viewing a record. Any other action of theirs keeps the account.
NOT_RECORDING_ACTIONS = frozenset({"sign_in", "sign_in_failed", "sign_out", "switch_user", "lock", "unlock",
                                   "lock_screen", "unlock_screen", "change_password", "change_own_password",
                                   "view_record"})


def _counted(found: dict[str, int]) -> str:
    return ", ".join(f"{count} {what}{'' if count == 1 else '(s)'}" for what, count in found.items())


class AuthService(ServiceBase):
    def __init__(self, store: Store, clock: Clock = system_clock, hasher: PasswordHasher | None = None):
        super().__init__(store, clock)
        # The default profile is RFC 9106 low-memory; tests may pass a cheaper Argon2id hasher.
        self._hasher = hasher or PasswordHasher()

    def may(self, actor: Actor | None, action: Action) -> bool:
        """True when the actor's current role (read from the database, as every
        use case does) allows ``action``: for enabling menus and buttons."""
        try:
            self.require(actor, action)
        except PermissionDenied:
            return False
        return True

    def has_users(self) -> bool:
        return user_store.count_users(self.store) > 0

    def create_first_admin(self, username: str, display_name: str, password: str) -> Actor:
        """The first account of a new database; refused once any user exists."""
        check_username(username)
        check_password_policy(username, password)
        with self.store.write():
            if self.has_users():
                raise Conflict("this database already has users; sign in as an admin to add more")
            user = User(username, clean_display_name(display_name, username), Role.ADMIN, True, self.now())
            user_store.insert_user(self.store, user, self._hasher.hash(normalise_password(password)))
            actor = Actor(username, user.display_name, Role.ADMIN, this_workstation())
            self.audit(actor, "create_first_admin", "user", username, new={"role": "admin"})
        return actor

    def sign_in(self, username: str, password: str, workstation: str | None = None) -> Actor:
        """Check a password; every failure is audited with its reason, and shows one message."""
        station = workstation or this_workstation()
        refused = AuthenticationFailed(SIGN_IN_REFUSED)
        user = user_store.get_user(self.store, username) if is_encodable(username) else None
        stored = user_store.password_hash(self.store, username) if user is not None else None
        if user is None or stored is None:
            self._hasher.hash("not a password")  # same cost as a real check: do not reveal which names exist
            with self.store.write():
                self.audit(Actor(UNKNOWN_USER, UNKNOWN_USER, Role.NURSE, station), "sign_in_failed", "user",
                           UNKNOWN_USER, reason="unknown user name (the typed name is not recorded)")
            raise refused
        actor = Actor(user.username, user.display_name, user.role, station)
        if not user.active:
            self._hasher.hash("not a password")
            with self.store.write():
                self.audit(actor, "sign_in_failed", "user", username, reason="account disabled")
            raise refused
        wait_s = self._wait_s(username)
        if wait_s:
            with self.store.write():
                self._refuse_waiting(actor, username)
            raise refused
        typed, password = password, normalise_password(password)
        # A hash made before passwords were normalised may hold the typed form: accept it once, re-hash.
        legacy = typed != password and not self._matches(stored, password) and self._matches(stored, typed)
        if not legacy and not self._matches(stored, password):
            with self.store.write():
                failures = user_store.add_failed_sign_in(self.store, username)
                self.audit(actor, "sign_in_failed", "user", username, reason=f"{WRONG_PASSWORD} ({failures})")
            raise refused
        with self.store.write():
            # Again under the write lock: a parallel wrong attempt may have started a delay meanwhile.
            if self._wait_s(username):
                self._refuse_waiting(actor, username)
                waiting = True
            else:
                waiting = False
                changes: dict[str, object] = {}
                if user_store.failed_logins(self.store, username):
                    changes["failed_logins"] = 0
                if legacy or self._hasher.check_needs_rehash(stored):
                    changes["password_hash"] = self._hasher.hash(password)
                if changes:
                    user_store.update_user(self.store, username, **changes)
                self.audit(actor, "sign_in", "user", username)
        if waiting:
            raise refused
        return actor

    def _matches(self, stored: str, password: str) -> bool:
        if not is_encodable(password):
            return False
        try:
            return self._hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _wait_s(self, username: str) -> float:
        """Seconds this account must still wait before a password is checked (0: none)."""
        delay_s = sign_in_delay_s(user_store.failed_logins(self.store, username))
        if not delay_s:
            return 0.0
        now = self.clock()
        last = user_store.last_audited_at(self.store, action="sign_in_failed", entity_id=username,
                                          reason_prefix=WRONG_PASSWORD,
                                          not_before=utc_iso(now - timedelta(seconds=delay_s)))
        if last is None:
            return 0.0
        until = datetime.fromisoformat(last.replace("Z", "+00:00")) + timedelta(seconds=delay_s)
        return max(0.0, (until - now).total_seconds())

    def _refuse_waiting(self, actor: Actor, username: str) -> None:
        failures = user_store.failed_logins(self.store, username)
        self.audit(actor, "sign_in_failed", "user", username,
                   reason=f"refused unchecked: waiting {sign_in_delay_s(failures)} s after {failures} wrong passwords")

    def sign_in_wait_s(self, username: str) -> float:
        """For an admin screen: how long ``username`` must still wait (0 when it may try now)."""
        return self._wait_s(username) if is_encodable(username) else 0.0

    def add_user(self, admin: Actor, username: str, display_name: str, role: Role, password: str) -> User:
        self.require(admin, Action.MANAGE_USERS)
        check_username(username)
        check_password_policy(username, password)
        user = User(username, clean_display_name(display_name, username), Role(role), True, self.now())
        with self.store.write():
            if user_store.get_user(self.store, username):
                if user_store.removed_at(self.store, username):
                    raise Conflict(f"the name {username!r} belonged to an account that was removed; a removed name "
                                   "is never given to someone else (the audit trail still names it): choose another")
                raise Conflict(f"user {username!r} already exists")
            user_store.insert_user(self.store, user, self._hasher.hash(normalise_password(password)))
            self.audit(admin, "add_user", "user", username, new={"role": user.role.value,
                                                                  "display_name": user.display_name})
        return user

    def list_users(self, admin: Actor) -> list[User]:
        self.require(admin, Action.MANAGE_USERS)
        return user_store.list_users(self.store)

    def _existing(self, username: str) -> User:
        user = user_store.get_user(self.store, username)
        if user is None:
            raise NotFound(f"there is no user {username!r}")
        if user_store.removed_at(self.store, username):
            raise NotFound(f"the account {username!r} was removed; it cannot be changed")
        return user

    def _guard_last_admin(self, user: User) -> None:
        if user.role is Role.ADMIN and user.active:
            admins = [u for u in user_store.list_users(self.store) if u.role is Role.ADMIN and u.active]
            if len(admins) <= 1:
                raise Conflict(f"{user.username!r} is the last active admin; add another admin first")

    def set_active(self, admin: Actor, username: str, active: bool, reason: str | None = None) -> None:
        """Disable or re-enable an account; accounts are never deleted."""
        self.require(admin, Action.MANAGE_USERS)
        with self.store.write():
            user = self._existing(username)
            if not active:
                self._guard_last_admin(user)
            user_store.update_user(self.store, username, active=int(active))
            self.audit(admin, "enable_user" if active else "disable_user", "user", username,
                       old={"active": user.active}, new={"active": active}, reason=reason)

    def set_role(self, admin: Actor, username: str, role: Role, reason: str | None = None) -> None:
        self.require(admin, Action.MANAGE_USERS)
        role = Role(role)
        with self.store.write():
            user = self._existing(username)
            if role is not Role.ADMIN:
                self._guard_last_admin(user)
            user_store.update_user(self.store, username, role=role.value)
            self.audit(admin, "set_role", "user", username, old={"role": user.role.value},
                       new={"role": role.value}, reason=reason)

    def remove_user(self, admin: Actor, username: str, reason: str) -> None:
        """Remove an account created by mistake, while it has recorded nothing.

        "Recorded nothing": no row of any record table names it as author (log entries,
        patients, cases, reviews, reminders, signatures, imports) and the audit trail holds
        none of its own actions except signing in and out, locking, changing its own password
        and viewing records (``NOT_RECORDING_ACTIONS``). Otherwise it is refused, naming what
        the account recorded: disable it instead.

        Nothing is deleted: the row stays, inactive and marked removed (it leaves the user
        list), and the name is never reused, so the audit trail's rows naming it keep meaning
        one person. Audited as ``remove_user`` with the reason (required)."""
        self.require(admin, Action.MANAGE_USERS)
        why = (reason or "").strip()
        if not why:
            raise ValueError("say why the account is removed (kept in the audit trail)")
        if username == admin.username:
            raise Conflict("you cannot remove your own account")
        with self.store.write():
            user = self._existing(username)
            self._guard_last_admin(user)
            recorded = user_store.what_user_recorded(self.store, username, NOT_RECORDING_ACTIONS)
            if recorded:
                raise Conflict(f"{username!r} has recorded {_counted(recorded)}; an account that recorded anything "
                               "is never removed: disable it instead")
            user_store.mark_removed(self.store, username, self.now())
            self.audit(admin, "remove_user", "user", username,
                       old={"role": user.role.value, "display_name": user.display_name, "active": user.active},
                       new={"removed": True, "active": False}, reason=why)

    def what_user_recorded(self, admin: Actor, username: str) -> dict[str, int]:
        """For the admin screen, before asking to confirm a removal: what ``username`` has
        recorded, counted by kind ({} when nothing; see :meth:`remove_user`)."""
        self.require(admin, Action.MANAGE_USERS)
        self._existing(username)
        return user_store.what_user_recorded(self.store, username, NOT_RECORDING_ACTIONS)

    def reset_password(self, admin: Actor, username: str, new_password: str) -> None:
        """Set a new password and clear the failed sign-ins (the password is never audited)."""
        self.require(admin, Action.MANAGE_USERS)
        check_password_policy(username, new_password)
        hashed = self._hasher.hash(normalise_password(new_password))
        with self.store.write():
            self._existing(username)
            user_store.update_user(self.store, username, password_hash=hashed, failed_logins=0)
            self.audit(admin, "reset_password", "user", username)

    def change_own_password(self, actor: Actor, old_password: str, new_password: str) -> None:
        """Any signed-in user sets a new password for their own account, after typing the old one.

        The old password is checked as at sign-in, and a wrong one counts as a failed sign-in (audited
        ``sign_in_failed``, the same delay after repeated failures), so the dialog cannot be used to
        guess the password of an unlocked workstation's user. The new password follows the same rules
        as any other and must differ from the old one. Audited ``change_own_password`` (never the
        password); the failed sign-ins are cleared."""
        username = actor.username
        refused = AuthenticationFailed("the old password is wrong (or you must wait after repeated failed "
                                       "attempts: try again in a few minutes)")
        user = user_store.get_user(self.store, username) if is_encodable(username) else None
        stored = user_store.password_hash(self.store, username) if user is not None else None
        if user is None or stored is None or not user.active:
            raise PermissionDenied(f"{username} is not an active account")
        me = Actor(user.username, user.display_name, user.role, actor.workstation)
        if self._wait_s(username):
            with self.store.write():
                self._refuse_waiting(me, username)
            raise refused
        if not self._matches(stored, normalise_password(old_password)) and not self._matches(stored, old_password):
            with self.store.write():
                failures = user_store.add_failed_sign_in(self.store, username)
                self.audit(me, "sign_in_failed", "user", username,
                           reason=f"{WRONG_PASSWORD} ({failures}) when changing their own password")
            raise refused
        check_password_policy(username, new_password)
        if normalise_password(new_password) == normalise_password(old_password):
            raise Conflict("the new password is the same as the old one; choose another")
        hashed = self._hasher.hash(normalise_password(new_password))
        with self.store.write():
            user_store.update_user(self.store, username, password_hash=hashed, failed_logins=0)
            self.audit(me, "change_own_password", "user", username)

    def recover_admin(self, username: str, new_password: str, *, display_name: str | None = None,
                      operator: str = "unknown", reason: str | None = None) -> User:
        """Local recovery when no admin can sign in: make ``username`` an active admin with a new password.

        No sign-in: the caller (``cathlog recover-admin``) has opened the database file for writing,
        which already allows any change to it, so nothing is protected by asking more. An existing
        account is re-enabled, made admin and given the password (its failed sign-ins cleared); a new
        name becomes a new admin. Audited as ``recover_admin`` by ``local-recovery`` with the
        operating-system user ``operator`` and this workstation."""
        check_username(username)
        check_password_policy(username, new_password)
        hashed = self._hasher.hash(normalise_password(new_password))
        actor = Actor(RECOVERY_ACTOR, f"local recovery by {operator}", Role.ADMIN, this_workstation())
        why = f"local recovery by operating-system user {operator!r}" + (f": {reason}" if reason else "")
        with self.store.write():
            user = user_store.get_user(self.store, username)
            if user_store.removed_at(self.store, username):
                raise Conflict(f"the account {username!r} was removed and cannot come back; recover with another name")
            if user is None:
                user = User(username, clean_display_name(display_name or "", username), Role.ADMIN, True, self.now())
                user_store.insert_user(self.store, user, hashed)
                self.audit(actor, "recover_admin", "user", username, new={"role": "admin", "active": True,
                                                                            "created": True}, reason=why)
            else:
                changes: dict[str, object] = {"role": Role.ADMIN.value, "active": 1, "password_hash": hashed,
                                              "failed_logins": 0}
                if display_name:
                    changes["display_name"] = clean_display_name(display_name, username)
                user_store.update_user(self.store, username, **changes)
                self.audit(actor, "recover_admin", "user", username,
                           old={"role": user.role.value, "active": user.active},
                           new={"role": "admin", "active": True, "password": "reset"}, reason=why)
                user = User(username, str(changes.get("display_name", user.display_name)), Role.ADMIN, True,
                            user.created_at)
        return user
