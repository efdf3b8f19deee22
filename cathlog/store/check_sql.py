"""The CHECK text of the data dictionary's hard limits, for SQLite and for PostgreSQL: one generator,
two back ends.

The structure (which fields, which limits, required or optional, how a missing JSON key counts) is
written once, in :func:`column_check`, :func:`column_def` and :func:`json_field_check`; each
:class:`Dialect` only says how to spell a test. The SQLite back end spells exactly the text the SQLite
migrations wrote (tests/store/test_pg_checks.py compares it with ``store/schema.py``'s, which a file's
schema check depends on); the PostgreSQL back end (``store/pg/dialect.py``) guards every typed test
with ``CASE``, because PostgreSQL does not evaluate ``AND`` left to right (integration notes 1.2).
"""

from __future__ import annotations

from cathlog.domain.fields import DICOM_UID_PATTERN, FieldSpec, FieldType

TIMESTAMP_GLOB = "[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z"
DATE_GLOB = "[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]"


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def num(x: float) -> str:
    return repr(float(x)) if isinstance(x, float) and not x.is_integer() else str(int(x))


class Dialect:
    """How one database spells each test (the SQLite spelling is the base)."""

    name = "sqlite"
    true, false = "1", "0"
    types = {FieldType.INT: "INTEGER", FieldType.REAL: "REAL", FieldType.BOOL: "INTEGER"}
    text_type = "TEXT"

    def sql_type(self, spec: FieldSpec) -> str:
        return self.types.get(spec.type, self.text_type)

    def real_date(self, col: str) -> str:
        # date(x, '+0 days') normalises 02-30 to 03-02, so only real dates equal themselves.
        return f"{col} GLOB '{DATE_GLOB}' AND date({col}, '+0 days') IS {col}"

    def json_array(self, col: str) -> str:
        return f"json_valid({col}) AND json_type({col}) = 'array'"

    def uid_syntax(self, col: str) -> str:
        """DICOM UID syntax (PS3.5 9.1): digits and dots, no empty component, no leading zero."""
        return (f"{col} NOT GLOB '*[^0-9.]*' AND {col} NOT GLOB '.*' AND {col} NOT GLOB '*.' "
                f"AND {col} NOT GLOB '*..*' AND {col} NOT GLOB '*.0[0-9]*' AND {col} NOT GLOB '0[0-9]*'")

    # --- a value inside the JSON payload ---
    def json_type(self, data: str, key: str) -> str:
        return f"json_type({data}, '$.{key}')"

    def json_value(self, data: str, key: str, spec: FieldSpec) -> str:
        return f"json_extract({data}, '$.{key}')"

    def json_typed(self, data: str, spec: FieldSpec) -> str:
        """The type test of the payload's value of ``spec``."""
        jtype = self.json_type(data, spec.name)
        if spec.type is FieldType.INT:
            return f"{jtype} = 'integer'"
        if spec.type is FieldType.REAL:
            return f"{jtype} IN ('integer', 'real')"
        if spec.type is FieldType.BOOL:
            return f"{jtype} IN ('true', 'false')"
        if spec.type is FieldType.ENUM_LIST:
            return f"{jtype} = 'array'"
        return f"{jtype} = 'text'"

    def guarded(self, typed: str, check: str) -> str:
        """``typed`` and then ``check`` (``check`` may only run once ``typed`` holds), never NULL."""
        return f"coalesce({typed} AND {check}, 0)"

    def not_null(self, cond: str) -> str:
        return f"coalesce({cond}, {self.false})"


SQLITE = Dialect()


def column_check(spec: FieldSpec, col: str, d: Dialect = SQLITE) -> str:
    """The CHECK condition for a non-NULL value of one typed column (or a typed JSON value ``col``)."""
    t = spec.type
    if t in (FieldType.INT, FieldType.REAL):
        return f"{col} BETWEEN {num(spec.hard[0])} AND {num(spec.hard[1])}" if spec.hard else d.true
    if t is FieldType.BOOL:
        return f"{col} IN (0, 1)"
    if t is FieldType.ENUM:
        return f"{col} IN ({', '.join(quote(c) for c in spec.choices)})"
    if t is FieldType.DATE:
        return d.real_date(col)
    if t is FieldType.ENUM_LIST:
        return d.json_array(col)
    length = f"length({col}) BETWEEN 1 AND {spec.max_len}" if spec.max_len else f"length({col}) >= 1"
    if spec.pattern == DICOM_UID_PATTERN:
        return f"{length} AND {d.uid_syntax(col)}"
    if spec.pattern is not None:  # pragma: no cover - every pattern needs its SQL here
        raise ValueError(f"no SQL check for the pattern of {spec.name}")
    return length


def column_def(spec: FieldSpec, d: Dialect = SQLITE) -> str:
    """A typed column with its CHECK."""
    null = " NOT NULL" if spec.required else ""
    return (f"{spec.name} {d.sql_type(spec)}{null} "
            f"CHECK ({spec.name} IS NULL OR {d.not_null(column_check(spec, spec.name, d))})")


def json_field_check(spec: FieldSpec, data: str = "data", d: Dialect = SQLITE) -> str:
    """The condition one field of the JSON payload must meet: typed and in range; a required one present."""
    jtype = d.json_type(data, spec.name)
    value = d.json_value(data, spec.name, spec)
    typed = d.json_typed(data, spec)
    if spec.type is FieldType.BOOL:
        return f"coalesce({typed}, {d.false if spec.required else d.true})"
    if spec.type is FieldType.ENUM_LIST:
        cond = d.not_null(typed)
    else:
        cond = d.guarded(typed, column_check(spec, value, d))
    # coalesce: a NULL (missing key) must fail the CHECK, not pass it as SQL's "unknown" would.
    return cond if spec.required else f"({jtype} IS NULL OR {cond})"


def event_payload_check(fields: dict[str, tuple[FieldSpec, ...]], d: Dialect, data: str = "data",
                        kind: str = "kind") -> str:
    """One condition over the payload of every kind: each of its fields typed and in range. On PostgreSQL a
    ``CASE`` on the kind, so only that kind's tests run."""
    if d is SQLITE:
        parts = [f"({kind} = '{k}' AND {' AND '.join(json_field_check(s, data, d) for s in specs)})"
                 for k, specs in fields.items()]
        return "(" + "\n    OR ".join(parts) + ")"
    branches = [f"WHEN '{k}' THEN ({' AND '.join(json_field_check(s, data, d) for s in specs)})"
                for k, specs in fields.items()]
    return f"(CASE {kind}\n    " + "\n    ".join(branches) + "\n    ELSE false END)"
