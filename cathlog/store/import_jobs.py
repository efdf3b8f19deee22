"""The staging tables of an import (see migration 0006_import_jobs).

An import is staged record by record (the record as JSON, ready to apply) and
then applied; each step runs in the caller's short write transaction. Through
``store.engine``: the same SQL on a file and on the server (``store/pg/inboxes.py``).
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
    store.engine.insert("import_jobs", dict(vars(job)))


def stage(store: Store, job_id: str, rows: list[tuple[int, str, str]]) -> None:
    """Stage (seq, procedure_id, record JSON) rows of a job."""
    store.engine.executemany(
        "INSERT INTO import_job_records (job_id, seq, procedure_id, record) VALUES (?, ?, ?, ?)",
        [(job_id, seq, pid, record) for seq, pid, record in rows])


def set_state(store: Store, job_id: str, state: str) -> None:
    store.engine.execute("UPDATE import_jobs SET state = ? WHERE job_id = ?", [state, job_id])


@translated
def unfinished(store: Store) -> list[ImportJob]:
    """Jobs not done, oldest first."""
    rows = store.engine.execute(
        "SELECT job_id, source, sha256, username, workstation, created_at, total, state FROM import_jobs "
        "WHERE state <> 'done' ORDER BY created_at, job_id").fetchall()
    return [ImportJob(*r) for r in rows]


@translated
def staged_procedure_ids(store: Store, other_than: str) -> set[str]:
    """Procedure ids staged by other jobs not yet done (they are taken)."""
    rows = store.engine.execute(
        "SELECT r.procedure_id FROM import_job_records AS r JOIN import_jobs AS j USING (job_id) "
        "WHERE j.state <> 'done' AND r.applied = 0 AND j.job_id != ?", [other_than]).fetchall()
    return {r[0] for r in rows}


@translated
def pending_batch(store: Store, job_id: str, after_seq: int, limit: int) -> list[tuple[int, str]]:
    """(seq, record JSON) of up to ``limit`` records of the job not applied yet, after ``after_seq``."""
    rows = store.engine.execute(
        "SELECT seq, record FROM import_job_records WHERE job_id = ? AND applied = 0 AND seq > ? "
        "ORDER BY seq LIMIT ?", [job_id, after_seq, limit]).fetchall()
    return [(int(seq), str(record)) for seq, record in rows]


def mark_applied(store: Store, job_id: str, seq: int) -> None:
    store.engine.execute("UPDATE import_job_records SET applied = 1 WHERE job_id = ? AND seq = ?", [job_id, seq])


def discard(store: Store, job_id: str, limit: int = 100) -> int:
    """Remove up to ``limit`` of a job's staging rows (after it is done, or when it was never
    fully staged); returns how many were removed, so a caller can remove them in short steps."""
    cursor = store.engine.execute(
        "DELETE FROM import_job_records WHERE job_id = ? AND seq IN "
        "(SELECT seq FROM import_job_records WHERE job_id = ? ORDER BY seq LIMIT ?)", [job_id, job_id, limit])
    return int(cursor.rowcount)  # type: ignore[attr-defined]


@translated
def high_water(store: Store) -> int:
    """The newest audit row now: every MRN reservation and case version written after this moment is sealed
    under a later one (``store/seals.py``), on a file and on the server alike."""
    return int(store.engine.scalar("SELECT coalesce(max(seq), 0) FROM audit"))


@translated
def taken_since(store: Store, mark: int) -> tuple[set[str], set[str]]:
    """Normalised MRNs reserved and case ids created (or changed) after ``mark`` (see high_water), by their
    seals (indexed by audit row)."""
    found: dict[str, set[str]] = {"patient_mrns": set(), "procedure_versions": set()}
    for table, rid in store.engine.execute(
            "SELECT tbl, rid FROM seals WHERE seq > ? AND tbl IN ('patient_mrns', 'procedure_versions')", [mark]):
        found[table].add(rid)
    return found["patient_mrns"], found["procedure_versions"]


@translated
def done_with_rows(store: Store) -> list[str]:
    """Finished jobs whose staging rows were not all removed yet."""
    rows = store.engine.execute(
        "SELECT DISTINCT r.job_id FROM import_job_records AS r JOIN import_jobs AS j USING (job_id) "
        "WHERE j.state = 'done'").fetchall()
    return [r[0] for r in rows]
