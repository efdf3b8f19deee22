"""What every service shares: the store, the clock, role checks and audit."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable, Collection
from datetime import datetime, timezone
from typing import Any

from cathlog.domain.errors import ConfirmationRequired, Issue, PermissionDenied
from cathlog.domain.records import Actor, utc_iso
from cathlog.rules.permissions import Action, may
from cathlog.store import audit
from cathlog.store import users as user_store
from cathlog.store.db import Store

Clock = Callable[[], datetime]
# ``confirm`` is True (the user confirmed whatever was shown, as an import of
# already-confirmed records does) or the codes of the warnings confirmed.
Confirm = bool | Collection[str]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def this_workstation() -> str:
    return socket.gethostname() or "unknown"


def new_id() -> str:
    """A random 128-bit id as 32 hex digits (event and patient ids)."""
    return secrets.token_hex(16)


def require_confirmed(warnings: list[Issue], confirm: Confirm) -> None:
    """Raise ConfirmationRequired unless every warning was confirmed."""
    if confirm is True:
        return
    confirmed = set(confirm or ())
    missing = [w for w in warnings if w.code not in confirmed]
    if missing:
        raise ConfirmationRequired(missing)


class ServiceBase:
    """Holds the collaborators; subclasses add use cases."""

    def __init__(self, store: Store, clock: Clock = system_clock):
        self.store = store
        self.clock = clock

    def now(self) -> str:
        return utc_iso(self.clock())

    def require(self, actor: Actor | None, action: Action) -> None:
        """Deny by default: no actor, an unknown or disabled account, or an action its role lacks.

        The role and the active flag are read from the database at every call, so a
        user disabled or demoted by an admin loses the right at once, even in a window
        that is already open."""
        if actor is None:
            raise PermissionDenied(f"nobody signed in may {action.value.replace('_', ' ')}")
        user = user_store.get_user(self.store, actor.username)
        if user is None or not user.active:
            raise PermissionDenied(f"{actor.username} is not an active account")
        if not may(user.role, action):
            raise PermissionDenied(f"{actor.username} ({user.role.value}) may not {action.value.replace('_', ' ')}")

    def audit(self, actor: Actor, action: str, entity: str, entity_id: str, *, procedure_id: str | None = None,
              old: Any = None, new: Any = None, reason: str | None = None, at: str | None = None) -> None:
        audit.append(self.store, at=at or self.now(), username=actor.username, workstation=actor.workstation,
                     action=action, entity=entity, entity_id=_storable(entity_id), procedure_id=procedure_id,
                     old=_storable(old), new=_storable(new), reason=_storable(reason))


def _storable(value: Any) -> Any:
    """Text the audit can store: a file name with undecodable bytes (a lone surrogate from the file
    system) keeps its readable part, the rest shown as U+FFFD, instead of failing the change."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_storable(v) for v in value]
    return value
