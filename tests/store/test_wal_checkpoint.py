"""The WAL's checkpoint off the save path (store/wal.py): a background thread checkpoints; the writer's own
automatic checkpoint stays as a bound; a crash, a backup and a close with a long WAL lose nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cathlog.domain.enums import EventKind, Role
from cathlog.services import Services
from cathlog.store import audit, checkpoint, wal
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD
from tests.helpers import open_case

pytestmark = pytest.mark.sqlite_only(reason="a WAL is SQLite's; a server checkpoints its own log")
ROOT = Path(__file__).resolve().parents[2]
FRAME_BYTES = 4096 + 24


def _saves(services, nurse, pid, n):
    for i in range(n):
        services.cases.record_event(nurse, pid, EventKind.NOTE, {"text": f"note {i}"}, confirm=True)


def _fresh(path: Path):
    """A new file with a nurse signed in: (services, nurse, case id)."""
    services = Services(Store.open(path), hasher=FAST_HASHER)
    admin = services.auth.create_first_admin("admin", "Admin", PASSWORD)
    services.auth.add_user(admin, "nurse", "Nurse", Role.NURSE, PASSWORD)
    nurse = services.auth.sign_in("nurse", PASSWORD)
    return services, nurse, open_case(services, nurse).procedure_id


def _wal_bytes(store) -> int:
    return os.stat(f"{store.path}-wal").st_size


def test_the_background_checkpoint_copies_the_wal_after_a_pause(services, nurse, monkeypatch):
    monkeypatch.setattr(wal, "IDLE_MIN_COMMITS", 5)
    monkeypatch.setattr(wal, "IDLE_S", 0.05)
    conn = services.store.db.conn
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == wal.WAL_BOUND_PAGES
    pid = open_case(services, nurse).procedure_id
    done = services.store.wal.checkpoints
    _saves(services, nurse, pid, 5)
    assert services.store.wal.wait_for(done + 1, timeout_s=30)
    busy, frames, copied = services.store.wal.last_result
    assert busy == 0 and frames > 0 and copied == frames


def test_steady_writing_is_checkpointed_without_a_pause(services, nurse, monkeypatch):
    monkeypatch.setattr(wal, "IDLE_MIN_COMMITS", 5)
    monkeypatch.setattr(wal, "BUSY_COMMITS", 10)
    monkeypatch.setattr(wal, "IDLE_S", 3600.0)  # never a pause
    pid = open_case(services, nurse).procedure_id
    done = services.store.wal.checkpoints
    _saves(services, nurse, pid, 12)
    assert services.store.wal.wait_for(done + 1, timeout_s=30)


def test_the_writer_still_bounds_the_wal_when_no_background_checkpoint_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(wal, "IDLE_MIN_COMMITS", 10**9)  # the background never starts
    monkeypatch.setattr(wal, "WAL_BOUND_PAGES", 60)
    services, nurse, pid = _fresh(tmp_path / "bound.db")
    try:
        _saves(services, nurse, pid, 40)  # ~15 pages a save: ~600 pages without the bound
        assert services.store.wal.checkpoints == 0
        assert _wal_bytes(services.store) < 150 * FRAME_BYTES
    finally:
        services.store.close()


CHILD = textwrap.dedent("""
    import os, signal, sys
    from argon2 import PasswordHasher, profiles
    from cathlog.services import Services
    from cathlog.store import wal
    from cathlog.store.db import Store
    wal.IDLE_MIN_COMMITS = 10**9  # nothing checkpoints: every acknowledged save is in the WAL only
    services = Services(Store.open(sys.argv[1]), hasher=PasswordHasher.from_parameters(profiles.CHEAPEST))
    nurse = services.auth.sign_in("nurse", sys.argv[3])
    for i in range(int(sys.argv[4])):
        ev = services.cases.record_event(nurse, sys.argv[2], "note", {"text": f"n{i}"}, confirm=True)
        print(ev.event_id, flush=True)  # acknowledged: the commit returned
    print("wal", os.stat(sys.argv[1] + "-wal").st_size, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
def test_a_kill_with_a_long_wal_loses_no_acknowledged_save(tmp_path):
    path = tmp_path / "kill.db"
    services, _, pid = _fresh(path)
    services.store.close()
    result = subprocess.run([sys.executable, "-c", CHILD, str(path), pid, PASSWORD, "120"], capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == -signal.SIGKILL, result.stderr
    lines = result.stdout.split()
    acknowledged = {line for line in lines if len(line) == 32}
    assert len(acknowledged) == 120
    assert int(lines[lines.index("wal") + 1]) > 1000 * FRAME_BYTES  # past SQLite's own threshold: not copied
    again = Services(Store.open(path), hasher=FAST_HASHER)
    try:
        assert again.store.integrity_check() == []
        stored = {r[0] for r in again.store.db.conn.execute("SELECT event_id FROM event_versions")}
        assert acknowledged <= stored
        assert audit.verify_rows(again.store) == []
        assert checkpoint.problems(again.store) == []
    finally:
        again.store.close()


def test_a_backup_holds_what_is_still_only_in_the_wal(services, nurse, admin, tmp_path, monkeypatch):
    monkeypatch.setattr(wal, "IDLE_MIN_COMMITS", 10**9)
    pid = open_case(services, nurse).procedure_id
    _saves(services, nurse, pid, 30)
    stored = services.store.db.conn.execute("SELECT count(*) FROM event_versions").fetchone()[0]
    target = tmp_path / "backups" / "cathlog-20261121T090000Z.cathlog-backup.db"
    services.admin.backup(admin, target)
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("SELECT count(*) FROM event_versions").fetchone()[0] == stored
    finally:
        copy.close()


def test_close_waits_for_the_checkpoint_and_removes_the_wal(tmp_path, monkeypatch):
    monkeypatch.setattr(wal, "IDLE_MIN_COMMITS", 3)
    monkeypatch.setattr(wal, "IDLE_S", 0.0)
    store_path = tmp_path / "close.db"
    services, nurse, pid = _fresh(store_path)
    _saves(services, nurse, pid, 10)
    checkpointer = services.store.wal
    services.store.close()
    assert checkpointer._thread is None
    assert not Path(f"{store_path}-wal").exists()  # the last connection checkpointed and removed it
    checkpointer.committed()  # after close: nothing starts
    assert checkpointer._thread is None


def test_the_checkpointer_never_creates_a_file_that_is_gone(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(wal, "IDLE_MIN_COMMITS", 1)
    monkeypatch.setattr(wal, "IDLE_S", 0.0)
    gone = tmp_path / "gone.db"
    checkpointer = wal.WalCheckpointer(gone)
    checkpointer.committed()
    checkpointer.close()
    assert not gone.exists()
    assert checkpointer.checkpoints == 0


def test_reopen_keeps_one_checkpointer(services, nurse):
    services.store.reopen()
    assert services.store.wal is not None
    assert services.store.db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == wal.WAL_BOUND_PAGES


def test_stop_writing_stops_the_background_checkpoint(services, nurse, monkeypatch):
    monkeypatch.setattr(wal, "IDLE_MIN_COMMITS", 1)
    monkeypatch.setattr(wal, "IDLE_S", 3600.0)  # it would wait for a pause
    pid = open_case(services, nurse).procedure_id
    _saves(services, nurse, pid, 1)
    checkpointer = services.store.wal
    services.store.stop_writing()  # after a failed background check: the file is left as it is
    assert checkpointer._thread is None
    done = checkpointer.checkpoints
    checkpointer.committed()
    assert checkpointer._thread is None and checkpointer.checkpoints == done
