"""The admin services behind the restore and export screens: role checks, and counts that
match what is written."""

import pytest

from cathlog.domain.errors import PermissionDenied, StoreError

BACKUP_FILES = "cathlog's backups are copies of the database file (a server is backed up with pg_dump)"


@pytest.mark.sqlite_only(reason=BACKUP_FILES)
def test_only_a_restorer_lists_reads_or_verifies_backups(tmp_path, services, admin, nurse):
    services.demo.load(admin, 2, seed=1)
    folder = tmp_path / "b"
    services.admin.automatic_backup(folder)
    (listed,) = services.admin.list_backups(admin, folder)
    assert not listed.read and listed.cases is None  # instant: name, size and moment only
    read = services.admin.backup_reader(admin)(listed.path)
    assert read.read and read.cases == 2 and services.admin.verify_backup(admin, listed.path) is None
    assert services.admin.lost_by_restoring(admin, read).nothing
    for call in (lambda: services.admin.list_backups(nurse, folder), lambda: services.admin.backup_reader(nurse),
                 lambda: services.admin.backup_verifier(nurse), lambda: services.admin.lost_by_restoring(nurse, read)):
        with pytest.raises(PermissionDenied):
            call()


@pytest.mark.sqlite_only(reason=BACKUP_FILES)
def test_a_damaged_backup_is_named_not_raised(tmp_path, services, admin):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\0" * 8192)
    assert services.admin.verify_backup(admin, junk)


@pytest.mark.backends
def test_the_case_count_is_the_exports_selection(services, admin, nurse):
    services.demo.load(admin, 6, seed=4)
    assert services.exchange.count_cases(admin) == 6 == len(list(services.exchange.iter_records(admin)))
    venous = {"category": "venous"}
    assert services.exchange.count_cases(admin, venous) == len(list(services.exchange.iter_records(admin, **venous)))
    with pytest.raises(PermissionDenied):
        services.exchange.count_cases(nurse)


@pytest.mark.backends
def test_backup_and_restore_work_on_a_file_and_a_server_refuses_them_by_name(tmp_path, services, admin, backend):
    """A server is backed up with pg_dump: cathlog's own backup, automatic backup and restore say so, and write
    nothing; on a file they work (tests/store/test_backup.py)."""
    services.demo.load(admin, 1, seed=1)
    copy, folder = tmp_path / "copy.db", tmp_path / "auto"
    calls = (lambda: services.admin.backup(admin, copy), lambda: services.admin.automatic_backup(folder),
             lambda: services.admin.restore(admin, copy))
    if backend == "sqlite":
        for call in calls:
            call()
        return
    before = services.store.engine.scalar("SELECT count(*) FROM audit")
    for call in calls:
        with pytest.raises(StoreError, match="works on a database file.*pg_dump"):
            call()
    assert not copy.exists() and not folder.exists()
    assert services.store.engine.scalar("SELECT count(*) FROM audit") == before
