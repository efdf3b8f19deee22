"""Start-up: the command line if a command is given, else the GUI.

GUI bootstrap: QApplication, open the store (a damaged, foreign or newer
file is refused with a clear message and left untouched), first-run admin
creation or sign-in, then the main window. Qt is imported only on the GUI
path, so the command line starts fast and runs without display libraries.
"""

from __future__ import annotations

import argparse
import sys
from typing import cast
from collections.abc import Sequence
from pathlib import Path


WARM_UP_LATEST_MS = 2000  # the database opens by then even if the sign-in window is never drawn


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


class LazyServices:
    """Opens the database on first use, so the sign-in window shows before the
    storage and service modules are even imported (start-up measured against a
    bare window: benchmarks/run_all.py)."""

    def __init__(self, path: Path | str):
        self.path = path  # a file, or a server's postgresql:// URL
        self._services = None
        self.failed = False

    @property
    def opened(self) -> bool:
        return self._services is not None

    def __call__(self):
        if self._services is None and not self.failed:
            self._services = (_open_server(self.path) if isinstance(self.path, str)
                              else _open_or_offer_restore(self.path))
            self.failed = self._services is None
        return self._services


def run_gui(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="cathlog", description="Start the cathlog window.")
    parser.add_argument("--db", metavar="PATH", help="database file or a server's postgresql:// URL (default: "
                                                    "$CATHLOG_DB or the user data folder)")
    args = parser.parse_args(list(argv))

    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication, QDialog

    from cathlog.paths import backup_dir, database_target, log_dir, redacted_url
    from cathlog.ui import crash, gui_gc
    from cathlog.ui.lab_settings import LabSettings
    from cathlog.ui.sign_in import SignInDialog
    from cathlog.ui.theme import apply_theme

    _quiet_offscreen_warnings()
    crash.install(log_dir() / "cathlog-gui.log")
    app = cast(QApplication, QApplication.instance()) or QApplication([sys.argv[0]])
    app.setApplicationName("cathlog")
    app.setOrganizationName("cathlog")
    app.setStyle("Fusion")
    gui_gc.install(app)  # cycles are collected on this thread, never on a worker's
    settings = QSettings()
    lab = LabSettings.read(settings)  # the lab's settings, read once and checked against their bounds
    apply_theme(app, lab.theme)

    target = database_target(args.db)
    on_server = isinstance(target, str)  # a postgresql:// URL (docs/multi-room.md)
    label = redacted_url(target) if isinstance(target, str) else str(target)
    services = LazyServices(target)
    if isinstance(target, str):  # connected first: whether it has users yet decides the first window
        server = services()
        if server is None:
            return 1
        label = server.connection.where()  # role@host/database: what the banner and sign-in name
        existing = _has_users(server, label)
        if existing is None:
            server.close()
            return 1
    else:
        existing = target.exists() and target.stat().st_size > 0
    dialog = SignInDialog(services, label) if existing else _first_run_dialog(services, label)
    needs_first_run = []

    def warm_up() -> None:  # open the database while the user types
        ready = services()
        if ready is None:
            dialog.done(QDialog.DialogCode.Rejected.value)  # not reject(): that asks whether to quit
        elif existing and not ready.auth.has_users():  # a database whose first run was cancelled
            needs_first_run.append(True)
            dialog.done(QDialog.DialogCode.Rejected.value)

    opening: list[bool] = []

    def warm_up_once() -> None:
        if not opening:
            opening.append(True)
            warm_up()

    # After the window is drawn (a queued call runs once the paint is on the screen): a zero timer
    # set before exec() ran before the first paint, so the user waited for the database and every
    # module behind it before seeing any window. The slow timer covers a window never drawn.
    dialog.first_painted.connect(warm_up_once, Qt.ConnectionType.QueuedConnection)
    QTimer.singleShot(WARM_UP_LATEST_MS, warm_up_once)
    # FirstRunDialog: the admin once created (the nurse and physician may be skipped); SignInDialog:
    # whoever signed in. Cancelling either asks "Quit cathlog?" first (sign_in._Base.reject).
    dialog.exec()
    actor = dialog.actor
    if needs_first_run:
        from cathlog.ui.first_run import FirstRunDialog

        actor = FirstRunDialog.ask(services, label)
    ready = services()
    if actor is None or ready is None:
        if ready is not None:
            ready.close()
        return 0 if not services.failed else 1

    from cathlog.paths import remove_leftovers
    from cathlog.ui.idle_lock import IdleWatch
    from cathlog.ui.main_window import MainWindow

    if not isinstance(target, str):  # after the open (which finishes a half-done restore): temp files of killed runs
        remove_leftovers(target)
    # A server is backed up by the lab's IT with pg_dump (docs/multi-room.md): no backup folder, no file check.
    window = MainWindow(ready, actor, label, settings=settings,
                        backup_folder=None if on_server else backup_dir(cast(Path, target)),
                        idle_watch=IdleWatch(lab.idle_lock_s), lab=lab)
    window.show()
    window.housekeeping.start_background_check()
    interface = None
    if isinstance(target, str):
        _hl7_on_server(ready, window)
    else:
        interface = _start_hl7(ready, target, window)
    code = app.exec()
    if window.idle_watch is not None:  # no lock after the window is gone
        window.idle_watch.stop()
    if interface is not None:
        interface.stop()
    window.housekeeping.end_session()  # the session's temporary folder (printed PDFs) goes
    window.housekeeping.backup_now("on close")
    ready.close()
    return code


