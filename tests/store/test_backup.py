"""Backup and restore keep integrity and never make things worse (F8, F9)."""

import hashlib
import sqlite3

import pytest

from cathlog.domain.errors import CorruptDatabase, NewerSchema, NotACathlogDatabase, PermissionDenied
from cathlog.store import audit
from cathlog.store import backup as backups
from cathlog.store import backup_rotation
from cathlog.store.schema import SCHEMA_VERSION
from tests.helpers import open_case

pytestmark = pytest.mark.sqlite_only(reason="cathlog's backup and restore copy the database file (a server: pg_dump; its refusal: "
                                            "tests/services/test_admin_backups.py)")


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_is_verified_and_audited(tmp_path, services, admin, nurse):
    open_case(services, nurse)
    info = services.admin.backup(admin, tmp_path / "b" / "copy.db")
    assert info.path.exists() and info.sha256 == _sha(info.path)
    backups.verify_file(info.path)
    assert not list((tmp_path / "b").glob(".*tmp"))  # no temporary file left behind
    (row,) = [r for r in audit.rows(services.store) if r.action == "backup"]
    assert info.sha256 in row.new_value


def test_only_admins_back_up_and_restore(tmp_path, services, nurse, physician):
    with pytest.raises(PermissionDenied):
        services.admin.backup(nurse, tmp_path / "x.db")
    with pytest.raises(PermissionDenied):
        services.admin.restore(physician, tmp_path / "x.db")


def test_restore_brings_back_the_old_state_and_keeps_the_replaced_file(tmp_path, services, admin, nurse):
    first = open_case(services, nurse, "A")
    copy = services.admin.backup(admin, tmp_path / "copy.db").path
    open_case(services, nurse, "B")
    assert len(services.cases.list_cases(nurse)) == 2
    kept = services.admin.restore(admin, copy)
    assert [c.procedure_id for c in services.cases.list_cases(nurse)] == [first.procedure_id]
    assert kept is not None and kept.exists()
    old = sqlite3.connect(kept)
    assert old.execute("SELECT count(DISTINCT procedure_id) FROM procedure_versions").fetchone()[0] == 2
    assert services.store.integrity_check() == []
    assert [r.action for r in audit.rows(services.store)][-1] == "restore"
    assert audit.verify_chain(services.store).ok


@pytest.mark.parametrize("make, error", [
    (lambda p: p.write_text("not a database"), CorruptDatabase),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE t (x)"), NotACathlogDatabase),
    (lambda p: p.write_bytes(b""), NotACathlogDatabase),
])
def test_restore_refuses_bad_files_before_touching_anything(tmp_path, services, admin, nurse, make, error):
    open_case(services, nurse)
    services.store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    bad = tmp_path / "bad.db"
    make(bad)
    before = _sha(services.store.path)
    with pytest.raises(error):
        services.admin.restore(admin, bad)
    assert _sha(services.store.path) == before
    assert len(services.cases.list_cases(nurse)) == 1


def test_restore_refuses_a_newer_schema(tmp_path, services, admin):
    copy = services.admin.backup(admin, tmp_path / "copy.db").path
    conn = sqlite3.connect(copy)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(NewerSchema):
        services.admin.restore(admin, copy)


def test_truncated_backup_is_refused(tmp_path, services, admin, nurse):
    for i in range(20):
        open_case(services, nurse, f"M{i}")
    copy = services.admin.backup(admin, tmp_path / "copy.db").path
    data = copy.read_bytes()
    copy.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptDatabase):
        services.admin.restore(admin, copy)


def test_automatic_backups_keep_the_newest(tmp_path, services, admin, clock):
    folder = tmp_path / "auto"
    for _ in range(5):
        services.admin.automatic_backup(folder, keep=3)
        clock.advance(days=1)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 3 and names[-1].startswith("cathlog-20261125")
    assert backup_rotation.latest_backup(folder).name == names[-1]
