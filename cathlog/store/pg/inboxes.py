"""The server twins of the file's inboxes (issue 17): import staging (SQLite migration 0007), the DICOM dose
inbox (0014) and the HL7 inbox, merge tasks and outbox (0015), as they stand at schema 16.

The same columns, keys and CHECKs as SQLite's (their text from ``store/check_sql.py``'s PostgreSQL back end
where the file's come from it: a DICOM UID, a real time); a file's ``BLOB`` is ``bytea``, a JSON text
``json`` (kept byte for byte, as the seals need). What differs is how a wall is built:

- the dose inbox's three tables are append-only (``store/schema.APPEND_ONLY_TABLES``): ``store/pg/walls.py``
  walls and grants them with the record's tables;
- the HL7 tables change state in place: the runtime role may UPDATE exactly the columns the services
  change (:data:`UPDATABLE`, column-level grants), never DELETE; triggers keep what SQLite's keep (a received
  message as it came, an outbound message once built, a decided merge task) for the owner too;
- import staging is not part of the record: a job's state and a record's ``applied`` flag change, and a
  finished job's staging rows are removed (DELETE on ``import_job_records`` only).
"""

from __future__ import annotations

from cathlog.store.check_sql import quote
from cathlog.store.dose_inbox import CHANNELS as DOSE_CHANNELS
from cathlog.store.dose_inbox import STATES as DOSE_STATES
from cathlog.store.hl7 import INBOX_STATES, OUTBOX_STATES, TASK_STATES
from cathlog.store.pg.dialect import POSTGRES as D

# What migrate-db copies (after the record's tables), in an order the foreign keys accept; each with its
# sort key. Row-number columns whose sequence is set after a copy: IDENTITY.
COPIED = {"import_jobs": "job_id", "import_job_records": "job_id, seq", "dose_report_files": "sha256",
          "dose_reports": "sop_instance_uid", "dose_report_states": "row_id", "hl7_inbox": "inbox_id",
          "hl7_merge_tasks": "task_id", "hl7_outbox": "message_id"}
IDENTITY = {"dose_report_states": "row_id", "hl7_inbox": "inbox_id", "hl7_merge_tasks": "task_id",
            "hl7_outbox": "message_id"}
# The runtime role's UPDATE rights, column by column (the columns the services change in place).
UPDATABLE = {
    "import_jobs": "state",
    "import_job_records": "applied",
    "hl7_inbox": "state, ack_code, error, patient_id, attempts, last_attempt_at",
    "hl7_merge_tasks": "state, decided_at, decided_by, note",
    "hl7_outbox": "message, pdf_sha256, state, attempts, next_attempt_at, last_attempt_at, acknowledged_at, "
                  "ack_code, reason, destination",
}
READ_ONLY = ("current_dose_report_states",)
# The HL7 tables' triggers (``cathlog check`` reports one missing or disabled, as the record's walls).
TRIGGERS = (("hl7_inbox", "hl7_inbox_no_delete"), ("hl7_inbox", "hl7_inbox_no_truncate"),
            ("hl7_inbox", "hl7_inbox_message_fixed"), ("hl7_merge_tasks", "hl7_merge_tasks_no_delete"),
            ("hl7_merge_tasks", "hl7_merge_tasks_no_truncate"), ("hl7_merge_tasks", "hl7_merge_tasks_decided_once"),
            ("hl7_outbox", "hl7_outbox_no_delete"), ("hl7_outbox", "hl7_outbox_no_truncate"),
            ("hl7_outbox", "hl7_outbox_message_fixed"))


def _in(col: str, values: tuple[str, ...]) -> str:
    return f"{col} IN ({', '.join(quote(v) for v in values)})"


def _moment(col: str, null: bool = False) -> str:
    if null:
        return f"{col} text CHECK ({col} IS NULL OR cathlog_real_timestamp({col}))"
    return f"{col} text NOT NULL CHECK (cathlog_real_timestamp({col}))"


def _uid(col: str, null: bool = False) -> str:
    check = f"length({col}) BETWEEN 1 AND 64 AND {D.uid_syntax(col)}"
    return f"{col} text CHECK ({col} IS NULL OR ({check}))" if null else f"{col} text NOT NULL CHECK ({check})"


def _text(col: str, max_len: int) -> str:
    return f"{col} text CHECK ({col} IS NULL OR length({col}) BETWEEN 1 AND {max_len})"


def _states(col: str, states: tuple[str, ...]) -> str:
    return f"{col} text NOT NULL CHECK ({_in(col, states)})"


