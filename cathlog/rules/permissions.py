"""Who may do what: one table, deny by default.

Role matrix (reliability-tests A7, 21 CFR 11.10(d),(g)): a nurse logs and
corrects; a physician does that and signs; an admin manages users and the lab's
settings (name, phone, FHIR identity), exports,
backs up and restores, and makes no clinical edits.

A case's PDFs (``WRITE_REPORT``: summary, follow-up plan, patient sheet, saved
or printed) carry the whole record out of cathlog, so they are for the
physician who reviews and signs the case and the admin who answers records
requests; a nurse, who may not export, may not write them either (issue 13
item 12). Every one is audited (``cathlog.services.access``).
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
    Role.PHYSICIAN: frozenset(_CLINICAL | {Action.SIGN_CASE, Action.SET_TARGETS, Action.WRITE_REPORT}),
    Role.ADMIN: frozenset(
        {
            Action.VIEW_RECORDS,
            Action.MANAGE_USERS,
            Action.MANAGE_SETTINGS,
            Action.EXPORT,
            Action.IMPORT,
            Action.BACKUP,
            Action.RESTORE,
            Action.VIEW_AUDIT,
            Action.LOAD_DEMO,
            Action.WRITE_REPORT,
        }
    ),
}


def may(role: Role | str | None, action: Action) -> bool:
    """True only if the role is known and the table grants the action."""
    try:
        return action in PERMISSIONS.get(Role(role), frozenset()) if role is not None else False
    except ValueError:
        return False
