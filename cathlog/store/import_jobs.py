"""The staging tables of an import (see migration 0006_import_jobs).

An import is staged record by record (the record as JSON, ready to apply) and
then applied; each step runs in the caller's short write transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from cathlog.store.db import Store
from cathlog.store.errors import translated


@dataclass(frozen=True)
class ImportJob:
    job_id: str
    source: str
    sha256: str
    username: str
    workstation: str
    created_at: str
    total: int
    state: str


def create_job(store: Store, job: ImportJob) -> None:
    store.db.table("import_jobs").insert(vars(job))


def stage(store: Store, job_id: str, rows: list[tuple[int, str, str]]) -> None:
    """Stage (seq, procedure_id, record JSON) rows of a job."""
    store.db.conn.executemany(
        "INSERT INTO import_job_records (job_id, seq, procedure_id, record) VALUES (?, ?, ?, ?)",
        [(job_id, seq, pid, record) for seq, pid, record in rows])


def set_state(store: Store, job_id: str, state: str) -> None:
    store.db.conn.execute("UPDATE import_jobs SET state = ? WHERE job_id = ?", [state, job_id])


@translated
def unfinished(store: Store) -> list[ImportJob]:
    """Jobs not done, oldest first."""
    rows = store.db.conn.execute(
        "SELECT job_id, source, sha256, username, workstation, created_at, total, state FROM import_jobs "
        "WHERE state != 'done' ORDER BY created_at, job_id").fetchall()
    return [ImportJob(*r) for r in rows]


@translated
def staged_procedure_ids(store: Store, other_than: str) -> set[str]:
    """Procedure ids staged by other jobs not yet done (they are taken)."""
    rows = store.db.conn.execute(
        "SELECT r.procedure_id FROM import_job_records AS r JOIN import_jobs AS j USING (job_id) "
        "WHERE j.state != 'done' AND r.applied = 0 AND j.job_id != ?", [other_than]).fetchall()
    return {r[0] for r in rows}


@translated
def pending_batch(store: Store, job_id: str, after_seq: int, limit: int) -> list[tuple[int, str]]:
    """(seq, record JSON) of up to ``limit`` records of the job not applied yet, after ``after_seq``."""
    return store.db.conn.execute(
        "SELECT seq, record FROM import_job_records WHERE job_id = ? AND applied = 0 AND seq > ? "
        "ORDER BY seq LIMIT ?", [job_id, after_seq, limit]).fetchall()


def mark_applied(store: Store, job_id: str, seq: int) -> None:
    store.db.conn.execute("UPDATE import_job_records SET applied = 1 WHERE job_id = ? AND seq = ?", [job_id, seq])


def discard(store: Store, job_id: str, limit: int = 100) -> int:
    """Remove up to ``limit`` of a job's staging rows (after it is done, or when it was never
    fully staged); returns how many were removed, so a caller can remove them in short steps."""
    cursor = store.db.conn.execute(
        "DELETE FROM import_job_records WHERE rowid IN "
        "(SELECT rowid FROM import_job_records WHERE job_id = ? LIMIT ?)", [job_id, limit])
    return cursor.rowcount


@translated
def high_water(store: Store) -> tuple[int, int]:
    """The newest MRN reservation and case version now: what was taken after this moment is new."""
    conn = store.db.conn
    mrn = conn.execute("SELECT coalesce(max(rowid), 0) FROM patient_mrns").fetchone()[0]
    proc = conn.execute("SELECT coalesce(max(row_id), 0) FROM procedure_versions").fetchone()[0]
    return int(mrn), int(proc)


@translated
def taken_since(store: Store, mark: tuple[int, int]) -> tuple[set[str], set[str]]:
    """Normalised MRNs reserved and case ids created after ``mark`` (see high_water)."""
    conn = store.db.conn
    mrns = {r[0] for r in conn.execute("SELECT mrn_norm FROM patient_mrns WHERE rowid > ?", [mark[0]])}
    procs = {r[0] for r in conn.execute("SELECT procedure_id FROM procedure_versions WHERE row_id > ?", [mark[1]])}
    return mrns, procs


@translated
def done_with_rows(store: Store) -> list[str]:
    """Finished jobs whose staging rows were not all removed yet."""
    rows = store.db.conn.execute(
        "SELECT DISTINCT r.job_id FROM import_job_records AS r JOIN import_jobs AS j USING (job_id) "
        "WHERE j.state = 'done'").fetchall()
    return [r[0] for r in rows]
