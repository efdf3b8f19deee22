"""Users, passwords and sign-in.

Passwords are hashed with Argon2id (argon2-cffi's RFC 9106 low-memory
profile: t=3, 64 MiB, p=4, above OWASP's minimum of 19 MiB, t=2, p=1) and
re-hashed at sign-in when the parameters change. Failed sign-ins are counted
and audited; after ``MAX_FAILED_SIGN_INS`` in a row the account is locked
until an admin resets its password.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cathlog.domain.enums import Role
from cathlog.domain.errors import AuthenticationFailed, Conflict, NotFound, ValidationError, Issue
from cathlog.domain.records import Actor, User
from cathlog.rules.permissions import Action, may
from cathlog.services.base import Clock, ServiceBase, system_clock, this_workstation
from cathlog.store.db import Store
from cathlog.store import users as user_store

MAX_FAILED_SIGN_INS = 5
MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[a-z0-9._-]{1,64}$")


def check_password_policy(username: str, password: str) -> None:
    """At least 8 characters (NIST SP 800-63B) and not the user name."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip().casefold() == username.casefold():
        problems.append("a password must not be the user name")
    if problems:
        raise ValidationError([Issue("password", None, p) for p in problems])


def check_username(username: str) -> None:
    if not _USERNAME.match(username):
        raise ValidationError([Issue("username", username,
                                     f"user name {username!r} must be 1-64 characters of a-z, 0-9, '.', '_' or '-'")])


class AuthService(ServiceBase):
    def __init__(self, store: Store, clock: Clock = system_clock, hasher: PasswordHasher | None = None):
        super().__init__(store, clock)
        # The default profile is RFC 9106 low-memory; tests may pass a cheaper Argon2id hasher.
        self._hasher = hasher or PasswordHasher()

    def may(self, actor: Actor, action: Action) -> bool:
        """Whether the actor's role grants the action (for enabling or hiding controls; the use
        cases themselves check again)."""
        return may(actor.role, action)

    def has_users(self) -> bool:
        return user_store.count_users(self.store) > 0

    def create_first_admin(self, username: str, display_name: str, password: str) -> Actor:
        """The first account of a new database; refused once any user exists."""
        check_username(username)
        check_password_policy(username, password)
        with self.store.write():
            if self.has_users():
                raise Conflict("this database already has users; sign in as an admin to add more")
            user = User(username, display_name.strip() or username, Role.ADMIN, True, self.now())
            user_store.insert_user(self.store, user, self._hasher.hash(password))
            actor = Actor(username, user.display_name, Role.ADMIN, this_workstation())
            self.audit(actor, "create_first_admin", "user", username, new={"role": "admin"})
        return actor

    def sign_in(self, username: str, password: str, workstation: str | None = None) -> Actor:
        """Check a password; every failure is counted and audited."""
        station = workstation or this_workstation()
        user = user_store.get_user(self.store, username)
        stored = user_store.password_hash(self.store, username)
        generic = AuthenticationFailed("wrong user name or password")
        if user is None or stored is None:
            self._hasher.hash(password)  # same cost as a real check: do not reveal which names exist
            with self.store.write():
                self.audit(Actor(username, username, Role.NURSE, station), "sign_in_failed", "user", username,
                           reason="unknown user")
            raise generic
        failures = user_store.failed_logins(self.store, username)
        actor = Actor(user.username, user.display_name, user.role, station)
        if not user.active:
            with self.store.write():
                self.audit(actor, "sign_in_failed", "user", username, reason="account disabled")
            raise AuthenticationFailed(f"the account {username!r} is disabled")
        if failures >= MAX_FAILED_SIGN_INS:
            with self.store.write():
                self.audit(actor, "sign_in_failed", "user", username, reason="account locked")
            raise AuthenticationFailed(f"the account {username!r} is locked after {failures} failed sign-ins; "
                                       "an admin must reset its password")
        try:
            self._hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            with self.store.write():
                user_store.update_user(self.store, username, failed_logins=failures + 1)
                self.audit(actor, "sign_in_failed", "user", username, reason=f"wrong password ({failures + 1})")
            raise generic from None
        with self.store.write():
            changes: dict[str, object] = {}
            if failures:
                changes["failed_logins"] = 0
            if self._hasher.check_needs_rehash(stored):
                changes["password_hash"] = self._hasher.hash(password)
            if changes:
                user_store.update_user(self.store, username, **changes)
            self.audit(actor, "sign_in", "user", username)
        return actor

    def add_user(self, admin: Actor, username: str, display_name: str, role: Role, password: str) -> User:
        self.require(admin, Action.MANAGE_USERS)
        check_username(username)
        check_password_policy(username, password)
        user = User(username, display_name.strip() or username, Role(role), True, self.now())
        with self.store.write():
            if user_store.get_user(self.store, username):
                raise Conflict(f"user {username!r} already exists")
            user_store.insert_user(self.store, user, self._hasher.hash(password))
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

    def reset_password(self, admin: Actor, username: str, new_password: str) -> None:
        """Set a new password and unlock the account (the password is never audited)."""
        self.require(admin, Action.MANAGE_USERS)
        check_password_policy(username, new_password)
        hashed = self._hasher.hash(new_password)
        with self.store.write():
            self._existing(username)
            user_store.update_user(self.store, username, password_hash=hashed, failed_logins=0)
            self.audit(admin, "reset_password", "user", username)
