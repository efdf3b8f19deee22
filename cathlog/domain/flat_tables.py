"""The flat export tables (CSV, XLSX) and the filters of an export, defined once.

Pure data. The store generates its streaming SQL from it
(``cathlog.store.export_rows``), the writers write its columns
(``cathlog.exchange.spreadsheets``) and de-identification transforms its rows
(``cathlog.rules.deidentify``). Event columns come from the data dictionary
(``cathlog.domain.fields``). One row per entry *version*, so corrections and
voids travel with the data.

Rows travel as *export cells*: text a spreadsheet would run as a formula
(= + - @, tab, CR at the start) carries a leading single quote (OWASP CSV
injection; CWE-1236), booleans are the text ``'true'`` / ``'false'``, an
absent value is None, numbers stay numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from cathlog.domain.enums import EventKind
from cathlog.domain.fields import EVENT_FIELDS, PATIENT_FIELDS, FieldSpec, FieldType

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _evaluable(text: str) -> bool:
    """True if a spreadsheet would evaluate ``text`` once leading quotes were stripped: a trigger
    after any run of single quotes. Quoting exactly these makes :func:`unneutralize` an exact
    inverse, even for text that already starts with a quote (``'=x`` is written ``''=x``)."""
    return text.lstrip("'").startswith(FORMULA_TRIGGERS)


def neutralize(value: Any) -> Any:
    """A text cell a spreadsheet would evaluate gets a leading quote; other values pass."""
    if isinstance(value, str) and _evaluable(value):
        return "'" + value
    return value


def unneutralize(value: str) -> str:
    """The inverse, for re-import: strip the quote added by :func:`neutralize`."""
    if value.startswith("'") and _evaluable(value):
        return value[1:]
    return value


class Cell(StrEnum):
    """How a column's values become export cells."""

    TEXT = "text"  # anything a person could type: neutralized
    BOOL = "bool"  # 'true' / 'false' (None if absent)
    PLAIN = "plain"  # made by cathlog (ids, timestamps, vocabulary, numbers): as stored


@dataclass(frozen=True)
class Column:
    name: str
    cell: Cell


class Context(StrEnum):
    """A value streamed after a table's columns, never written: what de-identification needs to
    transform one row on its own (no state carried from one table to the next)."""

    FIRST_CASE_STARTED_AT = "first_case_started_at"  # patients: start of the patient's first exported case
    TEAM_ROLES = "team_roles"  # procedures: the team's roles in order, as a JSON array
    CASE_STARTED_AT = "case_started_at"  # events: start of the entry's case


@dataclass(frozen=True)
class FlatTable:
    name: str
    columns: tuple[Column, ...]
    context: Context
    kind: EventKind | None = None  # the entry kind of an events_* table

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def index(self, column: str) -> int:
        return self.column_names.index(column)


def _dictionary(specs: tuple[FieldSpec, ...]) -> tuple[Column, ...]:
    return tuple(Column(s.name, Cell.BOOL if s.type is FieldType.BOOL else Cell.TEXT) for s in specs)


def _columns(spec: str) -> tuple[Column, ...]:
    """'name:cell ...' (cell defaults to plain)."""
    out = []
    for item in spec.split():
        name, _, cell = item.partition(":")
        out.append(Column(name, Cell(cell or "plain")))
    return tuple(out)


EVENT_COMMON = _columns("procedure_id event_id version current:bool voided:bool reason:text occurred_at recorded_at "
                        "recorded_by:text performed_by:text workstation:text")

PATIENTS = FlatTable("patients", _dictionary(PATIENT_FIELDS), Context.FIRST_CASE_STARTED_AT)
PROCEDURES = FlatTable("procedures", _columns(
    "procedure_id mrn:text started_at status category planned indication indication_detail:text urgency room:text "
    "primary_operator:text team:text act_target_low_s act_target_high_s"), Context.TEAM_ROLES)

#: Every table, in the order a CSV zip and an XLSX workbook hold them. The tables do not depend on each
#: other: each row joins by procedure_id (events, procedures) or mrn (procedures, patients).
TABLES: tuple[FlatTable, ...] = (
    PATIENTS,
    PROCEDURES,
    *(FlatTable(f"events_{kind.value}", EVENT_COMMON + _dictionary(EVENT_FIELDS[kind]), Context.CASE_STARTED_AT,
                kind) for kind in EventKind),
)
TABLE_BY_NAME: dict[str, FlatTable] = {t.name: t for t in TABLES}

#: The table with one row per exported case: its row count is the number of cases exported.
CASES_TABLE = PROCEDURES


# --- filters -------------------------------------------------------------------


class Match(StrEnum):
    AT_LEAST = "at_least"  # column >= value
    BEFORE = "before"  # column < value
    EQUALS = "equals"  # column = value
    MEMBER_NAME_CONTAINS = "member_name_contains"  # a team member's name contains value, case-folded


@dataclass(frozen=True)
class Filter:
    name: str  # the ExportFilters attribute
    column: str  # of the current procedure
    match: Match


#: Which cases an export covers: every filter given must hold.
FILTERS: tuple[Filter, ...] = (
    Filter("since", "started_at", Match.AT_LEAST),  # UTC timestamp
    Filter("until", "started_at", Match.BEFORE),  # UTC timestamp
    Filter("category", "category", Match.EQUALS),
    Filter("status", "status", Match.EQUALS),
    Filter("operator", "team", Match.MEMBER_NAME_CONTAINS),
)


@dataclass(frozen=True)
class ExportFilters:
    """The filters of one export; None (or an empty operator) means "any"."""

    since: str | None = None
    until: str | None = None
    category: str | None = None
    status: str | None = None
    operator: str | None = None

    @classmethod
    def of(cls, mapping: Mapping[str, Any] | ExportFilters | None) -> ExportFilters:
        """From a plain mapping (as the CLI and GUI give them); an unknown name is an error."""
        if isinstance(mapping, ExportFilters):
            return mapping
        mapping = dict(mapping or {})
        unknown = set(mapping) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown export filter(s): {', '.join(sorted(unknown))}")
        return cls(**mapping)

    def given(self) -> list[tuple[Filter, str]]:
        """The filters in force with their values (operator case-folded and trimmed)."""
        out = []
        for spec in FILTERS:
            value = getattr(self, spec.name)
            if spec.match is Match.MEMBER_NAME_CONTAINS:
                value = (value.casefold().strip() or None) if value else None
            if value is not None:
                out.append((spec, value))
        return out
