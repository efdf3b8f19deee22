"""Reading backups for the restore screen (read-only) and what a restore would lose."""

from __future__ import annotations

import hashlib

import pytest

from cathlog.store import backup_list


pytestmark = pytest.mark.sqlite_only(reason="reads backup files of a database file for the restore screen")


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_backup_is_summarised_read_only(tmp_path, services, admin, clock):
    services.demo.load(admin, 3, seed=1)
    info = services.admin.backup(admin, tmp_path / "copy.db")
    before = _sha(info.path)
    summary = backup_list.summarise(info.path)
    assert _sha(info.path) == before and not list(tmp_path.glob("copy.db-*"))  # no journal, nothing written
    assert summary.cases == 3 and summary.entries > 3 and summary.size_bytes == info.size_bytes
    assert summary.taken_from == "checkpoint" and summary.problem is None
    assert summary.last_seq is not None and summary.last_at == "2026-11-21T09:00:00Z"


def test_an_unreadable_file_is_listed_with_its_problem(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"x" * 4096)
    summary = backup_list.summarise(junk)
    assert summary.cases is None and summary.problem.startswith("cannot be read")
    assert summary.taken_from == "file time"
    assert backup_list.backup_files(tmp_path) == [junk] and backup_list.backup_files(tmp_path / "none") == []


def test_what_a_restore_loses_is_the_live_trail_after_the_backups_last_row(tmp_path, services, admin, clock):
    services.demo.load(admin, 2, seed=1)
    info = services.admin.automatic_backup(tmp_path / "b")
    summary = backup_list.summarise(info.path)
    assert summary.taken_from == "file name" and summary.taken_at == "2026-11-21T09:00:00Z"
    since = backup_list.recorded_since(services.store, summary)
    assert since.exact and since.rows == 0  # an automatic backup is not audited
    services.demo.load(admin, 1, seed=2)  # same clock time: only the exact match can tell these rows apart
    since = backup_list.recorded_since(services.store, summary)
    assert since.exact and since.cases == 1 and since.actions["open_case"] == 1
    loss = services.admin.lost_by_restoring(admin, summary)
    assert loss.new_cases == 1 and loss.entries > 1 and loss.rows == since.rows


def test_a_backup_of_another_database_is_compared_by_time(tmp_path, services, admin, clock):
    from cathlog.services import Services
    from cathlog.store.db import Store
    from tests.conftest import FAST_HASHER, PASSWORD

    other = Store.open(tmp_path / "other.db")
    try:
        elsewhere = Services(other, clock, hasher=FAST_HASHER)
        boss = elsewhere.auth.create_first_admin("boss", "Boss", PASSWORD)
        path = elsewhere.admin.backup(boss, tmp_path / "other-copy.db").path
    finally:
        other.close()
    clock.advance(hours=1)
    services.demo.load(admin, 1, seed=2)
    since = backup_list.recorded_since(services.store, backup_list.summarise(path))
    assert not since.exact and since.cases == 1 and since.since == "2026-11-21T09:00:00Z"
