"""Exceptions a person can act on, in one family.

Everything raised as a :class:`CathlogError` is an expected condition: shown
to the user as its message (GUI) or one line (CLI). Anything else is a bug:
logged with its traceback and reported by the crash handler.
"""

from __future__ import annotations

from dataclasses import dataclass


class CathlogError(Exception):
    """A known condition with a message a person can act on."""


@dataclass(frozen=True)
class Issue:
    """One finding about one field: hard (an error) or soft (a warning)."""

    field: str
    value: object
    message: str
    source: str = ""
    code: str = ""

    def __str__(self) -> str:
        return self.message


class ValidationError(CathlogError):
    """Hard limits broken: the entry is refused and nothing is saved."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("; ".join(i.message for i in issues))


class ConfirmationRequired(CathlogError):
    """Soft limits passed: possible but unusual, the user must confirm."""

    def __init__(self, warnings: list[Issue]):
        self.warnings = warnings
        super().__init__("please confirm: " + "; ".join(w.message for w in warnings))


class PermissionDenied(CathlogError):
    pass


class AuthenticationFailed(CathlogError):
    pass


class NotFound(CathlogError):
    pass


class Conflict(CathlogError):
    """The change clashes with what is stored (a duplicate MRN, a closed case...)."""


class RecordFormatError(CathlogError):
    """A record file is malformed; the message names file, record and field."""


# --- storage conditions, translated from SQLite in cathlog.store.errors ------


class StoreError(CathlogError):
    """A condition of the database file or the disk, not of the data."""


class DiskFull(StoreError):
    pass


class DatabaseLocked(StoreError):
    pass


class ReadOnlyDatabase(StoreError):
    pass


class CorruptDatabase(StoreError):
    pass


class NotACathlogDatabase(StoreError):
    pass


class NewerSchema(StoreError):
    pass


class DatabaseUnavailable(StoreError):
    pass


class AuditKeyError(StoreError):
    """The installation's audit key is missing, damaged, or not the one this database was keyed with."""
