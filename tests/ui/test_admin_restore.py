"""Restore (issue 12 item 12): the backups listed with date, size, cases and whether they
verify; what restoring loses; a confirmation that defaults to No; the kept file shown."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from cathlog.ui.restore_dialog import CHECKING, READING, VERIFIED, RestoreDialog
from tests.ui.test_admin_users import Boxes


@pytest.fixture
def folder(tmp_path, services, admin, clock):
    """Two automatic backups a day apart (2 cases, then 3), then one more case after both,
    and a damaged file among them."""
    folder = tmp_path / "backups"
    clock.advance(days=30)  # past the machine's clock, which stamps each backup's moment
    services.demo.load(admin, 2, seed=1)
    services.admin.automatic_backup(folder)
    clock.advance(days=1)
    services.demo.load(admin, 1, seed=2)
    services.admin.automatic_backup(folder)
    clock.advance(days=1)
    services.demo.load(admin, 1, seed=3)
    (folder / "cathlog-20200101T000000Z.cathlog-backup.db").write_bytes(b"not a database" * 100)
    return folder


def _dialog(qtbot, services, admin, folder) -> RestoreDialog:
    dialog = RestoreDialog(services, admin, folder)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: all(dialog.table.item(i, 4).text() != CHECKING and dialog.table.item(i, 2).text() != READING
                                for i in range(dialog.table.rowCount())), timeout=10000)
    return dialog


def _select(qtbot, dialog, row):
    rect = dialog.table.visualRect(dialog.table.model().index(row, 0))
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_backups_are_listed_with_date_size_cases_and_verification(qtbot, services, admin, folder):
    dialog = _dialog(qtbot, services, admin, folder)
    rows = [[dialog.table.item(r, c).text() for c in range(6)] for r in range(dialog.table.rowCount())]
    assert len(rows) == 3
    newest, older, damaged = rows
    assert newest[2] == "3" and older[2] == "2" and newest[0] > older[0]  # local "YYYY-MM-DD HH:MM", newest first
    assert newest[1].endswith(("kB", "MB")) and newest[4] == older[4] == VERIFIED
    assert damaged[2] == "—" and damaged[4].startswith("✖")
    assert not dialog.restore_button.isEnabled() and "Select a row" in dialog.restore_button.toolTip()
    _select(qtbot, dialog, 2)
    assert not dialog.restore_button.isEnabled() and "cannot be restored" in dialog.restore_button.toolTip()


def test_the_older_backup_says_what_restoring_it_loses(qtbot, services, admin, folder):
    dialog = _dialog(qtbot, services, admin, folder)
    _select(qtbot, dialog, 1)
    text = dialog.loss.text()
    assert "2 cases opened or imported" in text and "log entries recorded" in text and "in 2 cases" in text
    _select(qtbot, dialog, 0)
    assert "1 case opened or imported" in dialog.loss.text()


def test_restoring_asks_first_defaulting_to_no_and_shows_the_kept_file(qtbot, services, admin, folder,
                                                                       monkeypatch):
    dialog = _dialog(qtbot, services, admin, folder)
    _select(qtbot, dialog, 1)
    boxes = Boxes(monkeypatch, "No")
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert boxes.shown[0]["default"] == "No" and boxes.shown[0]["escape"] == "No"
    assert "2 cases opened or imported" in boxes.shown[0]["text"]
    assert services.exchange.count_cases(admin) == 4 and dialog.message.text() == "Not restored."
    boxes.answers.append("Restore")
    with qtbot.waitSignal(dialog.restored) as restored:
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    kept = restored.args[0]
    assert kept.exists() and str(kept) in dialog.kept.text()
    assert services.exchange.count_cases(admin) == 2
    dialog.wait_for_checks()


def test_another_file_can_be_chosen(qtbot, services, admin, folder, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    elsewhere = tmp_path / "usb" / "lab-copy.db"
    services.admin.backup(admin, elsewhere)
    dialog = _dialog(qtbot, services, admin, None)
    assert dialog.table.rowCount() == 0 and "No backup found" in dialog.message.text()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(elsewhere), ""))
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert dialog.selected().path == elsewhere and dialog.table.item(0, 2).text() == "4"
    qtbot.waitUntil(lambda: dialog.table.item(0, 4).text() == VERIFIED, timeout=10000)
    # only the backup's own audit row came after it
    assert dialog.restore_button.isEnabled() and "No case was changed" in dialog.loss.text()
    assert "1 other audited action" in dialog.loss.text()


def test_the_list_shows_at_once_and_fills_in_beside_the_screen(qtbot, services, admin, folder):
    """Opening reads no backup on the GUI thread: the files are listed by name and size at once,
    their counts and verification arrive from the worker (each reading a whole file)."""
    dialog = RestoreDialog(services, admin, folder)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 3 and not any(b.read for b in dialog.backups)
    assert dialog.table.item(0, 2).text() == READING and dialog.table.item(0, 4).text() == CHECKING
    dialog.table.selectRow(0)
    assert not dialog.restore_button.isEnabled() and dialog.loss.text() == "Reading the backup…"
    with qtbot.waitSignal(dialog.all_checked, timeout=10000):
        pass
    assert dialog.table.item(0, 2).text() == "3" and dialog.restore_button.isEnabled()
    assert "1 case opened or imported" in dialog.loss.text()
