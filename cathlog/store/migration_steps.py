"""The migrations of the cathlog schema, in order: each one is a named step that
``schema.migrations`` applies once, in the write transaction that opens the file
(``store/db.py``). A migration, once released, never changes: a new schema is a new
step at the end of this module and ``schema.SCHEMA_VERSION`` bumped to the count.
The DDL generators they share (columns and CHECKs from the data dictionary,
append-only triggers, the log-entry table) are in ``store/schema.py``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from cathlog.domain import enums as e
from cathlog.domain.fields import DETAILS_SCHEMA, PATIENT_FIELDS, PROCEDURE_FIELDS
from cathlog.domain.vocab_base import Vocab
from cathlog.store import event_checks, search
from cathlog.store.audit_pages import MONTH_EXPRESSION
from cathlog.store.schema import (_DATE_GLOB, _TIMESTAMP_GLOB, _append_only, _column, _event_versions_ddl, _quote,
                                  event_fields_trigger, migrations, rebuild_event_versions)
from cathlog.store.timestamps import TIMESTAMP_COLUMNS, real_timestamp_sql, trigger_sql


@migrations(name="0001_initial_schema")
def initial_schema(db: Database) -> None:
    enum_in: Callable[[str, type[Vocab]], str] = lambda col, vocab: f"{col} IN ({', '.join(_quote(v) for v in vocab.values())})"  # noqa: E731
    audit_cols = (
        f"changed_at TEXT NOT NULL CHECK (changed_at GLOB '{_TIMESTAMP_GLOB}'),\n"
        "  changed_by TEXT NOT NULL CHECK (length(changed_by) >= 1),\n"
        "  reason TEXT"
    )
    db.execute(f"""
CREATE TABLE users (
  username TEXT PRIMARY KEY CHECK (length(username) BETWEEN 1 AND 64 AND username NOT GLOB '*[^a-z0-9._-]*'),
  display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
  role TEXT NOT NULL CHECK ({enum_in('role', e.Role)}),
  password_hash TEXT NOT NULL CHECK (password_hash GLOB '$argon2id$*'),
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  created_at TEXT NOT NULL CHECK (created_at GLOB '{_TIMESTAMP_GLOB}')
) STRICT""")
    patient_cols = ",\n  ".join(_column(s) for s in PATIENT_FIELDS)
    db.execute(f"""
CREATE TABLE patient_versions (
  row_id INTEGER PRIMARY KEY,
  patient_id TEXT NOT NULL CHECK (length(patient_id) = 32),
  version INTEGER NOT NULL CHECK (version >= 1),
  mrn_norm TEXT NOT NULL CHECK (length(mrn_norm) >= 1),
  {patient_cols},
  {audit_cols},
  UNIQUE (patient_id, version),
  CHECK (version = 1 OR coalesce(length(reason), 0) >= 1)
) STRICT""")
    db.execute("""
CREATE TABLE patient_mrns (
  mrn_norm TEXT PRIMARY KEY,
  patient_id TEXT NOT NULL CHECK (length(patient_id) = 32)
) STRICT""")
    procedure_cols = ",\n  ".join(_column(s) for s in PROCEDURE_FIELDS if s.since == 1)
    db.execute(f"""
