"""The case list's word search on the server: the twin of SQLite's case index and its FTS5 table.

``case_index`` has the same columns as the file's (``store/search.py``: the same ``doc_id`` scheme, the
same folded text, written by the same statements) plus ``terms``, a ``tsvector`` the server generates
from the four text columns, indexed by GIN. No text search parser or dictionary touches it: the
lexemes are the words ``store/search.py`` folded in Python (casefold, accents removed, the MRN's
suffixes), split on spaces, each at position 1 with its column's weight (names A, people B, ids C,
MRN suffixes D), so a tsquery ``'garc':*ABC`` matches exactly what FTS5's ``{names people ids} :
"garc"*`` does (``store/search_query.py`` writes both). The sort keys compare byte for byte
(``COLLATE "C"``), as SQLite's BINARY does, whatever the server's locale.

Derived data, not the record: the runtime role may INSERT, UPDATE and DELETE it (it is rebuilt from the
records by ``cathlog check --rebuild-search`` and filled by ``migrate-db``).
"""

from __future__ import annotations

_KEYS = ("name_key", "mrn_key", "category", "status", "operator_key", "room_key")
TABLES = ("case_index",)

_TERMS_FUNCTION = r"""
CREATE FUNCTION cathlog_case_terms(names text, people text, ids text, mrn_parts text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT coalesce(string_agg('''' || replace(replace(w, '\', '\\'), '''', '''''') || ''':1' || c, ' '), '')::tsvector
FROM (VALUES ('A', names), ('B', people), ('C', ids), ('D', mrn_parts)) AS col(c, t),
     unnest(string_to_array(col.t, ' ')) AS w
WHERE w <> ''
$$"""


def ddl() -> list[str]:
    """The function, table and indexes (part of the server's baseline, ``store/pg/schema.py``)."""
    key_cols = ",\n  ".join(f"{c} text COLLATE \"C\" NOT NULL" for c in _KEYS)
    return [
        _TERMS_FUNCTION,
        f"""CREATE TABLE case_index (
  doc_id bigint PRIMARY KEY,
  procedure_id text COLLATE "C" NOT NULL UNIQUE,
  started_at text NOT NULL,
  {key_cols},
  room text NOT NULL,
  names text NOT NULL,
  people text NOT NULL,
  ids text NOT NULL,
  mrn_parts text NOT NULL,
  terms tsvector NOT NULL GENERATED ALWAYS AS (cathlog_case_terms(names, people, ids, mrn_parts)) STORED
)""",
        *(f"CREATE INDEX case_index_{c} ON case_index ({c}, doc_id)" for c in _KEYS),
        "CREATE INDEX case_index_terms ON case_index USING gin (terms)",
    ]


def grants(role: str) -> list[str]:
    """Derived, so not append-only: the runtime role keeps it in step with the records."""
    return [f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {role}"]
