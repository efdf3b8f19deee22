"""Restore with other processes, and kill -9 inside restore (issue 13 items 2 and 10).

* A child process writes entries in a loop and prints each acknowledged one;
  the parent restores meanwhile. Every entry acknowledged before the restore
  is in the kept copy, every one after it in the live database, none in both
  and none anywhere else; the child learns that the database was replaced.
* A child restoring is killed mid-copy, or at a random moment: the database
  reopens with integrity ok and either the old or the new content entirely.
* The file-level restore (used only when the live file cannot be opened) is
  killed before each of its renames: there is always a database at the live
  path, and the next open finishes or leaves it, never half of it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from cathlog.domain.enums import Role
from cathlog.services import Services
from cathlog.store import audit
from cathlog.store import backup as backups
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD
from tests.helpers import open_case

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
ROOT = Path(__file__).resolve().parents[2]

WRITER = textwrap.dedent("""
    import sys
    from argon2 import PasswordHasher, profiles
    from cathlog.domain.errors import CathlogError
    from cathlog.services import Services
    from cathlog.store.db import Store
    services = Services(Store.open(sys.argv[1]), hasher=PasswordHasher.from_parameters(profiles.CHEAPEST))
    nurse = services.auth.sign_in("nurse", sys.argv[3])
    replaced, token = services.admin.database_replaced_since(None)
    i = 0
    while True:
        try:
            ev = services.cases.record_event(nurse, sys.argv[2], "act", {"act_s": 100 + i % 900})
        except CathlogError as exc:
            print("ERR", exc, flush=True)
            continue
        print(ev.event_id, flush=True)  # acknowledged: the commit returned
        replaced, token = services.admin.database_replaced_since(token)
        if replaced:
            print("REPLACED", flush=True)
        i += 1
""")

RESTORER = textwrap.dedent("""
    import os, signal, sys, time
    from pathlib import Path
    from argon2 import PasswordHasher, profiles
    from cathlog.services import Services
    from cathlog.store import backup
    from cathlog.store.db import Store
    services = Services(Store.open(sys.argv[1]), hasher=PasswordHasher.from_parameters(profiles.CHEAPEST))
    admin = services.auth.sign_in("admin", sys.argv[3])
    if sys.argv[4] == "mid-copy":  # stop inside the copy, under the write lock, after the old content was kept
        real = backup.restore_into
        def slow(*args, **kwargs):
            def step(remaining, total):
                print("STEP", remaining, total, flush=True)
                time.sleep(60)
            return real(*args, **kwargs, on_step=step)
        backup.restore_into = slow
    print("GO", flush=True)
    services.admin.restore(admin, Path(sys.argv[2]))
    print("DONE", flush=True)
