"""The fault plan of reliability-tests.md: crashes, full disks, write errors,
corrupt files, a second writer, read-only files, hostile input. Each test
ends by checking integrity and comparing with what was acknowledged.
Figures of the last run are in docs/reliability.md; `-m slow` runs the soak.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cathlog.domain.enums import Role
from cathlog.domain.errors import (
    CathlogError,
    DatabaseLocked,
    ReadOnlyDatabase,
    RecordFormatError,
    StoreError,
)
from cathlog.exchange.json_records import parse_records
from cathlog.services import Services
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD
from tests.helpers import open_case

ROOT = Path(__file__).resolve().parents[2]
KILL_CYCLES = int(os.environ.get("CATHLOG_KILL_CYCLES", "50"))

WRITER = textwrap.dedent("""
    import sys
    from argon2 import PasswordHasher, profiles
    from cathlog.services import Services
    from cathlog.store.db import Store
    services = Services(Store.open(sys.argv[1]), hasher=PasswordHasher.from_parameters(profiles.CHEAPEST))
    nurse = services.auth.sign_in("nurse", sys.argv[3])
    i = 0
    while True:
        ev = services.cases.record_event(nurse, sys.argv[2], "act", {"act_s": 100 + i % 900})
        print(ev.event_id, flush=True)  # acknowledged: the commit returned
        i += 1
""")


def _setup(path: Path) -> tuple[Services, str]:
    services = Services(Store.open(path), hasher=FAST_HASHER)
    admin = services.auth.create_first_admin("admin", "Admin", PASSWORD)
    services.auth.add_user(admin, "nurse", "Nurse", Role.NURSE, PASSWORD)
    nurse = services.auth.sign_in("nurse", PASSWORD)
    proc = open_case(services, nurse)
    return services, proc.procedure_id


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _kill_cycles(path: Path, procedure_id: str, cycles: int, seed: int) -> tuple[int, int]:
    """Start a writer, kill -9 it at a random moment, repeat; returns (acknowledged, cycles)."""
    rng = random.Random(seed)
    acknowledged = set()
    for _ in range(cycles):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(path), procedure_id, PASSWORD],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
        deadline = time.monotonic() + 20
        first = child.stdout.readline()  # wait until it writes, then let it run a random while
        assert first, child.stderr.read()
        acknowledged.add(first.strip())
        time.sleep(rng.uniform(0.0, 0.15))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=max(1.0, deadline - time.monotonic()))
        acknowledged |= {line.strip() for line in out.splitlines() if len(line.strip()) == 32}
    store = Store.open(path)
    try:
        assert store.integrity_check() == []
        stored = {r[0] for r in store.db.conn.execute("SELECT event_id FROM event_versions")}
        missing = acknowledged - stored
        assert not missing, f"{len(missing)} acknowledged entries lost"
        audits = store.db.conn.execute("SELECT count(*) FROM audit WHERE action = 'record_event'").fetchone()[0]
        assert audits == len(stored)  # no entry without its audit row, no audit row without its entry
    finally:
        store.close()
    return len(acknowledged), cycles


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
def test_f1_kill_9_at_random_moments(tmp_path):
    services, pid = _setup(tmp_path / "kill.db")
    services.store.close()
    acknowledged, cycles = _kill_cycles(tmp_path / "kill.db", pid, KILL_CYCLES, seed=1)
    assert cycles == KILL_CYCLES and acknowledged >= KILL_CYCLES


@pytest.mark.slow
def test_f1_soak(tmp_path):
    services, pid = _setup(tmp_path / "soak.db")
    services.store.close()
    _kill_cycles(tmp_path / "soak.db", pid, 500, seed=2)


def test_f2_disk_full_saves_nothing_and_recovers(tmp_path):
    services, pid = _setup(tmp_path / "full.db")
    nurse = services.auth.sign_in("nurse", PASSWORD)
    conn = services.store.db.conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    before = conn.execute("SELECT count(*) FROM event_versions").fetchone()[0]
    from cathlog.domain.errors import DiskFull

    with pytest.raises(DiskFull, match="not saved"):
        for _ in range(500):
            services.cases.record_event(nurse, pid, "note", {"text": "y" * 3900})
    stored = conn.execute("SELECT count(*) FROM event_versions").fetchone()[0]
    audits = conn.execute("SELECT count(*) FROM audit WHERE action = 'record_event'").fetchone()[0]
    assert stored - before == audits
    conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    services.cases.record_event(nurse, pid, "note", {"text": "after the disk was freed"})
    assert services.store.integrity_check() == []


F3_CHILD = textwrap.dedent("""
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    from argon2 import PasswordHasher, profiles
    from cathlog.domain.errors import CathlogError
    from cathlog.services import Services
    from cathlog.store.db import Store
    services = Services(Store.open(sys.argv[1]), hasher=PasswordHasher.from_parameters(profiles.CHEAPEST))
    nurse = services.auth.sign_in("nurse", sys.argv[3])
    size = int(sys.argv[4])
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    saved = 0
    try:
        for i in range(10000):
            services.cases.record_event(nurse, sys.argv[2], "note", {"text": "z" * 3000})
            saved += 1
    except CathlogError as exc:
        print(f"REFUSED {type(exc).__name__}: {exc}")
    print(f"SAVED {saved}")
