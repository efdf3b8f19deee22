"""The follow-up worklist's derived tables on the server: the twins of SQLite's migration 0012
(``store/migration_steps.py``), the same columns, checks and indexes.

Derived, not the record (``services.followup`` rebuilds a case's rows from its reminders and the
reminder rules): the runtime role may INSERT, UPDATE and DELETE them, and nothing else beyond what
``store/pg/walls.py`` grants. Every text the list orders or pages by compares byte for byte
(``COLLATE "C"``), as SQLite's BINARY does, so a page and the page after it are the same rows on
both back ends whatever the server's locale.
"""

from __future__ import annotations

from cathlog.store.worklist import INDEXES as SQLITE_INDEXES

TABLES = ("worklist_items", "worklist_marks")
INDEXES = SQLITE_INDEXES  # as migration 0012: one index per filter, in the list's order


def ddl() -> list[str]:
    """The tables and indexes (part of the server's baseline, ``store/pg/schema.py``)."""
    return [
        """CREATE TABLE worklist_items (
  item_key text COLLATE "C" PRIMARY KEY CHECK (length(item_key) BETWEEN 1 AND 200),
  reminder_id text CHECK (reminder_id IS NULL OR length(reminder_id) = 32),
  version bigint CHECK (version IS NULL OR version >= 1),
  procedure_id text NOT NULL,
  patient_id text NOT NULL CHECK (length(patient_id) = 32),
  rule_id text COLLATE "C" NOT NULL CHECK (length(rule_id) BETWEEN 1 AND 10),
  priority bigint NOT NULL CHECK (priority >= 0),
  due_date text COLLATE "C" NOT NULL CHECK (due_date ~ '^[0-9]{4}-[0-1][0-9]-[0-3][0-9]$'),
  suggested_due text NOT NULL,
  state text COLLATE "C" NOT NULL CHECK (state IN ('open', 'done', 'dismissed')),
  pending bigint NOT NULL CHECK (pending IN (0, 1)),
  operator text COLLATE "C" NOT NULL,
  title text NOT NULL,
  text text NOT NULL,
  source text NOT NULL,
  CHECK (pending = 1 OR reminder_id IS NOT NULL)
)""",
        *(f"CREATE INDEX worklist_{name} ON worklist_items ({cols})" for name, cols in INDEXES),
        """CREATE TABLE worklist_marks (
  tbl text PRIMARY KEY CHECK (tbl IN ('event_versions', 'procedure_versions', 'reminder_versions')),
  row_id bigint NOT NULL CHECK (row_id >= 0)
)""",
    ]


def grants(role: str) -> list[str]:
    """Derived, so not append-only: the runtime role keeps the rows and the marks in step."""
    return [f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {role}"]
