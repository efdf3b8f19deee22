"""Files that hold patient data (issue 13 items 8, 9 and 15): only regular files are ever
replaced; files are 0600 and cathlog's folders 0700; a full disk gets a named message;
backups are kept by age."""

from __future__ import annotations

import errno
import logging
import os
import stat
from datetime import datetime, timedelta, timezone

import pytest

from cathlog import cli
from cathlog.fileio import OutOfSpace, UnsafeTarget, atomic_write, check_target, private_folder
from cathlog.paths import backup_dir, log_dir, prepare_data_folder, private_log_file, secure_existing
from cathlog.store import backup as backups
from cathlog.store import backup_rotation
from cathlog.store.db import Store
from tests.conftest import PASSWORD
from tests.helpers import make_v1_database, open_case


def _mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(autouse=True)
def _usual_umask():
    old = os.umask(0o022)  # what most desktops use: new files 0644 unless cathlog says otherwise
    yield
    os.umask(old)


@pytest.fixture
def null_device(tmp_path):
    """A character device like /dev/null, made inside tmp_path so a regression cannot clobber the real one."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("cannot create a device node here (not root, or no CAP_MKNOD)")
    return node


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def _targets(tmp_path, fifo, null_device):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere.txt")
    return {"fifo": fifo, "device": null_device, "folder": folder, "link": link}


def _unchanged(kind, path):
    mode = os.lstat(path).st_mode
    return {"fifo": stat.S_ISFIFO, "device": stat.S_ISCHR, "folder": stat.S_ISDIR, "link": stat.S_ISLNK}[kind](mode)


# --- item 9: never replace what is not a regular file ----------------------------------------------


def test_check_target_accepts_new_names_and_regular_files_only(tmp_path, fifo, null_device):
    assert check_target(tmp_path / "new.json") == tmp_path / "new.json"
    (tmp_path / "old.json").write_text("x")
    check_target(tmp_path / "old.json")
    with pytest.raises(UnsafeTarget, match="exists"):
        check_target(tmp_path / "old.json", overwrite=False)
    with pytest.raises(UnsafeTarget, match="does not exist"):
        check_target(tmp_path / "missing" / "x.json")
    for kind, path in _targets(tmp_path, fifo, null_device).items():
        with pytest.raises(UnsafeTarget, match="not a regular file"):
            check_target(path)
        assert _unchanged(kind, path)
    with pytest.raises(UnsafeTarget):
        check_target("/dev/null")  # the real one: only looked at, never written


def test_atomic_write_refuses_devices_pipes_folders_and_links(tmp_path, fifo, null_device):
    for kind, path in _targets(tmp_path, fifo, null_device).items():
        with pytest.raises(UnsafeTarget):
            with atomic_write(path) as fh:
                fh.write("patient data")
        assert _unchanged(kind, path), kind
    assert not list(tmp_path.glob(".*.tmp"))


def test_backup_refuses_devices_pipes_and_folders(tmp_path, services, admin, fifo, null_device):
    for kind, path in _targets(tmp_path, fifo, null_device).items():
        with pytest.raises(UnsafeTarget):
            services.admin.backup(admin, path)
        assert _unchanged(kind, path), kind
    assert not [r for r in services.admin.audit_rows(admin) if r.action == "backup"]


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    from tests.conftest import FAST_HASHER

    monkeypatch.setattr("cathlog.services.auth.PasswordHasher", lambda: FAST_HASHER)
    db = tmp_path / "cli.db"
    monkeypatch.setenv("CATHLOG_DB", str(db))
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    assert cli.main(["init", "--admin", "admin"]) == 0
    return db


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_cli_commands_that_write_files_refuse_non_regular_targets(cli_env, tmp_path, capsys, fifo, null_device,
                                                                  kind):
    target = str(_targets(tmp_path, fifo, null_device)[kind])
    assert cli.main(["demo", "--procedures", "1", "--seed", "1"]) == 0
    for argv in (["backup", "--out", target], ["export", "--format", "json", "--overwrite", "--out", target],
                 ["export", "--format", "xlsx", "--overwrite", "--out", target]):
        capsys.readouterr()
        assert cli.main(argv) == 1, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "internal error" not in err, err
    assert _unchanged(kind, target)


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_report_and_db_refuse_devices(cli_env, tmp_path, capsys, fifo, null_device, kind):
    target = str({"fifo": fifo, "device": null_device}[kind])
    for argv in (["report", "P1", "--out", target], ["check", "--db", target], ["cases", "--db", target],
                 ["init", "--admin", "x", "--db", target]):
        capsys.readouterr()
        assert cli.main(argv) == 1, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "internal error" not in err, err
    assert _unchanged(kind, target)


def test_a_folder_as_db_is_a_one_line_error(cli_env, tmp_path, capsys):
    for argv in (["check", "--db", str(tmp_path)], ["cases", "--db", str(tmp_path)]):
        assert cli.main(argv) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "internal error" not in err, err


# --- item 15: a full disk is named, and no entry was being saved -----------------------------------


def _full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_full_disk_during_export_names_the_file_and_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "export.json"
    monkeypatch.setattr("cathlog.fileio.os.fsync", _full)
    with pytest.raises(OutOfSpace, match="disk is full") as info:
        with atomic_write(target) as fh:
            fh.write("x")
    assert "export.json" in str(info.value) and "entry" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_full_disk_during_backup_keeps_the_previous_backup(tmp_path, services, admin, monkeypatch):
    target = tmp_path / "b.db"
    first = services.admin.backup(admin, target)
    before = target.read_bytes()
    monkeypatch.setattr("cathlog.store.backup._fsync", _full)
    with pytest.raises(OutOfSpace, match="disk is full") as info:
        services.admin.backup(admin, target)
    assert "entry" not in str(info.value)
    assert target.read_bytes() == before and first.path == target
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_full_disk_in_cli_report_and_export_is_one_named_line(cli_env, tmp_path, capsys, monkeypatch):
    assert cli.main(["demo", "--procedures", "1", "--seed", "1"]) == 0
    capsys.readouterr()
    assert cli.main(["cases", "--format", "csv"]) == 0
    procedure_id = capsys.readouterr().out.splitlines()[1].split(",")[0]
    monkeypatch.setattr("cathlog.fileio.os.fsync", _full)
    monkeypatch.setattr("cathlog.store.backup._fsync", _full)
    for argv in (["report", procedure_id, "--out", str(tmp_path / "pdfs")],
                 ["export", "--format", "json", "--out", str(tmp_path / "x.json")],
                 ["backup", "--out", str(tmp_path / "x.db")]):
        assert cli.main(argv) == 1, argv
        err = capsys.readouterr().err
        assert "disk is full" in err and err.count("\n") == 1 and "internal error" not in err, err
        assert "entry was not saved" not in err


# --- item 8: modes ---------------------------------------------------------------------------------


def test_new_database_and_its_wal_and_shm_are_0600(tmp_path, clock):
    from cathlog.services import Services
    from tests.conftest import FAST_HASHER

    path = tmp_path / "lab.db"
    store = Store.open(path)
    services = Services(store, clock, hasher=FAST_HASHER)
    admin = services.auth.create_first_admin("admin", "Ada", PASSWORD)
    assert _mode(path) == 0o600
    for side in ("-wal", "-shm"):
        assert _mode(f"{path}{side}") == 0o600, side
    backup = services.admin.backup(admin, tmp_path / "copy.db").path
    assert _mode(backup) == 0o600
    kept = services.admin.restore(admin, backup)
    assert _mode(kept) == 0o600 and _mode(path) == 0o600
    store.close()


def test_existing_loose_files_are_tightened_with_a_log_note(tmp_path, caplog):
    path = tmp_path / "old.db"
    Store.open(path).close()
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING):
        Store.open(path).close()
    assert _mode(path) == 0o600
    assert "tightened the permissions" in caplog.text and "old.db" in caplog.text


def test_pre_migration_copy_is_0600(tmp_path):
    path = make_v1_database(tmp_path / "v1.db")
    os.chmod(path, 0o644)
    Store.open(path).close()
    (copy,) = tmp_path.glob("v1.db.pre-migration-v1.bak")
    assert _mode(copy) == 0o600 and _mode(path) == 0o600


def test_exports_and_reports_are_0600(tmp_path, services, admin, nurse):
    from cathlog.reports.make import write_reports

    target = tmp_path / "x.json"
    with atomic_write(target) as fh:
        fh.write("{}")
    assert _mode(target) == 0o600
    procedure = open_case(services, nurse)
    for pdf in write_reports(services, admin, procedure.procedure_id, tmp_path / "new-folder", ("summary",)):
        assert _mode(pdf) == 0o600
    assert _mode(tmp_path / "new-folder") == 0o700


def test_data_backup_and_log_folders_are_0700_and_tightened_at_start(tmp_path, services, admin):
    from cathlog.paths import data_dir

    db = data_dir() / "cathlog.db"
    prepare_data_folder(db)
    assert _mode(data_dir()) == 0o700
    auto = backup_dir(tmp_path / "cathlog.db")
    info = services.admin.automatic_backup(auto)
    assert _mode(auto) == 0o700 and _mode(info.path) == 0o600
    log_file = private_log_file("cathlog-cli.log")
    assert _mode(log_file) == 0o600 and _mode(log_dir()) == 0o700
    # An older cathlog left them open: tightened at the next start, each with a note.
    for path, mode in ((auto, 0o755), (info.path, 0o644), (log_dir(), 0o755), (log_file, 0o644),
                       (data_dir(), 0o755)):
        os.chmod(path, mode)
    changed = set(secure_existing(tmp_path / "cathlog.db")) | set(secure_existing(db))
    assert {auto, info.path, log_dir(), log_file, data_dir()} <= changed
    assert _mode(auto) == _mode(log_dir()) == _mode(data_dir()) == 0o700
    assert _mode(info.path) == _mode(log_file) == 0o600


def test_a_folder_the_user_chose_keeps_its_mode(tmp_path):
    chosen = tmp_path / "shared"
    chosen.mkdir(mode=0o755)
    os.chmod(chosen, 0o755)
    private_folder(chosen, tighten_existing=False)
    prepare_data_folder(chosen / "lab.db")
    assert _mode(chosen) == 0o755
    secure_existing(chosen / "lab.db")
    assert _mode(chosen) == 0o755


def test_cli_bug_log_is_private(tmp_path):
    path = cli._log_bug(RuntimeError("boom"))
    assert path is not None and _mode(path) == 0o600 and _mode(path.parent) == 0o700


# --- item 15: backups kept by age ------------------------------------------------------------------


def test_backups_are_kept_daily_for_14_days_and_weekly_for_8_weeks(tmp_path, services, clock):
    folder = tmp_path / "auto"
    folder.mkdir()
    now = clock.now
    for hours in range(8, 100 * 24, 8):  # three a day for 100 days before now (names only: age decides)
        moment = now - timedelta(hours=hours)
        (folder / f"cathlog-{moment.strftime('%Y%m%dT%H%M%SZ')}{backups.BACKUP_SUFFIX}").write_bytes(b"")
    (folder / "notes.txt").write_text("not a backup: left alone")
    info = services.admin.automatic_backup(folder)
    stamps = sorted(datetime.strptime(p.name[8:24], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
                    for p in folder.glob("cathlog-*"))
    recent = [s for s in stamps if now - s < timedelta(days=14)]
    older = [s for s in stamps if now - s >= timedelta(days=14)]
    assert len({s.date() for s in recent}) == len(recent) == 15  # one a day: today and the 14 days before
    assert len({s.isocalendar()[:2] for s in older}) == len(older) >= 6  # then one a week
    assert all(now - s < timedelta(weeks=8) for s in stamps)  # nothing older than 8 weeks
    assert stamps[-1] == now and info.path.exists() and (folder / "notes.txt").exists()


def test_retention_keeps_the_newest_even_with_a_wrong_clock():
    from pathlib import Path

    old = {Path("a"): datetime(2020, 1, 1, tzinfo=timezone.utc), Path("b"): datetime(2020, 1, 2, tzinfo=timezone.utc)}
    assert backup_rotation.backups_to_keep(old, datetime(2026, 1, 1, tzinfo=timezone.utc)) == {Path("b")}