""")


def test_f3_write_error_is_named_and_nothing_half_written(tmp_path):
    path = tmp_path / "fsize.db"
    services, pid = _setup(path)
    services.store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    services.store.close()
    limit = path.stat().st_size + 256 * 1024
    result = subprocess.run([sys.executable, "-c", F3_CHILD, str(path), pid, PASSWORD, str(limit)],
                            capture_output=True, text=True, timeout=120, env=_env())
    assert "REFUSED" in result.stdout, result.stdout + result.stderr
    assert "Traceback" not in result.stdout
    saved = int(result.stdout.rsplit("SAVED ", 1)[1])
    store = Store.open(path)
    try:
        assert store.integrity_check() == []
        count = store.db.conn.execute("SELECT count(*) FROM event_versions WHERE kind = 'note'").fetchone()[0]
        assert count == saved  # every acknowledged entry, and nothing that was refused
    finally:
        store.close()


F4_CHILD = textwrap.dedent("""
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    from cathlog.exchange.json_records import write_records
    from cathlog.services import Services
    from cathlog.store.db import Store
    services = Services(Store.open(sys.argv[1]))
    admin = services.auth.sign_in("admin", sys.argv[2])
    records = list(services.exchange.iter_records(admin))
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    try:
        write_records(sys.argv[3], records)
    except OSError as exc:
        print(f"FAILED {exc.strerror}: {exc.filename}")