CREATE TABLE procedure_versions (
  row_id INTEGER PRIMARY KEY,
  procedure_id TEXT NOT NULL CHECK (length(procedure_id) BETWEEN 1 AND 64),
  version INTEGER NOT NULL CHECK (version >= 1),
  patient_id TEXT NOT NULL CHECK (length(patient_id) = 32),
  {procedure_cols},
  started_at TEXT NOT NULL CHECK (started_at GLOB '{_TIMESTAMP_GLOB}'),
  status TEXT NOT NULL CHECK ({enum_in('status', e.ProcedureStatus)}),
  team TEXT NOT NULL CHECK (json_valid(team) AND json_type(team) = 'array'),
  {audit_cols},
  UNIQUE (procedure_id, version),
  CHECK (version = 1 OR coalesce(length(reason), 0) >= 1)
) STRICT""")
    db.execute(_event_versions_ddl("event_versions", event_checks.CHECK_0001))
    db.execute(f"""
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL CHECK (at GLOB '{_TIMESTAMP_GLOB}'),
  username TEXT NOT NULL,
  workstation TEXT NOT NULL,
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  procedure_id TEXT,
  old_value TEXT,
  new_value TEXT,
  reason TEXT,
  prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
  hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64)
) STRICT""")
    for table in ("patient_versions", "patient_mrns", "procedure_versions", "event_versions", "audit"):
        _append_only(db, table)
    db.execute("CREATE INDEX patient_versions_id ON patient_versions (patient_id, version)")
    db.execute("CREATE INDEX patient_versions_name ON patient_versions (family_name COLLATE NOCASE)")
    db.execute("CREATE INDEX procedure_versions_id ON procedure_versions (procedure_id, version)")
    db.execute("CREATE INDEX procedure_versions_started ON procedure_versions (started_at)")
    db.execute("CREATE INDEX procedure_versions_patient ON procedure_versions (patient_id)")
    db.execute("CREATE INDEX event_versions_id ON event_versions (event_id, version)")
    db.execute("CREATE INDEX event_versions_procedure ON event_versions (procedure_id, occurred_at)")
    db.execute("CREATE INDEX audit_procedure ON audit (procedure_id)")
    for table, key in (("patient", "patient_id"), ("procedure", "procedure_id"), ("event", "event_id")):
        db.execute(f"""
CREATE VIEW current_{table}s AS
SELECT * FROM {table}_versions AS v
WHERE NOT EXISTS (SELECT 1 FROM {table}_versions AS n WHERE n.{key} = v.{key} AND n.version > v.version)""")


@migrations(name="0002_review_reminders_signatures")
def review_reminders_signatures(db: Database) -> None:
    """The physician's review, follow-up reminders and e-signatures; all append-only."""
    statuses = "'suggested', 'accepted', 'dismissed', 'done'"
    db.execute(f"""
CREATE TABLE review_versions (
  row_id INTEGER PRIMARY KEY,
  procedure_id TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  data TEXT NOT NULL CHECK (json_valid(data) AND json_type(data) = 'object'),
  changed_at TEXT NOT NULL CHECK (changed_at GLOB '{_TIMESTAMP_GLOB}'),
  changed_by TEXT NOT NULL CHECK (length(changed_by) >= 1),
  reason TEXT,
  UNIQUE (procedure_id, version)
) STRICT""")
    db.execute(f"""
CREATE TABLE reminder_versions (
  row_id INTEGER PRIMARY KEY,
  reminder_id TEXT NOT NULL CHECK (length(reminder_id) = 32),
  version INTEGER NOT NULL CHECK (version >= 1),
  procedure_id TEXT NOT NULL,
  rule_id TEXT NOT NULL CHECK (length(rule_id) BETWEEN 1 AND 10),
  due_date TEXT NOT NULL CHECK (due_date GLOB '{_DATE_GLOB}' AND date(due_date, '+0 days') IS due_date),
  suggested_due TEXT NOT NULL CHECK (suggested_due GLOB '{_DATE_GLOB}'),
  title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
  source TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 300),
  status TEXT NOT NULL CHECK (status IN ({statuses})),
  changed_at TEXT NOT NULL CHECK (changed_at GLOB '{_TIMESTAMP_GLOB}'),
  changed_by TEXT NOT NULL CHECK (length(changed_by) >= 1),
  reason TEXT,
  UNIQUE (reminder_id, version),
  CHECK (version = 1 OR coalesce(length(reason), 0) >= 1)
) STRICT""")
    db.execute(f"""
CREATE TABLE signature_events (
  seq INTEGER PRIMARY KEY,
  signature_id TEXT NOT NULL CHECK (length(signature_id) = 32),
  procedure_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('sign', 'supersede')),
  username TEXT NOT NULL,
  display_name TEXT NOT NULL,
  meaning TEXT CHECK (meaning IS NULL OR meaning IN ('authored', 'reviewed', 'approved')),
  at TEXT NOT NULL CHECK (at GLOB '{_TIMESTAMP_GLOB}'),
  content_hash TEXT CHECK (content_hash IS NULL OR length(content_hash) = 64),
  reason TEXT,
  CHECK (action = 'supersede' OR (meaning IS NOT NULL AND content_hash IS NOT NULL))
) STRICT""")
    for table in ("review_versions", "reminder_versions", "signature_events"):
        _append_only(db, table)
    db.execute("CREATE INDEX review_versions_procedure ON review_versions (procedure_id, version)")
    db.execute("CREATE INDEX reminder_versions_id ON reminder_versions (reminder_id, version)")
    db.execute("CREATE INDEX reminder_versions_procedure ON reminder_versions (procedure_id)")
    db.execute("CREATE INDEX reminder_versions_due ON reminder_versions (due_date)")
    db.execute("CREATE INDEX signature_events_procedure ON signature_events (procedure_id)")
    db.execute("""
CREATE VIEW current_reminders AS
SELECT * FROM reminder_versions AS v
WHERE NOT EXISTS (SELECT 1 FROM reminder_versions AS n WHERE n.reminder_id = v.reminder_id AND n.version > v.version)""")