def _start_hl7(services, path: Path, window):
    """The HL7 interface where the lab's settings ask for it: the ADT listener when ``hl7.listen`` is on,
    the report sender when a receiver is set. A port that cannot be bound is said in the status bar and
    the log; cathlog itself goes on."""
    import logging

    from cathlog.exchange.hl7_runner import Hl7Interface
    from cathlog.reports.make import render

    settings = services.hl7_in.interface_settings()
    listen, send = settings["hl7.listen"] == "on", bool(settings["hl7.out_host"])
    if not (listen or send):
        return None
    try:
        interface = Hl7Interface(path, lambda case: render(case, "summary"), listen=listen, send=send).start()
    except OSError as exc:
        logging.getLogger(__name__).warning("HL7 interface not started: %s", exc)
        window.statusBar().showMessage(f"HL7 interface not started: {exc}")
        return None
    window.statusBar().showMessage("HL7 interface: " + ", ".join(
        part for part, on in ((f"ADT listener on port {interface.port}", listen), ("report sender", send)) if on))
    return interface


def _hl7_on_server(services, window) -> None:
    """On a server the window does not start the HL7 interface: every room's window would listen on its own
    machine while the hospital's engine sends to one. One machine runs it (``cathlog hl7-listen --db URL``,
    docs/multi-room.md); said in the status bar when the lab's settings ask for it."""
    from cathlog.domain.errors import CathlogError

    try:
        settings = services.hl7_in.interface_settings()
    except CathlogError as exc:
        window.statusBar().showMessage(f"HL7 interface not started: {exc}")
        return
    if settings["hl7.listen"] == "on" or settings["hl7.out_host"]:
        window.statusBar().showMessage("HL7 interface not started here: on a database server one machine runs it "
                                       "(cathlog hl7-listen, docs/multi-room.md)")


def _has_users(services, label: str) -> bool | None:
    """Whether the server's database has users (None: it could not be read; said in a dialog)."""
    from PySide6.QtWidgets import QMessageBox

    from cathlog.domain.errors import CathlogError

    try:
        return bool(services.auth.has_users())
    except CathlogError as exc:
        QMessageBox.critical(None, "cathlog cannot read its database server", f"{label}\n\n{exc}")
        return None


def _open_server(url: str):
    """Connect to the lab's PostgreSQL server; a server that cannot be reached, or a database without
    cathlog's schema, is said in a dialog (nothing is created on a server from here)."""
    from PySide6.QtWidgets import QMessageBox

    from cathlog.domain.errors import CathlogError
    from cathlog.paths import redacted_url
    from cathlog.services import Services

    try:
        return Services.open(url, verify=False)
    except (CathlogError, OSError) as exc:
        QMessageBox.critical(None, "cathlog cannot open its database server", f"{redacted_url(url)}\n\n{exc}")
        return None


def _first_run_dialog(services, label):
    """A new database's dialog, loaded only then (the sign-in window must not wait for it)."""
    from cathlog.ui.first_run import FirstRunDialog

    return FirstRunDialog(services, label)


def _open_or_offer_restore(path: Path):
    """Open the database; if it is damaged, say so and offer the last verified backup.

    The damaged file is never written to: a restore sets it aside under a new name.
    """
    from PySide6.QtWidgets import QMessageBox

    from cathlog.domain.errors import CathlogError, CorruptDatabase
    from cathlog.paths import backup_dir
    from cathlog.services import Services
    from cathlog.services.admin import AdminService

    try:  # the full check runs in the background (start_background_check)
        return Services.open(path, create=True, verify=False)
    except CorruptDatabase as exc:
        latest = AdminService.last_verified_backup(backup_dir(path))
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
            kept = AdminService.restore_into(latest, path)
        except (CathlogError, OSError) as restore_error:
            QMessageBox.critical(None, "cathlog: restore failed", str(restore_error))
            return None
        QMessageBox.information(None, "cathlog", f"Restored from {latest.name}. The damaged file is kept as "
                                                 f"{kept.name if kept else '(none)'}.")
        return Services.open(path)
    except (CathlogError, OSError) as exc:
        QMessageBox.critical(None, "cathlog cannot open its database", f"{path}\n\n{exc}")
        return None