""")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _setup(path: Path) -> tuple[Services, str]:
    services = Services(Store.open(path), hasher=FAST_HASHER)
    admin = services.auth.create_first_admin("admin", "Admin", PASSWORD)
    services.auth.add_user(admin, "nurse", "Nurse", Role.NURSE, PASSWORD)
    nurse = services.auth.sign_in("nurse", PASSWORD)
    return services, open_case(services, nurse).procedure_id


def _ids(path: Path, sql: str = "SELECT event_id FROM event_versions") -> set[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute(sql)}
    finally:
        conn.close()


def _sound(path: Path) -> Store:
    store = Store.open(path)
    assert store.integrity_check() == []
    assert audit.verify_chain(store).ok
    return store


class _Lines:
    """Reads a child's stdout in a thread, so the parent can restore meanwhile."""

    def __init__(self, child: subprocess.Popen):
        self.lines: list[str] = []
        self._child = child
        self._thread = threading.Thread(target=self._read, args=(child,), daemon=True)
        self._thread.start()

    def _read(self, child: subprocess.Popen) -> None:
        for line in child.stdout:
            self.lines.append(line.strip())

    def acks(self) -> list[str]:
        return [x for x in list(self.lines) if len(x) == 32]

    def wait_for(self, condition, child: subprocess.Popen, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            assert child.poll() is None, child.stderr.read()
            assert time.monotonic() < deadline, f"child output so far: {self.lines[-5:]}"
            time.sleep(0.01)

    def join(self) -> None:
        self._thread.join(timeout=30)
        self._child.stdout.close()
        self._child.stderr.close()


def test_restore_while_another_process_writes_loses_no_acknowledged_entry(tmp_path):
    path = tmp_path / "lab" / "cathlog.db"
    path.parent.mkdir()
    services, procedure_id = _setup(path)
    admin = services.auth.sign_in("admin", PASSWORD)
    copy = services.admin.backup(admin, tmp_path / "copy.db").path
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(path), procedure_id, PASSWORD],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    out = _Lines(child)
    try:
        out.wait_for(lambda: len(out.acks()) >= 30, child)
        acked_before = len(out.acks())
        kept = services.admin.restore(admin, copy)
        acked_after = len(out.acks())
        out.wait_for(lambda: len(out.acks()) >= acked_after + 30 and "REPLACED" in out.lines, child)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        out.join()
    services.store.close()
    acked = out.acks()
    assert len(set(acked)) == len(acked)
    in_kept, in_live, in_backup = _ids(kept), _ids(path), _ids(copy)
    assert not in_backup & set(acked)
    assert all(a in in_kept for a in acked[:acked_before])  # acknowledged before the restore: kept
    assert all(a in in_live for a in acked[acked_after:])  # acknowledged after it: live
    assert all((a in in_kept) != (a in in_live) for a in acked)  # each in exactly one of them
    k = sum(1 for a in acked if a in in_kept)
    assert set(acked[:k]) <= in_kept and set(acked[k:]) <= in_live  # the restore is one moment in the sequence
    for file in (kept, path):
        store = _sound(file)
        try:
            events = store.db.conn.execute("SELECT count(*) FROM event_versions").fetchone()[0]
            audited = store.db.conn.execute("SELECT count(*) FROM audit WHERE action = 'record_event'").fetchone()[0]
            assert events == audited  # no entry without its audit row
        finally:
            store.close()
    names = {p.name for p in path.parent.iterdir()}
    assert names <= {path.name, f"{path.name}-wal", f"{path.name}-shm", kept.name}  # none anywhere else


def _restoring_child(path: Path, copy: Path, mode: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RESTORER, str(path), str(copy), PASSWORD, mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())


def _old_and_new(tmp_path: Path) -> tuple[Path, Path, set[str], set[str]]:
    """A pristine live file with two cases, and a backup holding the first only."""
    pristine = tmp_path / "pristine.db"
    services, _ = _setup(pristine)
    admin = services.auth.sign_in("admin", PASSWORD)
    copy = services.admin.backup(admin, tmp_path / "copy.db").path
    open_case(services, services.auth.sign_in("nurse", PASSWORD), "B")
    services.store.close()
    cases = "SELECT DISTINCT procedure_id FROM procedure_versions"
    return pristine, copy, _ids(pristine, cases), _ids(copy, cases)


def test_kill_9_mid_copy_rolls_the_restore_back(tmp_path):
    pristine, copy, old, new = _old_and_new(tmp_path)
    path = tmp_path / "live" / "cathlog.db"
    path.parent.mkdir()
    shutil.copyfile(pristine, path)
    child = _restoring_child(path, copy, "mid-copy")
    out = _Lines(child)
    try:
        out.wait_for(lambda: any(x.startswith("STEP") for x in out.lines), child)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        out.join()
    step = next(x for x in out.lines if x.startswith("STEP")).split()
    assert 0 < int(step[1]) < int(step[2])  # killed with pages still to copy
    store = _sound(path)
    try:
        assert {r[0] for r in store.db.conn.execute("SELECT DISTINCT procedure_id FROM procedure_versions")} == old
        assert "restore" not in [r.action for r in audit.rows(store)]
        assert backups.database_token(store) == ""
    finally:
        store.close()


