"""Start-up: the command line if a command is given, else the GUI.

GUI bootstrap: QApplication, open the store (a damaged, foreign or newer
file is refused with a clear message and left untouched), first-run admin
creation or sign-in, then the main window. Qt is imported only on the GUI
path, so the command line starts fast and runs without display libraries.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("--db"):
        from cathlog.cli import main as cli_main

        return cli_main(args)
    return run_gui(args)


def _quiet_offscreen_warnings() -> None:
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    previous = None

    def handler(mode: QtMsgType, context: object, message: str) -> None:
        if "propagateSizeHints" in message:  # the offscreen platform says this on every show()
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            sys.stderr.write(message + "\n")

    previous = qInstallMessageHandler(handler)


def run_gui(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="cathlog", description="Start the cathlog window.")
    parser.add_argument("--db", metavar="PATH", help="database file (default: $CATHLOG_DB or the user data folder)")
    args = parser.parse_args(list(argv))

    from PySide6.QtWidgets import QApplication, QMessageBox

    from cathlog.paths import backup_dir, default_db_path
    from cathlog.services import Services
    from cathlog.ui.dialogs import FirstRunDialog, SignInDialog
    from cathlog.ui.main_window import MainWindow
    from PySide6.QtCore import QSettings

    from cathlog.ui.theme import apply_theme

    from cathlog.paths import log_dir
    from cathlog.ui import crash

    _quiet_offscreen_warnings()
    crash.install(log_dir() / "cathlog-gui.log")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("cathlog")
    app.setOrganizationName("cathlog")
    app.setStyle("Fusion")
    settings = QSettings()
    apply_theme(app, str(settings.value("theme", "light")))

    path = Path(args.db) if args.db else default_db_path()
    store = _open_or_offer_restore(path)
    if store is None:
        return 1
    services = Services(store)
    label = str(path)
    if not services.auth.has_users():
        actor = FirstRunDialog.ask(services, label)
    else:
        actor = SignInDialog.ask(services, label)
    if actor is None:
        store.close()
        return 0
    from cathlog.ui.idle_lock import DEFAULT_IDLE_S, IdleWatch

    try:  # a lab setting: QSettings key idle_lock_s (60 s to 1 h); a bad value falls back to 5 minutes
        idle_s = int(settings.value("idle_lock_s", DEFAULT_IDLE_S))
        idle_s = idle_s if 60 <= idle_s <= 3600 else DEFAULT_IDLE_S
    except (TypeError, ValueError):
        idle_s = DEFAULT_IDLE_S
    window = MainWindow(services, actor, label, settings=settings, backup_folder=backup_dir(path),
                        idle_watch=IdleWatch(idle_s))
    window.show()
    window.start_background_check(path)
    code = app.exec()
    window.backup_now("on close")
    store.close()
    return code


def _open_or_offer_restore(path: Path):
    """Open the database; if it is damaged, say so and offer the last verified backup.

    The damaged file is never written to: a restore sets it aside under a new name.
    """
    from PySide6.QtWidgets import QMessageBox

    from cathlog.domain.errors import CathlogError, CorruptDatabase
    from cathlog.paths import backup_dir
    from cathlog.store import backup as backups
    from cathlog.store.db import Store

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return Store.open(path, verify=False)  # the full check runs in the background (start_background_check)
    except CorruptDatabase as exc:
        latest = backups.latest_backup(backup_dir(path))
        if latest is None:
            QMessageBox.critical(None, "cathlog: the database is damaged",
                                 f"{path}\n\n{exc}\n\nNo verified backup was found in {backup_dir(path)}. "
                                 "The file was not changed; ask your administrator.")
            return None
        answer = QMessageBox.question(
            None, "cathlog: the database is damaged",
            f"{path}\n\n{exc}\n\nRestore the last verified backup, {latest.name}? The damaged file is kept "
            "beside it under a new name; entries made after that backup are not in it.")
        if answer != QMessageBox.StandardButton.Yes:
            return None
        try:
            kept = backups.restore(latest, path)
        except (CathlogError, OSError) as restore_error:
            QMessageBox.critical(None, "cathlog: restore failed", str(restore_error))
            return None
        QMessageBox.information(None, "cathlog", f"Restored from {latest.name}. The damaged file is kept as "
                                                 f"{kept.name if kept else '(none)'}.")
        return Store.open(path)
    except (CathlogError, OSError) as exc:
        QMessageBox.critical(None, "cathlog cannot open its database", f"{path}\n\n{exc}")
        return None