@migrations(name="0003_procedure_patient_version")
def procedure_patient_version(db: Database) -> None:
    """Each case points at the patient version it was done with, so a later weight
    or creatinine update does not rewrite an old case's report or its signature."""
    db.execute("ALTER TABLE procedure_versions ADD COLUMN patient_version INTEGER "
               "CHECK (patient_version IS NULL OR patient_version >= 1)")


@migrations(name="0004_settings")
def settings_table(db: Database) -> None:
    """Per-database settings, e.g. the secret key of de-identified pseudonyms."""
    db.execute("""
CREATE TABLE settings (
  key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64),
  value TEXT NOT NULL
) STRICT""")


def name_words(text: str) -> set[str]:
    """The searchable words of a name: 'Dr. A. Patel' -> {'dr', 'a', 'patel'}."""
    import re

    return {w for w in re.split(r"[^\w]+", text.casefold()) if w}


@migrations(name="0005_search_terms")
def search_terms(db: Database) -> None:
    """An index of team members' name words, so the case search finds an operator
    without scanning every case; and a given-name index."""
    db.execute("""
CREATE TABLE search_terms (
  term TEXT NOT NULL,
  procedure_id TEXT NOT NULL,
  PRIMARY KEY (term, procedure_id)
) WITHOUT ROWID, STRICT""")
    db.execute("CREATE INDEX patient_versions_given ON patient_versions (given_name COLLATE NOCASE)")
    db.execute("CREATE INDEX search_terms_procedure ON search_terms (procedure_id, term)")
    rows = db.execute("SELECT DISTINCT procedure_id, team FROM procedure_versions").fetchall()
    terms = {(w, pid) for pid, team in rows for m in __import__("json").loads(team) for w in name_words(m["name"])}
    db.conn.executemany("INSERT OR IGNORE INTO search_terms (term, procedure_id) VALUES (?, ?)", sorted(terms))


@migrations(name="0006_seals_and_audit_key")
def seals_and_audit_key(db: Database) -> None:
    """Tamper evidence (issue 13): every version row's keyed hash ("seal"),
    recorded under the audit row of its change; the audit chain keyed with the
    installation key from here on. Existing rows are sealed now, under one
    audited keying row; earlier audit rows verify as legacy SHA-256."""
    db.execute("""
CREATE TABLE seals (
  tbl TEXT NOT NULL,
  rid TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 0),
  seq INTEGER NOT NULL CHECK (seq >= 1),
  row_hash TEXT NOT NULL CHECK (length(row_hash) = 64),
  PRIMARY KEY (tbl, rid, version)
) WITHOUT ROWID, STRICT""")
    _append_only(db, "seals")
    db.execute("CREATE INDEX seals_seq ON seals (seq, tbl, rid, version)")
    from cathlog.store.audit import key_chain  # here, not at the top: audit imports the store, which imports this

    key_chain(db.conn)


