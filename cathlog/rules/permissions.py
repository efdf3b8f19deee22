"""Who may do what: one table, deny by default.

Role matrix (reliability-tests A7, 21 CFR 11.10(d),(g)): a nurse logs and
corrects; a physician does that and signs; an admin manages users, exports,
backs up and restores, and makes no clinical edits.
"""

from __future__ import annotations

from enum import StrEnum

from cathlog.domain.enums import Role


class Action(StrEnum):
    VIEW_RECORDS = "view_records"
    OPEN_CASE = "open_case"
    RECORD_EVENT = "record_event"
    CORRECT_EVENT = "correct_event"
    VOID_EVENT = "void_event"
    CLOSE_CASE = "close_case"
    REOPEN_CASE = "reopen_case"
    UPDATE_PATIENT = "update_patient"
    SIGN_CASE = "sign_case"
    SET_TARGETS = "set_targets"
    MANAGE_USERS = "manage_users"
    EXPORT = "export"
    IMPORT = "import"
    BACKUP = "backup"
    RESTORE = "restore"
    VIEW_AUDIT = "view_audit"
    LOAD_DEMO = "load_demo"


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