def tables() -> list[str]:
    return [
        f"""CREATE TABLE import_jobs (
  job_id text PRIMARY KEY CHECK (length(job_id) = 32),
  source text NOT NULL,
  sha256 text NOT NULL CHECK (length(sha256) = 64),
  username text NOT NULL,
  workstation text NOT NULL,
  {_moment('created_at')},
  total bigint NOT NULL CHECK (total >= 0),
  state text NOT NULL CHECK ({_in('state', ('staging', 'ready', 'done'))})
)""",
        """CREATE TABLE import_job_records (
  job_id text NOT NULL REFERENCES import_jobs (job_id),
  seq bigint NOT NULL CHECK (seq >= 1),
  procedure_id text NOT NULL,
  record json NOT NULL,
  applied bigint NOT NULL DEFAULT 0 CHECK (applied IN (0, 1)),
  PRIMARY KEY (job_id, seq)
)""",
        """CREATE TABLE dose_report_files (
  sha256 text PRIMARY KEY CHECK (length(sha256) = 64 AND sha256 ~ '^[0-9a-f]*$'),
  size bigint NOT NULL CHECK (size >= 1),
  content bytea NOT NULL CHECK (length(content) = size)
)""",
        f"""CREATE TABLE dose_reports (
  {_uid('sop_instance_uid')} PRIMARY KEY,
  {_uid('sop_class_uid')},
  {_moment('received_at')},
  received_by text NOT NULL CHECK (length(received_by) BETWEEN 1 AND 100),
  workstation text NOT NULL,
  channel text NOT NULL CHECK ({_in('channel', DOSE_CHANNELS)}),
  sender text NOT NULL CHECK (length(sender) BETWEEN 1 AND 255),
  file_sha256 text NOT NULL REFERENCES dose_report_files (sha256),
  {_uid('study_instance_uid', null=True)},
  {_text('accession_number', 16)},
  {_text('patient_id', 64)},
  {_text('patient_name', 324)},
  {_text('patient_birth_date', 8)},
  {_text('patient_sex', 16)},
  {_text('manufacturer', 64)},
  {_text('model', 64)},
  {_text('device_observer', 64)},
  study_at text CHECK (study_at IS NULL OR cathlog_real_timestamp(study_at || 'Z')),
  totals json NOT NULL CHECK (json_typeof(totals) = 'object'),
  problem text CHECK (problem IS NULL OR length(problem) BETWEEN 1 AND 1000)
)""",
        f"""CREATE TABLE dose_report_states (
  row_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  sop_instance_uid text NOT NULL REFERENCES dose_reports (sop_instance_uid),
  version bigint NOT NULL CHECK (version >= 1),
  state text NOT NULL CHECK ({_in('state', DOSE_STATES)}),
  procedure_id text CHECK (procedure_id IS NULL OR length(procedure_id) BETWEEN 1 AND 64),
  event_id text CHECK (event_id IS NULL OR length(event_id) = 32),
  reason text CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 1000),
  {_moment('changed_at')},
  changed_by text NOT NULL CHECK (length(changed_by) BETWEEN 1 AND 100),
  workstation text NOT NULL,
  UNIQUE (sop_instance_uid, version),
  CHECK (state NOT IN ('matched', 'attached') OR procedure_id IS NOT NULL),
  CHECK ((state = 'attached') = (event_id IS NOT NULL)),
  CHECK (state <> 'refused' OR reason IS NOT NULL),
  CHECK (version = 1 OR reason IS NOT NULL)
)""",
        f"""CREATE TABLE hl7_inbox (
  inbox_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  {_moment('received_at')},
  peer text NOT NULL,
  sending_application text NOT NULL,
  sending_facility text NOT NULL,
  message_type text NOT NULL,
  control_id text NOT NULL,
  message text NOT NULL CHECK (length(message) >= 1),
  {_states('state', INBOX_STATES)},
  ack_code text NOT NULL CHECK (ack_code IN ('AA', 'AE', 'AR')),
  error text,
  patient_id text CHECK (patient_id IS NULL OR length(patient_id) = 32),
  attempts bigint NOT NULL CHECK (attempts >= 1),
  {_moment('last_attempt_at')},
  CHECK (state IN ('applied', 'task') OR length(error) >= 1)
)""",
        f"""CREATE TABLE hl7_merge_tasks (
  task_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  inbox_id bigint NOT NULL UNIQUE REFERENCES hl7_inbox (inbox_id),
  {_moment('created_at')},
  surviving_mrn text NOT NULL CHECK (length(surviving_mrn) >= 1),
  prior_mrn text NOT NULL CHECK (length(prior_mrn) >= 1),
  {_states('state', TASK_STATES)},
  {_moment('decided_at', null=True)},
  decided_by text,
  note text,
  CHECK (state = 'open' OR (decided_at IS NOT NULL AND length(decided_by) >= 1 AND length(note) >= 1))
)""",
        f"""CREATE TABLE hl7_outbox (
  message_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  control_id text NOT NULL UNIQUE CHECK (length(control_id) BETWEEN 1 AND 20),
  procedure_id text NOT NULL,
  event text NOT NULL CHECK (event IN ('sign', 'addendum')),
  message_type text NOT NULL CHECK (message_type IN ('ORU^R01', 'MDM^T02')),
  {_moment('queued_at')},
  queued_by text NOT NULL CHECK (length(queued_by) >= 1),
  destination text NOT NULL CHECK (length(destination) >= 1),
  message text CHECK (message IS NULL OR length(message) >= 1),
  pdf_sha256 text CHECK (pdf_sha256 IS NULL OR length(pdf_sha256) = 64),
  {_states('state', OUTBOX_STATES)},
  attempts bigint NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  {_moment('next_attempt_at')},
  {_moment('last_attempt_at', null=True)},
  {_moment('acknowledged_at', null=True)},
  ack_code text CHECK (ack_code IS NULL OR ack_code IN ('AA', 'AE', 'AR', 'CA', 'CE', 'CR')),
  reason text,
  CHECK (state <> 'acknowledged' OR (acknowledged_at IS NOT NULL AND message IS NOT NULL)),
  CHECK (state <> 'failed' OR length(reason) >= 1)
)""",
    ]