@migrations(name="0007_import_jobs")
def import_jobs(db: Database) -> None:
    """Staging for imports: a file's records are validated, staged here in short
    transactions, then applied in short transactions, so a nurse's save never
    waits behind a long import. A job that was fully staged is finished at the
    next start (roll forward); one that was not is discarded: all or nothing per file.
    Not part of the record (no clinical meaning of its own), so not append-only."""
    db.execute(f"""
CREATE TABLE import_jobs (
  job_id TEXT PRIMARY KEY CHECK (length(job_id) = 32),
  source TEXT NOT NULL,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  username TEXT NOT NULL,
  workstation TEXT NOT NULL,
  created_at TEXT NOT NULL CHECK (created_at GLOB '{_TIMESTAMP_GLOB}'),
  total INTEGER NOT NULL CHECK (total >= 0),
  state TEXT NOT NULL CHECK (state IN ('staging', 'ready', 'done'))
) STRICT""")
    db.execute("""
CREATE TABLE import_job_records (
  job_id TEXT NOT NULL REFERENCES import_jobs (job_id),
  seq INTEGER NOT NULL CHECK (seq >= 1),
  procedure_id TEXT NOT NULL,
  record TEXT NOT NULL CHECK (json_valid(record)),
  applied INTEGER NOT NULL DEFAULT 0 CHECK (applied IN (0, 1)),
  PRIMARY KEY (job_id, seq)
) STRICT""")


@migrations(name="0008_event_details")
def event_details(db: Database) -> None:
    """Where, exactly (issue 11 item 9): access vessel; lesion side and segments by
    category; dissection grade, flow-limiting and the treating device of a complication.
    The new keys are optional, so existing rows stay valid; a BEFORE INSERT trigger
    generated from the data dictionary checks them like the CHECK checks the first ones."""
    db.execute(event_fields_trigger(DETAILS_SCHEMA))


@migrations(name="0009_strict_timestamps")
def strict_timestamps(db: Database) -> None:
    """Only real times are stored (issue 11): the GLOB checks let through
    2025-02-30 and 08:00:61, which then broke every report of the case. SQLite
    cannot add a CHECK to a table, so a BEFORE INSERT trigger on each timestamp
    column refuses a value that does not round-trip through strftime()."""
    for table, col in TIMESTAMP_COLUMNS:
        db.execute(trigger_sql(table, col))


@migrations(name="0010_device_removal")
def device_removal(db: Database) -> None:
    """Implants (issue 11 items 1, 13): device kind "embolic device", device states retrieved /
    explanted / retrieval failed and the link ``removes_event_id`` from a removing entry to
    the implant it removes: the log-entry CHECK regenerated from the data dictionary."""
    rebuild_event_versions(db, event_checks.CHECK_0010)
    # The new table has none of the triggers later migrations put on the old one: put them back.
    db.execute(event_fields_trigger(DETAILS_SCHEMA))
    for table, col in TIMESTAMP_COLUMNS:
        if table == "event_versions":
            db.execute(trigger_sql(table, col))


@migrations(name="0011_case_search")
def case_search(db: Database) -> None:
    """Finding a case (issue 12 item 9): one row per case with its sort keys (``case_index``)
    and an FTS5 index of its names, team, ids, room and MRN suffixes (``case_search``),
    accent- and case-insensitive, kept in step by the store (``store/search.py``) in the
    transaction that writes the case. Derived data: not append-only and not sealed;
    ``cathlog check`` compares it with the records and can rebuild it. It replaces the
    ``search_terms`` table of 0005 (derived data too)."""
    for statement in search.SCHEMA_0011:
        db.execute(statement)
    db.execute("DROP TABLE search_terms")
    search.rebuild(db.conn)


