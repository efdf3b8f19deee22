"""Screenshots of the admin screens (users and roles, restore, export, audit trail) in both themes.

Run like scripts/screenshots.py, once per screen size, under Xvfb:
    xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python scripts/admin_screenshots.py docs/screenshots
    xvfb-run -a -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python scripts/admin_screenshots.py docs/screenshots --suffix=-1920
Builds a throwaway database with demo cases and two automatic backups a day apart; never touches real data.
:func:`capture` can also be called from scripts/screenshots.py with its own services.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtWidgets import QApplication  # noqa: E402
from screenshots import PASSWORD, MovableClock, _grab, _wait  # noqa: E402

from cathlog.domain.enums import Role  # noqa: E402
from cathlog.services import Services  # noqa: E402
from cathlog.store.db import Store  # noqa: E402
from cathlog.ui.admin import AuditDialog, ExportDialog, UsersDialog  # noqa: E402
from cathlog.ui.restore_dialog import CHECKING, RestoreDialog  # noqa: E402
from cathlog.ui.theme import apply_theme  # noqa: E402


def capture(app: QApplication, services: Services, admin, folder: Path, out: Path, suffix: str) -> None:
    for theme in ("light", "dim"):
        apply_theme(app, theme)
        users = UsersDialog(services, admin)
        names = [u.username for u in users.users]
        users.table.selectRow(names.index("kwalsh") if "kwalsh" in names else 0)
        _grab(users, out / f"admin-users-{theme}{suffix}.png")
        users.close()
        restore = RestoreDialog(services, admin, folder)
        restore.show()
        for _ in range(200):  # the verification runs beside the screen
            if all(restore.table.item(i, 4).text() != CHECKING for i in range(restore.table.rowCount())):
                break
            _wait(50)
        restore.table.selectRow(min(1, restore.table.rowCount() - 1))
        _grab(restore, out / f"admin-restore-{theme}{suffix}.png")
        restore.wait_for_checks()
        restore.close()
        export = ExportDialog(services, admin)
        _grab(export, out / f"admin-export-{theme}{suffix}.png")
        export.close()
        audit = AuditDialog(services, admin)
        _grab(audit, out / f"admin-audit-{theme}{suffix}.png")
        audit.close()


def main(out: Path, suffix: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    wm = None
    if os.environ.get("QT_QPA_PLATFORM") == "xcb" and shutil.which("openbox"):
        wm = subprocess.Popen(["openbox"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    clock = MovableClock()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "demo.db")
        services = Services(store, clock)
        admin = services.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
        services.demo.load(admin, 12, seed=21)
        folder = Path(tmp) / "backups"
        services.admin.automatic_backup(folder)
        clock.advance(24 * 60)
        services.demo.load(admin, 3, seed=22)
        services.admin.automatic_backup(folder)
        clock.advance(60)
        services.demo.load(admin, 2, seed=23)
        services.auth.add_user(admin, "kwalsh", "RN Kate Walsh", Role.NURSE, PASSWORD)
        capture(app, services, admin, folder, out, suffix)
        store.close()
    if wm is not None:
        wm.terminate()
        wm.wait()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--suffix=")]
    suffixes = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--suffix=")]
    main(Path(args[0] if args else "docs/screenshots"), suffixes[0] if suffixes else "")
