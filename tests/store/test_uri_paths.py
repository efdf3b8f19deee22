"""Folder and file names SQLite's URI syntax would misread (issue 13 item 7): every
connection goes through one quoting helper, so "Lab #2" opens, backs up, restores and
checks the right file, and a damaged file there is reported as damaged."""

import os
import sqlite3

import pytest

from cathlog.domain.enums import Role
from cathlog.services import Services
from cathlog.store import backup as backups
from cathlog.store.db import Store
from cathlog.store.sqlite_file import quick_check_file, sqlite_uri
from tests.conftest import FAST_HASHER, PASSWORD

pytestmark = pytest.mark.sqlite_only(reason="file and folder names in SQLite's URI syntax")

NAMES = ["Lab #2", "why?mode=rw", "100%25 sure", "with  spaces", "Zoë 李 é", "a#b?c%d e&f=g", "bad\udcffbyte"]


def _listing(folder):
    """Every file under the test's folder but its own config/data folders (tests/conftest.py: xdg)."""
    return sorted(p.name for p in folder.parent.rglob("*") if p.relative_to(folder.parent).parts[0] != "xdg")


@pytest.mark.parametrize("name", NAMES)
def test_uri_quotes_every_byte(name, tmp_path):
    uri = sqlite_uri(tmp_path / name / "cathlog.db", read_only=True)
    assert uri.startswith("file:/") and uri.endswith("?mode=ro")
    body = uri[len("file:"):-len("?mode=ro")]
    assert "#" not in body and "?" not in body and " " not in body
    assert body.isascii()


@pytest.mark.parametrize("name", NAMES)
def test_open_read_only_backup_restore_and_check_in_awkward_folders(name, tmp_path, clock):
    folder = tmp_path / name
    folder.mkdir()
    live = folder / f"{name}.db"
    store = Store.open(live)
    services = Services(store, clock, hasher=FAST_HASHER)
    admin = services.auth.create_first_admin("admin", "Ada", PASSWORD)
    before = _listing(folder)
    assert quick_check_file(live) is None
    info = services.admin.backup(admin, folder / f"{name}.backup.db")
    backups.verify_file(info.path)
    services.auth.add_user(admin, "nina", "Nina", Role.NURSE, PASSWORD)  # after the backup
    ro = Store.open(live, read_only=True)
    assert [u.username for u in services.auth.list_users(admin)] == ["admin", "nina"]
    ro.close()
    services.admin.restore(admin, info.path)
    assert [u.username for u in services.auth.list_users(admin)] == ["admin"]  # the restored content
    store.close()
    # No stray file was created anywhere by a misread URI (only ours: db, WAL/SHM, backup, replaced copy).
    after = _listing(folder)
    stray = [n for n in after if n not in before and not n.startswith(os.path.basename(str(live)))
             and ".backup.db" not in n]
    assert stray == []
    assert not (tmp_path / name.split("#")[0].split("?")[0]).is_file()


def test_quick_check_reports_damage_in_a_folder_named_lab_hash_2(tmp_path):
    folder = tmp_path / "Lab #2"
    folder.mkdir()
    live = folder / "cathlog.db"
    Store.open(live).close()
    conn = sqlite3.connect(live)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with live.open("r+b") as fh:
        fh.seek(page * 2 + 8)
        fh.write(os.urandom(256))
    assert quick_check_file(live) is not None  # never "ok" from checking some other (empty) file
    assert not (tmp_path / "Lab ").exists()