@migrations(name="0012_worklist")
def worklist(db: Database) -> None:
    """The follow-up worklist (issue 12 item 10) at 100,000 procedures: one row per reminder as it
    stands now (its latest version) and per IVC filter retrieval window a physician has not decided
    on yet, with the columns the worklist filters and orders by, indexed. A derived table, like
    ``search_terms``: the services rebuild a case's rows from the records and the reminder rules
    (``services.followup``), incrementally from the version rows added since ``worklist_marks``.
    Not part of the record (nothing clinical is kept only here), so not append-only nor sealed.
    Body in ``store/worklist.py``."""
    from cathlog.store import worklist as worklist_store  # here: store.worklist imports the store

    worklist_store.migrate_0012(db)


@migrations(name="0013_removed_users")
def removed_users(db: Database) -> None:
    """A user created by mistake can be removed (issue 12 item 12): a new state, not a DELETE.

    The account row stays, marked with ``removed_at``, so every audit row that names it still
    names one person and the name is never given to someone else. Users are never deleted (a
    trigger refuses DELETE), and a removed account stays removed: no later UPDATE touches it."""
    db.execute("ALTER TABLE users ADD COLUMN removed_at TEXT "
               f"CHECK (removed_at IS NULL OR ({real_timestamp_sql('removed_at')}))")
    db.execute("CREATE TRIGGER users_no_delete BEFORE DELETE ON users "
               "BEGIN SELECT RAISE(ABORT, 'users are never deleted; remove or disable the account'); END")
    db.execute("CREATE TRIGGER users_removed_stays_removed BEFORE UPDATE ON users WHEN OLD.removed_at IS NOT NULL "
               "BEGIN SELECT RAISE(ABORT, 'a removed account cannot be changed'); END")


@migrations(name="0014_dicom_identifiers_and_dose_inbox")
def dicom_identifiers_and_dose_inbox(db: Database) -> None:
    """The X-ray system and the worklist fill the record (issue 15): the case's accession number, Study
    Instance UID (indexed) and requested procedure; the provenance of a radiation entry reported by a
    DICOM dose report (a trigger from the data dictionary); the dose-report inbox. Body in
    ``store/dose_inbox.py``."""
    from cathlog.store import dose_inbox  # here: dose_inbox uses this module's helpers

    dose_inbox.migrate_0014(db)


@migrations(name="0015_hl7_inbox_outbox")
def hl7_inbox_outbox(db: Database) -> None:
    """The HL7 v2 interface (issue 16): every message received (``hl7_inbox``), the admin's merge tasks
    (ADT^A40 never merges by itself: ``hl7_merge_tasks``) and the durable outbox of signed reports
    (``hl7_outbox``). Operational tables whose state changes are audited by the services; rows are never
    deleted and a message's text never changes (``store/hl7.py``)."""
    from cathlog.store import hl7  # here, not at the top: store.hl7 imports the store, which imports this

    hl7.create(db.conn)


@migrations(name="0016_audit_indexes")
def audit_indexes(db: Database) -> None:
    """The audit viewer filters 4 million rows (100,000 procedures) by user, action or date within
    milliseconds (issue 18 item 6; docs/performance.md): each index holds ``seq`` after its value, so a
    page of one user's or one action's rows walks it in ``seq`` order, and ``store/audit_pages.py``
    reads a date range through ``audit_at``. About 65 bytes a row for the three."""
    for name, column in (("audit_username", "username"), ("audit_action", "action"), ("audit_at", "at")):
        db.execute(f"CREATE INDEX {name} ON audit ({column})")


@migrations(name="0017_audit_month")
def audit_month(db: Database) -> None:
    """The audit viewer filtered to a long range (a year: 800,000 of 4 million rows) lists its newest rows
    within milliseconds (issue 18 item 6): ``store/audit_pages.py`` reads each whole month of the range from
    its own ``(month, seq)`` range of this index (a year: 221 -> 1.6 ms CPU). About 20 bytes a row."""
    db.execute(f"CREATE INDEX audit_month ON audit ({MONTH_EXPRESSION}, seq)")
