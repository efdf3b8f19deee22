"""Start-up on a damaged database offers the last verified backup; the
damaged file is never written to (F5/F6). Automatic backups from the window."""

import hashlib

from PySide6.QtWidgets import QMessageBox

from cathlog.app import _open_or_offer_restore
from cathlog.paths import backup_dir
from cathlog.services import Services
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD


def _db_with_backup(tmp_path):
    path = tmp_path / "lab" / "cathlog.db"
    path.parent.mkdir()
    services = Services(Store.open(path), hasher=FAST_HASHER)
    services.auth.create_first_admin("admin", "Admin", PASSWORD)
    services.admin.automatic_backup(backup_dir(path))
    services.store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    services.store.close()
    data = bytearray(path.read_bytes())
    data[0:16] = b"\x00" * 16
    path.write_bytes(bytes(data))
    return path


def test_damaged_database_offers_the_backup(qtbot, tmp_path, monkeypatch):
    path = _db_with_backup(tmp_path)
    damaged = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    opened = _open_or_offer_restore(path)
    try:
        assert opened is not None and opened.store.integrity_check() == []
        assert opened.auth.has_users()
    finally:
        opened.close()
    kept = [p for p in path.parent.iterdir() if ".replaced-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1 and hashlib.sha256(kept[0].read_bytes()).hexdigest() == damaged
    assert "damaged file is kept" in shown[0]


def test_declining_leaves_the_damaged_file_alone(qtbot, tmp_path, monkeypatch):
    path = _db_with_backup(tmp_path)
    before = path.read_bytes()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    assert _open_or_offer_restore(path) is None
    assert path.read_bytes() == before


def test_window_writes_automatic_backups(qtbot, tmp_path, services, admin):
    from PySide6.QtCore import QSettings

    from cathlog.ui.main_window import MainWindow

    folder = tmp_path / "backups"
    window = MainWindow(services, admin, "t", settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                        backup_folder=folder)
    qtbot.addWidget(window)
    window.housekeeping.backup_now("on close")
    assert len(list(folder.glob("cathlog-*.cathlog-backup.db"))) == 1


def test_background_check_stops_saving_on_a_damaged_file(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings

    from cathlog.domain.errors import CathlogError
    from cathlog.ui.main_window import MainWindow
    from tests.helpers import open_case

    path = tmp_path / "c.db"
    services = Services(Store.open(path), hasher=FAST_HASHER)
    admin = services.auth.create_first_admin("admin", "Admin", PASSWORD)
    from cathlog.domain.enums import Role

    services.auth.add_user(admin, "n", "N", Role.NURSE, PASSWORD)
    nurse = services.auth.sign_in("n", PASSWORD)
    for i in range(30):
        open_case(services, nurse, f"M{i}")
    services.store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = services.store.db.conn.execute("PRAGMA page_size").fetchone()[0]
    with open(path, "r+b") as fh:
        fh.seek(page * 3 + 8)
        fh.write(b"\xff" * 200)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: shown.append(a[2]))
    win = MainWindow(services, nurse, "c", settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.housekeeping.checked, timeout=10000) as blocker:
        win.housekeeping.start_background_check()
    win.housekeeping.wait()
    assert blocker.args[0] is not None
    assert "Saving is stopped" in shown[0] and services.store.read_only
    try:
        services.cases.record_event(nurse, services.cases.list_cases(nurse)[0].procedure_id, "act", {"act_s": 250})
        raise AssertionError("a save went through to a damaged file")
    except CathlogError:
        pass
