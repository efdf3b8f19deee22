"""Every admin dialog fits a 1366x768 screen (about 1366x730 left under the title and task
bars), in both themes, with real content in it."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from cathlog.ui.admin import AuditDialog, ExportDialog, UsersDialog
from cathlog.ui.restore_dialog import RestoreDialog
from cathlog.ui.theme import THEMES, stylesheet


@pytest.fixture(params=THEMES)
def themed(request, qapp):
    qapp.setStyleSheet(stylesheet(request.param))
    yield request.param
    qapp.setStyleSheet("")


@pytest.mark.parametrize("make", [
    lambda s, a, folder: UsersDialog(s, a),
    lambda s, a, folder: AuditDialog(s, a),
    lambda s, a, folder: ExportDialog(s, a),
    lambda s, a, folder: RestoreDialog(s, a, folder),
], ids=["users", "audit", "export", "restore"])
def test_admin_dialogs_fit_a_laptop_screen(qtbot, services, admin, tmp_path, themed, make):
    services.demo.load(admin, 3, seed=1)
    folder = tmp_path / "backups"
    services.admin.automatic_backup(folder)
    dialog = make(services, admin, folder)
    qtbot.addWidget(dialog)
    dialog.show()
    QApplication.processEvents()
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 730, (hint.width(), hint.height())
    screen = dialog.screen().availableGeometry()
    assert dialog.width() <= screen.width() and dialog.height() <= screen.height()
    if isinstance(dialog, RestoreDialog):
        dialog.wait_for_checks()