def test_kill_9_at_random_moments_of_a_restore_leaves_old_or_new_entirely(tmp_path):
    pristine, copy, old, new = _old_and_new(tmp_path)
    rng = random.Random(13)
    for cycle in range(6):
        path = tmp_path / f"c{cycle}" / "cathlog.db"
        path.parent.mkdir()
        shutil.copyfile(pristine, path)
        child = _restoring_child(path, copy, "random")
        out = _Lines(child)
        try:
            out.wait_for(lambda: "GO" in out.lines, child)
            time.sleep(rng.uniform(0.0, 0.25))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            out.join()
        assert path.exists()
        store = _sound(path)
        try:
            cases = {r[0] for r in store.db.conn.execute("SELECT DISTINCT procedure_id FROM procedure_versions")}
            restored = "restore" in [r.action for r in audit.rows(store)]
        finally:
            store.close()
        assert (cases, restored) in ((old, False), (new, True))  # the content and its audit row together
        if restored:  # then the replaced content was kept first
            (kept,) = [p for p in path.parent.iterdir() if ".replaced-" in p.name]
            assert _ids(kept, "SELECT DISTINCT procedure_id FROM procedure_versions") == old


FILE_RESTORER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from cathlog.store import backup
    mode, k = sys.argv[3], int(sys.argv[4])
    real_replace, real_unlink, count = os.replace, Path.unlink, [0]
    def replace(a, b):
        count[0] += 1
        if mode == "replace" and count[0] == k:
            os.kill(os.getpid(), signal.SIGKILL)  # just before the k-th rename
        real_replace(a, b)
    def unlink(self, missing_ok=False):
        real_unlink(self, missing_ok=missing_ok)
        if mode == "wal" and self.name.endswith("-wal"):
            os.kill(os.getpid(), signal.SIGKILL)  # the old WAL is gone, the new file not yet in place
    os.replace, Path.unlink = replace, unlink
    backup.restore(Path(sys.argv[1]), Path(sys.argv[2]))
    print("DONE", flush=True)
""")


@pytest.fixture
def live_with_wal(tmp_path):
    """A live file whose newest entries are still only in its WAL, and a backup of the first case."""
    path = tmp_path / "src" / "cathlog.db"
    path.parent.mkdir()
    services, procedure_id = _setup(path)
    admin = services.auth.sign_in("admin", PASSWORD)
    copy = services.admin.backup(admin, tmp_path / "copy.db").path
    nurse = services.auth.sign_in("nurse", PASSWORD)
    for i in range(5):
        services.cases.record_event(nurse, procedure_id, "act", {"act_s": 200 + i})
    pristine = tmp_path / "pristine"
    pristine.mkdir()
    shutil.copyfile(path, pristine / "cathlog.db")  # copied while open: the WAL holds the entries
    shutil.copyfile(f"{path}-wal", pristine / "cathlog.db-wal")
    services.store.close()
    old, new = _ids(path), _ids(copy)
    assert old > new and (pristine / "cathlog.db-wal").stat().st_size > 0
    return pristine, copy, old, new


# the renames of backup.restore: kept copy, kept WAL copy, journal, the staged file over the live one
@pytest.mark.parametrize("mode, k, expected", [
    ("replace", 1, "old"), ("replace", 2, "old"), ("replace", 3, "old"), ("wal", 0, "new"),
    ("replace", 4, "new"), ("none", 0, "new"),
])
def test_kill_9_inside_a_file_restore_is_finished_or_left_at_the_next_open(tmp_path, live_with_wal, mode, k,
                                                                           expected):
    pristine, copy, old, new = live_with_wal
    path = tmp_path / "live" / "cathlog.db"
    shutil.copytree(pristine, path.parent)
    result = subprocess.run([sys.executable, "-c", FILE_RESTORER, str(copy), str(path), mode, str(k)],
                            capture_output=True, text=True, timeout=60, env=_env())
    assert result.returncode == (0 if mode == "none" else -signal.SIGKILL), result.stderr
    assert path.is_file()  # never no database at the live path
    store = _sound(path)  # runs the recovery first
    try:
        ids = {r[0] for r in store.db.conn.execute("SELECT event_id FROM event_versions")}
    finally:
        store.close()
    assert ids == (old if expected == "old" else new)
    assert not (path.parent / f".{path.name}.restore-journal").exists()
    kept = [p for p in path.parent.iterdir() if ".replaced-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    if expected == "new":  # the old content, WAL included, is in the kept copy
        (kept_file,) = kept
        assert _ids(kept_file) == old
