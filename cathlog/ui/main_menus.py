"""The main window's menus, built for the signed-in user: each item enabled by what
their role may do (a disabled item says why in its tooltip), admin items only for a
role that may use them; rebuilt when another user signs in. Keys from ``shortcuts``."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QMessageBox

from cathlog.domain.enums import Action
from cathlog.domain.errors import CathlogError
from cathlog.ui import shortcuts
from cathlog.ui.admin import AuditDialog, ExportDialog, UsersDialog
from cathlog.ui.help_dialogs import AboutDialog, KeyboardReferenceDialog
from cathlog.ui.hl7_dialog import Hl7Dialog
from cathlog.ui.theme import THEMES

if TYPE_CHECKING:
    from cathlog.ui.main_window import MainWindow

SERVER_BACKUP = ("On a database server cathlog makes no backups and restores none: the lab's IT backs the "
                 "server up with pg_dump and restores with pg_restore (docs/multi-room.md)")


def open_refusing(window: MainWindow, what: str, make: Callable[[], QDialog]) -> None:
    """Open a dialog whose part of cathlog may refuse to run here (on a server, a part not moved there
    yet): the refusal is said in words, never a traceback."""
    try:
        dialog = make()
    except CathlogError as exc:
        QMessageBox.information(window, "cathlog", f"{what} cannot open here: {exc}")
        return
    dialog.exec()


# Why a menu item is disabled for the signed-in role (shown in its tooltip).
WHY_NOT = {
    Action.OPEN_CASE: "Only a nurse or physician opens cases",
    Action.VIEW_RECORDS: "Your role does not read clinical records",
}


def rebuild(window: MainWindow) -> None:
    """The signed-in user's menus: admin items only for a role that may use them (rebuilt when
    another user signs in at the lock)."""
    bar = window.menuBar()
    bar.clear()
    for old in window._menu_objects:
        old.deleteLater()
    may = window._may

    def action(menu: QMenu, text: str, slot: Callable[[], object],
               shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
               enabled: bool = True, why_not: str = "") -> None:
        act = QAction(text, menu)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(lambda _=False: slot())
        act.setEnabled(enabled)
        if not enabled and why_not:
            act.setToolTip(why_not)
            act.setStatusTip(why_not)
        menu.addAction(act)

    file_menu = bar.addMenu("&File")
    window._menu_objects = [file_menu]
    action(file_menu, "&New case…", window.new_case, shortcuts.NEW_CASE, enabled=may(Action.OPEN_CASE),
           why_not=WHY_NOT[Action.OPEN_CASE])
    action(file_menu, "&Refresh", window.cases.reload, shortcuts.REFRESH)
    action(file_menu, "&Dose reports…", window.show_dose_inbox, shortcuts.DOSE_INBOX,
           enabled=may(Action.VIEW_RECORDS), why_not=WHY_NOT[Action.VIEW_RECORDS])
    action(file_menu, "&Import dose report…", window.import_dose, enabled=may(Action.RECORD_EVENT),
           why_not="Only a nurse or physician records dose reports")
    action(file_menu, "Follow-up &worklist…", window.show_worklist, shortcuts.WORKLIST,
           enabled=may(Action.VIEW_RECORDS), why_not=WHY_NOT[Action.VIEW_RECORDS])
    if may(Action.LOAD_DEMO):
        action(file_menu, "Load &demo cases…", window.load_demo)
    file_menu.addSeparator()
    action(file_menu, "&Settings…", window.open_settings)
    file_menu.addSeparator()
    action(file_menu, "&Quit", window.close, shortcuts.QUIT)
    account = bar.addMenu("A&ccount")
    window._menu_objects.append(account)
    action(account, "&Lock now", partial(window.lock, "lock"), shortcuts.LOCK_NOW)
    action(account, "S&witch user…", partial(window.lock, "switch"))
    action(account, "Sign &out…", window.sign_out)
    account.addSeparator()
    action(account, "&Change my password…", window.change_password)
    file_only = SERVER_BACKUP if window.housekeeping.on_server else ""  # backups are pg_dump's on a server
    admin_actions: list[tuple[str, Callable[[], object], Action, str]] = [
        ("&Users and roles…", lambda: UsersDialog(window.services, window.actor, window).exec(), Action.MANAGE_USERS,
         ""),
        ("&Audit trail…", lambda: AuditDialog(window.services, window.actor, window).exec(), Action.VIEW_AUDIT, ""),
        ("&Export records…", lambda: ExportDialog(window.services, window.actor, window).exec(), Action.EXPORT, ""),
        ("&Back up now…", lambda: window.housekeeping.backup_as(window.actor), Action.BACKUP, file_only),
        ("&Restore from a backup…", lambda: window.housekeeping.restore_from(window.actor), Action.RESTORE,
         file_only),
        ("&HL7 interface (inbox, outbox, merge tasks)…", partial(open_refusing, window, "The HL7 interface",
                                                                  lambda: Hl7Dialog(window.services, window.actor,
                                                                                    window)),
         Action.MANAGE_SETTINGS, ""),
    ]
    allowed: list[tuple[str, Callable[[], object], str]] = [
        (text, slot, why) for text, slot, needed, why in admin_actions if may(needed)]
    if allowed:
        admin = bar.addMenu("&Admin")
        window._menu_objects.append(admin)
        for text, slot, why in allowed:
            action(admin, text, slot, enabled=not why, why_not=why)
    view = bar.addMenu("&View")
    window._menu_objects.append(view)
    for name in THEMES:
        action(view, f"{name.capitalize()} theme", partial(window.set_theme, name))
    help_menu = bar.addMenu("&Help")
    window._menu_objects.append(help_menu)
    action(help_menu, "&Keyboard reference…", lambda: KeyboardReferenceDialog(window).exec())
    action(help_menu, "&About cathlog…", lambda: AboutDialog(window.db_label, window).exec())
    for menu in window._menu_objects:  # a disabled item's tooltip says why
        menu.setToolTipsVisible(True)
