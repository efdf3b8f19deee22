"""The PostgreSQL back end of the CHECK generator (``store/check_sql.py``): how PostgreSQL spells each test.

Every typed test of a payload value is guarded with ``CASE``: PostgreSQL does not evaluate ``AND`` left
to right, so ``(data->>'act_s')::numeric`` must never run on a string (integration notes 1.2). The payload
is a ``json`` column (the text kept as written, see ``store/pg/schema.py``), read with ``json_typeof`` and
``->``/``->>`` (SQLite's ``json_type``/``json_extract``). A real date is ``cathlog_real_date()``, a total
function (true or false, never an error) defined by the schema.
"""

from __future__ import annotations

from cathlog.domain.fields import FieldSpec, FieldType
from cathlog.store.check_sql import Dialect


class PostgresDialect(Dialect):
    name = "postgresql"
    true, false = "true", "false"
    types = {FieldType.INT: "bigint", FieldType.REAL: "double precision", FieldType.BOOL: "bigint",
             FieldType.ENUM_LIST: "json"}
    text_type = "text"

    def real_date(self, col: str) -> str:
        return f"cathlog_real_date({col})"  # total: false (never an error) for any text; store/pg/schema.py

    def json_array(self, col: str) -> str:
        return f"json_typeof({col}) = 'array'"  # a json column: the server refuses text that is not JSON

    def uid_syntax(self, col: str) -> str:
        return f"{col} ~ '^(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))*$'"

    def json_type(self, data: str, key: str) -> str:
        return f"json_typeof({data}->'{key}')"

    def json_text(self, data: str, key: str) -> str:
        """The text of a payload value (SQLite's json_extract of a string)."""
        return f"({data}->>'{key}')"

    def json_value(self, data: str, key: str, spec: FieldSpec) -> str:
        text = f"({data}->>'{key}')"
        return f"{text}::numeric" if spec.is_number else text

    def json_typed(self, data: str, spec: FieldSpec) -> str:
        jtype = self.json_type(data, spec.name)
        if spec.type is FieldType.INT:  # SQLite's 'integer': a JSON number written without fraction or exponent
            return f"{jtype} = 'number' AND ({data}->>'{spec.name}') ~ '^-?[0-9]+$'"
        if spec.type is FieldType.REAL:
            return f"{jtype} = 'number'"
        if spec.type is FieldType.BOOL:
            return f"{jtype} = 'boolean'"
        if spec.type is FieldType.ENUM_LIST:
            return f"{jtype} = 'array'"
        return f"{jtype} = 'string'"

    def guarded(self, typed: str, check: str) -> str:
        return f"coalesce(CASE WHEN {typed} THEN {check} ELSE false END, false)"


class PayloadDialect(PostgresDialect):
    """Inside ``cathlog_event_payload_ok`` (``store/pg/schema.py``): the payload parsed once, as ``jsonb``
    (``d``), instead of the ``json`` text being parsed again by every ``->`` (measured: 4.7 ms of server CPU
    an entry row through the CHECK over ``json``, 0.1 ms over ``jsonb``). One exception keeps SQLite's
    verdict: an integer is a number written without fraction or exponent, which only the text as written
    shows (``jsonb`` writes ``1e3`` as ``1000``), so that test reads the ``json`` argument (``data``)."""

    def json_type(self, data: str, key: str) -> str:
        return f"jsonb_typeof({data}->'{key}')"

    def json_typed(self, data: str, spec: FieldSpec) -> str:
        if spec.type is FieldType.INT:
            return f"{self.json_type(data, spec.name)} = 'number' AND (data->>'{spec.name}') ~ '^-?[0-9]+$'"
        return super().json_typed(data, spec)


POSTGRES = PostgresDialect()
PAYLOAD = PayloadDialect()