def _refuse(name: str, text: str, args: str = "") -> str:
    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n  RAISE EXCEPTION '{text}'{args};\nEND\n$$")


def indexes_views_and_triggers() -> list[str]:
    """SQLite's indexes and view; the HL7 tables' triggers (rows never deleted, messages never changed, a
    decided task stays decided), for every role (the owner too)."""
    out = [
        "CREATE INDEX dose_reports_study ON dose_reports (study_instance_uid) WHERE study_instance_uid IS NOT NULL",
        "CREATE INDEX dose_reports_received ON dose_reports (received_at)",
        "CREATE INDEX dose_report_states_state ON dose_report_states (state, sop_instance_uid)",
        "CREATE VIEW current_dose_report_states AS SELECT * FROM dose_report_states AS v WHERE NOT EXISTS "
        "(SELECT 1 FROM dose_report_states AS n WHERE n.sop_instance_uid = v.sop_instance_uid "
        "AND n.version > v.version)",
        "CREATE INDEX hl7_inbox_control ON hl7_inbox (sending_facility, control_id)",
        "CREATE INDEX hl7_inbox_state ON hl7_inbox (state, inbox_id)",
        "CREATE INDEX hl7_merge_tasks_state ON hl7_merge_tasks (state, task_id)",
        "CREATE INDEX hl7_outbox_due ON hl7_outbox (state, next_attempt_at)",
        "CREATE INDEX hl7_outbox_procedure ON hl7_outbox (procedure_id, message_id)",
        _refuse("cathlog_hl7_never_deleted", "% rows are never deleted (% refused)", ", TG_TABLE_NAME, TG_OP"),
        _refuse("cathlog_hl7_message_fixed", 'a received HL7 message is kept as it came: it cannot be changed'),
        _refuse("cathlog_hl7_task_decided", 'a decided merge task stays decided: it cannot be changed'),
        _refuse("cathlog_hl7_outbound_fixed", 'an outbound HL7 message never changes once built: it cannot be '
                                              'changed'),
    ]
    for table in ("hl7_inbox", "hl7_merge_tasks", "hl7_outbox"):
        out.append(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION cathlog_hl7_never_deleted()")
        out.append(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION cathlog_hl7_never_deleted()")
    out += [
        "CREATE TRIGGER hl7_inbox_message_fixed BEFORE UPDATE OF message, control_id, received_at ON hl7_inbox "
        "FOR EACH ROW EXECUTE FUNCTION cathlog_hl7_message_fixed()",
        "CREATE TRIGGER hl7_merge_tasks_decided_once BEFORE UPDATE ON hl7_merge_tasks "
        "FOR EACH ROW WHEN (OLD.state <> 'open') EXECUTE FUNCTION cathlog_hl7_task_decided()",
        "CREATE TRIGGER hl7_outbox_message_fixed BEFORE UPDATE OF message, control_id, pdf_sha256 ON hl7_outbox "
        "FOR EACH ROW WHEN (OLD.message IS NOT NULL OR OLD.control_id IS DISTINCT FROM NEW.control_id) "
        "EXECUTE FUNCTION cathlog_hl7_outbound_fixed()",
    ]
    return out


def statements() -> list[str]:
    """Every CREATE of this module, in order (``store/pg/schema.py`` runs them before the walls and grants)."""
    return [*tables(), *indexes_views_and_triggers()]


def grants(role: str) -> list[str]:
    """The runtime role's rights here (the dose inbox's append-only tables are granted by ``walls.grants``):
    read and add; UPDATE only the columns of :data:`UPDATABLE`; DELETE only finished staging rows."""
    out = [f"GRANT SELECT ON {', '.join(READ_ONLY)} TO {role}"]
    for table, cols in UPDATABLE.items():
        out.append(f"GRANT SELECT, INSERT ON {table} TO {role}")
        out.append(f"GRANT UPDATE ({cols}) ON {table} TO {role}")
    out.append(f"GRANT DELETE ON import_job_records TO {role}")
    return out
