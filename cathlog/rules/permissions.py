"""Who may do what: one table, deny by default.

Role matrix (reliability-tests A7, 21 CFR 11.10(d),(g)): a nurse logs and
corrects; a physician does that and signs; an admin manages users, exports,
backs up and restores, and makes no clinical edits.
"""

from __future__ import annotations

from cathlog.domain.enums import Action, Role

__all__ = ["Action", "may"]


_CLINICAL = {
    Action.VIEW_RECORDS,
    Action.OPEN_CASE,
    Action.RECORD_EVENT,
    Action.CORRECT_EVENT,
    Action.VOID_EVENT,
    Action.CLOSE_CASE,
    Action.REOPEN_CASE,
    Action.UPDATE_PATIENT,
}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.NURSE: frozenset(_CLINICAL),
    Role.PHYSICIAN: frozenset(_CLINICAL | {Action.SIGN_CASE, Action.SET_TARGETS}),
    Role.ADMIN: frozenset(
        {
            Action.VIEW_RECORDS,
            Action.MANAGE_USERS,
            Action.EXPORT,
            Action.IMPORT,
            Action.BACKUP,
            Action.RESTORE,
            Action.VIEW_AUDIT,
            Action.LOAD_DEMO,
        }
    ),
}


def may(role: Role | str | None, action: Action) -> bool:
    """True only if the role is known and the table grants the action."""
    try:
        return action in PERMISSIONS.get(Role(role), frozenset()) if role is not None else False
    except ValueError:
        return False