""")


def test_f4_failed_export_leaves_no_partial_file(tmp_path):
    path = tmp_path / "exp.db"
    services, _ = _setup(path)
    services.demo.load(services.auth.sign_in("admin", PASSWORD), 5, seed=1)
    services.store.close()
    target = tmp_path / "out" / "export.json"
    target.parent.mkdir()
    result = subprocess.run([sys.executable, "-c", F4_CHILD, str(path), PASSWORD, str(target)],
                            capture_output=True, text=True, timeout=120, env=_env())
    assert "FAILED" in result.stdout, result.stdout + result.stderr
    assert list(target.parent.iterdir()) == []  # neither the target nor a temporary file


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fx") / "fixture.db"
    services, _ = _setup(path)
    services.demo.load(services.auth.sign_in("admin", PASSWORD), 6, seed=3)
    services.store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    services.store.db.conn.execute("PRAGMA journal_mode = DELETE")
    services.store.close()
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=st.integers(min_value=0), data=st.binary(min_size=1, max_size=64))
def test_f7_random_byte_flips_open_cleanly_or_refuse_cleanly(tmp_path_factory, fixture_db, offset, data):
    copy = tmp_path_factory.mktemp("flip") / "copy.db"
    shutil.copyfile(fixture_db, copy)
    size = copy.stat().st_size
    with copy.open("r+b") as fh:
        fh.seek(offset % size)
        fh.write(data)
    damaged = hashlib.sha256(copy.read_bytes()).hexdigest()
    try:
        store = Store.open(copy)
    except StoreError:
        assert hashlib.sha256(copy.read_bytes()).hexdigest() == damaged  # refused: never written to
        return
    try:
        services = Services(store, hasher=FAST_HASHER)
        try:
            admin = services.auth.sign_in("admin", PASSWORD)
            for summary in services.cases.list_cases(admin):
                services.cases.get_record(admin, summary.procedure_id)
        except CathlogError:
            pass  # a refusal with a message is a clean outcome too
    finally:
        store.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
def test_f8_kill_during_backup_leaves_the_previous_backup(tmp_path, fixture_db):
    target = tmp_path / "backup.db"
    shutil.copyfile(fixture_db, target)
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    code = textwrap.dedent(f"""
        from pathlib import Path
        from cathlog.store import backup
        from cathlog.store.db import Store
        import os, signal
        store = Store.open({str(fixture_db)!r})
        real = backup.verify_file
        def killed(path):
            os.kill(os.getpid(), signal.SIGKILL)  # dies after the copy, before the rename
        backup.verify_file = killed
        backup.backup_to(store, Path({str(target)!r}))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=_env())
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before
    leftovers = [p for p in tmp_path.iterdir() if p.name not in ("backup.db", "xdg")]  # xdg: the test's own folders
    assert all(p.name.startswith(".backup.db.") for p in leftovers)  # a temp name, never the final one


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
def test_f10_crash_during_migration_keeps_old_or_new_version(tmp_path):
    from cathlog.store import schema
    from tests.helpers import make_v1_database

    path = make_v1_database(tmp_path / "v1.db")
    code = textwrap.dedent(f"""
        import os, signal
        from cathlog.store import migration_steps, schema
        real = migration_steps.review_reminders_signatures
        def dying(db):
            real(db)
            os.kill(os.getpid(), signal.SIGKILL)  # after migration 0002 ran, before the commit
        schema.migrations._migrations[1].fn = dying
        from cathlog.store.db import Store
        Store.open({str(path)!r})
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=_env())
    assert result.returncode == -signal.SIGKILL, result.stderr
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "review_versions" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert (tmp_path / "v1.db.pre-migration-v1.bak").exists()
    store = Store.open(path)  # the next start finishes the migration
    assert store.db.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    store.close()


def test_f11_second_writer_waits_then_says_in_use(tmp_path):
    path = tmp_path / "two.db"
    services, pid = _setup(path)
    nurse = services.auth.sign_in("nurse", PASSWORD)
    other = Services(Store.open(path, busy_timeout_ms=300), hasher=FAST_HASHER)
    holder = sqlite3.connect(path)
    holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(DatabaseLocked, match="in use by another cathlog"):
        other.cases.record_event(nurse, pid, "act", {"act_s": 250})
    assert time.monotonic() - started >= 0.25  # it waited for the busy timeout
    holder.rollback()
    holder.close()
    other.cases.record_event(nurse, pid, "act", {"act_s": 251})  # retried after the lock is gone
    assert len(services.cases.get_record(nurse, pid).events) == 1
    other.store.close()


def test_f12_read_only_database_refuses_saves_with_a_reason(tmp_path):
    path = tmp_path / "ro.db"
    services, pid = _setup(path)
    services.store.close()
    ro = Services(Store.open(path, read_only=True), hasher=FAST_HASHER)
    from cathlog.domain.records import Actor

    nurse = Actor("nurse", "Nurse", Role.NURSE, "ws")
    assert ro.cases.get_record(nurse, pid).procedure.procedure_id == pid
    with pytest.raises(ReadOnlyDatabase, match="read-only"):
        ro.cases.record_event(nurse, pid, "act", {"act_s": 250})
    ro.store.close()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_i11_hostile_import_bytes_fail_cleanly(raw):
    try:
        parse_records(raw, "hostile.json")
    except RecordFormatError as exc:
        assert str(exc).startswith("hostile.json")


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children,
                                                                                      max_size=4), max_leaves=20))
def test_i11_hostile_json_structures_fail_cleanly(doc):
    wrapped = {"format": "cathlog-procedure-records", "format_version": 1, "procedures": [doc]}
    try:
        parse_records(json.dumps(wrapped).encode(), "x.json")
    except RecordFormatError:
        pass


def test_i11_huge_and_ragged_files(tmp_path):
    with pytest.raises(RecordFormatError, match="^deep.json: "):
        parse_records(b'{"format": ' + b"[" * 100000, "deep.json")
    with pytest.raises(RecordFormatError, match="not UTF-8"):
        parse_records(b'{"a": "\xc3\x28"}', "bad.json")
    from cathlog.exchange import json_records

    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.truncate(json_records.MAX_IMPORT_BYTES + 1)
    with pytest.raises(RecordFormatError, match="larger than"):
        json_records.read_records(big)


def test_s1_password_never_logged(tmp_path, caplog):
    services, _ = _setup(tmp_path / "s1.db")
    secret = "a very secret passphrase"
    admin = services.auth.sign_in("admin", PASSWORD)
    services.auth.add_user(admin, "kate", "Kate", Role.NURSE, secret)
    services.auth.sign_in("kate", secret)
    for table in ("audit", "users"):
        dump = repr(services.store.db.conn.execute(f"SELECT * FROM {table}").fetchall())
        assert secret not in dump
    assert secret not in caplog.text
