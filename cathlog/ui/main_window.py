"""The main window, a shell: menus (each enabled by what the signed-in user
may do; a disabled item says why in its tooltip), two pages (the case list and
the live log of the open case), the idle lock, Lock now, Switch user, Sign out
and Change my password, Settings and Help. The pages are their own modules;
backups and the background check are the ``Housekeeping`` collaborator; the
lab's settings arrive read once, as a ``LabSettings``, and change only through
File → Settings… (``apply_lab``). Menu keys come from ``shortcuts``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMainWindow, QMenu, QMessageBox, QStackedWidget, \
    QVBoxLayout, QWidget

from cathlog.catalog import Catalog, load_catalog
from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.domain.enums import Action
from cathlog.services import Services
from cathlog.ui import shortcuts
from cathlog.ui.account import ChangePasswordDialog
from cathlog.ui.admin import AuditDialog, ExportDialog, UsersDialog
from cathlog.ui.case_list import CaseListPage
from cathlog.ui.dose_status import DoseStatus
from cathlog.ui.housekeeping import Housekeeping
from cathlog.ui.help_dialogs import AboutDialog, KeyboardReferenceDialog
from cathlog.ui.hl7_dialog import Hl7Dialog
from cathlog.ui.idle_lock import IdleWatch, LockDialog
from cathlog.ui.lab_settings import LabSettings, save_theme
from cathlog.ui.live_log import LiveLogPage
from cathlog.ui.new_case import NewCaseDialog
from cathlog.ui.review import ReviewDialog
from cathlog.ui.settings_dialog import SettingsDialog
from cathlog.ui.sign_in import SignInDialog
from cathlog.ui.theme import THEMES, apply_theme
from cathlog.ui.screen_fit import fit_window

# Why a menu item is disabled for the signed-in role (shown in its tooltip).
WHY_NOT = {
    Action.OPEN_CASE: "Only a nurse or physician opens cases",
    Action.VIEW_RECORDS: "Your role does not read clinical records",
}


class MainWindow(QMainWindow):
    locked = Signal()
    unlocked = Signal(str)  # the username now signed in

    def __init__(self, services: Services, actor: Actor, db_label: str = "", catalog: Catalog | None = None,
                 settings: QSettings | None = None, backup_folder: Path | None = None,
                 idle_watch: IdleWatch | None = None, lab: LabSettings | None = None):
        """``lab``: the lab's settings, read once at start-up (defaults when not given);
        ``settings``: where the user's choice of theme is kept for the next start."""
        super().__init__()
        self.services, self.actor = services, actor
        self.db_label = db_label
        self.catalog = catalog or load_catalog()
        self.lab = lab or LabSettings()
        self.settings = settings or QSettings()
        self._menu_objects: list[QMenu] = []
        self._lock_reason = "idle"  # what the lock dialog says: idle, lock (Lock now) or switch (Switch user)
        self.drafts: dict[str, dict] = {}  # half-typed entries kept for their authors across an idle lock
        self.housekeeping = Housekeeping(services, self, backup_folder)
        self.housekeeping.message.connect(self.statusBar().showMessage)
        self.idle_watch = idle_watch
        if idle_watch is not None:
            idle_watch.idle.connect(self.lock)
        self.setWindowTitle(self._title())
        fit_window(self, "main", (1360, 860))  # within the screen; the user's size and maximized state kept
        self.cases = CaseListPage(services, actor)
        self.cases.message.connect(self.statusBar().showMessage)
        self.cases.open_requested.connect(self.open_case)
        self.cases.review_requested.connect(self.review_case)
        self.cases.new_requested.connect(self.new_case)
        self.cases.case_selected.connect(lambda pid: self.viewed(pid, "case list"))
        self.housekeeping.restored.connect(self.reload_after_restore)
        self.live = self._make_live(actor)
        self._build()
        self.cases.reload()
        self.dose = DoseStatus(services, actor, self)  # the dose-report listener and its status line
        self.statusBar().addPermanentWidget(self.dose.label)
        self.dose.received.connect(self._dose_received)
        self.dose.start()

    def _title(self) -> str:
        return f"cathlog — {self.actor.display_name} ({self.actor.role.value})"

    def _make_live(self, actor: Actor) -> LiveLogPage:
        live = LiveLogPage(self.services, actor, self.catalog, recheck_min=self.lab.act_recheck_min)
        live.back.connect(self.show_cases)
        live.alert.connect(lambda text: self.statusBar().showMessage(text, 15000))
        return live

    # --- layout ----------------------------------------------------------------------

    def _build(self) -> None:
        self._menus()
        root = QWidget()
        layout = QVBoxLayout(root)
        layout.setContentsMargins(0, 0, 0, 0)
        self.banner = QLabel("")
        self.banner.setObjectName("Banner")
        self.banner.setAccessibleName("signed in as")
        self._set_banner()
        layout.addWidget(self.banner)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.cases)
        self.pages.addWidget(self.live)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(root)

    def _set_banner(self) -> None:
        self.banner.setText(f"cathlog · {self.actor.display_name} · {self.actor.role.value} · {self.db_label}")

    def _menus(self) -> None:
        """The signed-in user's menus: admin items only for a role that may use them (rebuilt when
        another user signs in at the lock)."""
        bar = self.menuBar()
        bar.clear()
        for old in self._menu_objects:
            old.deleteLater()
        may = self._may

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
        self._menu_objects = [file_menu]
        action(file_menu, "&New case…", self.new_case, shortcuts.NEW_CASE, enabled=may(Action.OPEN_CASE),
               why_not=WHY_NOT[Action.OPEN_CASE])
        action(file_menu, "&Refresh", self.cases.reload, shortcuts.REFRESH)
        action(file_menu, "&Dose reports…", self.show_dose_inbox, shortcuts.DOSE_INBOX,
               enabled=may(Action.VIEW_RECORDS), why_not=WHY_NOT[Action.VIEW_RECORDS])
        action(file_menu, "&Import dose report…", self.import_dose, enabled=may(Action.RECORD_EVENT),
               why_not="Only a nurse or physician records dose reports")
        action(file_menu, "Follow-up &worklist…", self.show_worklist, shortcuts.WORKLIST,
               enabled=may(Action.VIEW_RECORDS), why_not=WHY_NOT[Action.VIEW_RECORDS])
        if may(Action.LOAD_DEMO):
            action(file_menu, "Load &demo cases…", self.load_demo)
        file_menu.addSeparator()
        action(file_menu, "&Settings…", self.open_settings)
        file_menu.addSeparator()
        action(file_menu, "&Quit", self.close, shortcuts.QUIT)
        account = bar.addMenu("A&ccount")
        self._menu_objects.append(account)
        action(account, "&Lock now", partial(self.lock, "lock"), shortcuts.LOCK_NOW)
        action(account, "S&witch user…", partial(self.lock, "switch"))
        action(account, "Sign &out…", self.sign_out)
        account.addSeparator()
        action(account, "&Change my password…", self.change_password)
        admin_actions = [
            ("&Users and roles…", lambda: UsersDialog(self.services, self.actor, self).exec(), Action.MANAGE_USERS),
            ("&Audit trail…", lambda: AuditDialog(self.services, self.actor, self).exec(), Action.VIEW_AUDIT),
            ("&Export records…", lambda: ExportDialog(self.services, self.actor, self).exec(), Action.EXPORT),
            ("&Back up now…", lambda: self.housekeeping.backup_as(self.actor), Action.BACKUP),
            ("&Restore from a backup…", lambda: self.housekeeping.restore_from(self.actor), Action.RESTORE),
            ("&HL7 interface (inbox, outbox, merge tasks)…",
             lambda: Hl7Dialog(self.services, self.actor, self).exec(), Action.MANAGE_SETTINGS),
        ]
        allowed = [(text, slot) for text, slot, needed in admin_actions if may(needed)]
        if allowed:
            admin = bar.addMenu("&Admin")
            self._menu_objects.append(admin)
            for text, slot in allowed:
                action(admin, text, slot)
        view = bar.addMenu("&View")
        self._menu_objects.append(view)
        for name in THEMES:
            action(view, f"{name.capitalize()} theme", partial(self.set_theme, name))
        help_menu = bar.addMenu("&Help")
        self._menu_objects.append(help_menu)
        action(help_menu, "&Keyboard reference…", lambda: KeyboardReferenceDialog(self).exec())
        action(help_menu, "&About cathlog…", lambda: AboutDialog(self.db_label, self).exec())
        for menu in self._menu_objects:  # a disabled item's tooltip says why
            menu.setToolTipsVisible(True)

    def _may(self, action: Action) -> bool:
        return self.services.auth.may(self.actor, action)

    # --- idle lock and switching users ---------------------------------------------------

    def ask_unlock(self) -> Actor | None:
        """The lock dialog (tests replace this)."""
        dialog = LockDialog(self.services, self.actor, self, reason=self._lock_reason)
        dialog.exec()
        return dialog.actor

    def lock(self, reason: str = "idle") -> None:
        """Hide the pages until someone signs in: the same user finds everything as it was, another
        gets their own view (``switch_user``). ``reason``: idle (the idle lock), lock (Lock now) or
        switch (Switch user)."""
        if self.idle_watch is not None:
            self.idle_watch.locked = True  # no second lock on top of this one
        self._lock_reason = reason
        self.pages.hide()
        self.setWindowTitle("cathlog — locked")
        self.locked.emit()
        actor = None
        while actor is None:
            actor = self.ask_unlock()
        if actor.username != self.actor.username:
            self.switch_user(actor)
        self.pages.show()
        self.setWindowTitle(self._title())
        if self.idle_watch is not None:
            self.idle_watch.unlocked()
        self.unlocked.emit(self.actor.username)

    def ask_sign_in(self) -> Actor | None:
        """The sign-in dialog after Sign out, or None when cancelled and quitting was confirmed
        (tests replace this)."""
        dialog = SignInDialog(self.services, self.db_label)
        return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None

    def sign_out(self) -> None:
        """Sign out: the window goes and the sign-in dialog comes back; whoever signs in next gets
        their own view (a half-typed entry is kept for its author, as at the lock). Cancelling the
        sign-in asks whether to quit, and quitting closes the window."""
        if self.idle_watch is not None:
            self.idle_watch.locked = True
        self.locked.emit()
        self.hide()
        self.setWindowTitle("cathlog — signed out")
        actor = self.ask_sign_in()
        if actor is None:
            self.close()
            return
        if actor.username != self.actor.username:
            self.switch_user(actor)
        self.setWindowTitle(self._title())
        self.show()
        if self.idle_watch is not None:
            self.idle_watch.unlocked()
        self.unlocked.emit(self.actor.username)
        self.statusBar().showMessage(f"Signed in as {self.actor.display_name}", 5000)

    def change_password(self) -> None:
        dialog = ChangePasswordDialog(self.services, self.actor, self)
        dialog.exec()
        if dialog.changed:
            self.statusBar().showMessage("Your password was changed.", 10000)

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.services, self.actor, self.settings, self.lab, self)
        dialog.exec()
        if dialog.saved is not None:
            self.apply_lab(dialog.saved)
            self.dose.start()  # the listener as the settings now say (AE title, port, senders, on or off)
            self.statusBar().showMessage("Settings saved.", 5000)

    def apply_lab(self, lab: LabSettings) -> None:
        """New settings take effect at once: the idle lock's limit, the ACT recheck interval of the
        live log, the theme."""
        self.lab = lab
        if self.idle_watch is not None:
            self.idle_watch.limit_s = lab.idle_lock_s
        self.live.recheck_min = lab.act_recheck_min
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, lab.theme)

    def switch_user(self, actor: Actor) -> None:
        """Another user's own view; the previous user's half-typed entry is kept for them alone."""
        draft = self.live.form.draft() if self.live.form.isVisible() or self.live.form.kind else None
        if draft:
            self.drafts[self.actor.username] = draft
        old = self.live
        self.actor = actor
        self.live = self._make_live(actor)
        self.pages.insertWidget(1, self.live)
        self.pages.removeWidget(old)
        old.deleteLater()
        self._set_banner()
        self._menus()
        self.setWindowTitle(self._title())
        self.pages.setCurrentIndex(0)
        self.cases.set_actor(actor)
        self.dose.set_actor(actor)
        mine = self.drafts.pop(actor.username, None)
        if mine:
            try:
                self.open_case(mine["procedure_id"])
                if self.live.record is not None:
                    self.live.form.restore_draft(self.live.record, mine)
            except CathlogError:
                pass

    # --- pages and use cases ----------------------------------------------------------

    def _fail(self, exc: CathlogError) -> None:
        QMessageBox.warning(self, "cathlog", str(exc))

    def set_theme(self, name: str) -> None:
        save_theme(self.settings, name)
        self.lab = replace(self.lab, theme=name)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, name)

    def open_case(self, procedure_id: str) -> None:
        try:
            self.live.show_case(procedure_id)
        except CathlogError as exc:
            self._fail(exc)
            return
        self.viewed(procedure_id, "live log")
        self.pages.setCurrentWidget(self.live)
        self.live.timeline.setFocus()

    def viewed(self, procedure_id: str, via: str) -> None:
        """The access log (services.access decides whether this view is a new row)."""
        try:
            self.services.access.record_view(self.actor, procedure_id, via)
        except CathlogError as exc:  # the record was shown already; say that the view is not logged
            self.statusBar().showMessage(f"⚠ This view of {procedure_id} could not be logged: {exc}", 15000)

    def reload_after_restore(self) -> None:
        """The database was restored under this window: the list and the open case again (the
        half-typed entry stays in its form); a case the backup lacks goes back to the list."""
        self.cases.reload()
        if self.live.record is None:
            return
        try:
            self.live.reload()
        except CathlogError:
            self.live.record = None
            self.pages.setCurrentWidget(self.cases)

    def show_cases(self) -> None:
        self.pages.setCurrentWidget(self.cases)
        self.cases.reload()
        self.cases.case_view.setFocus()

    def review_case(self, procedure_id: str) -> None:
        ReviewDialog.show_for(self.services, self.actor, procedure_id, self,
                              temp_folder=self.housekeeping.temp_folder)
        self.cases.reload()

    def show_worklist(self) -> None:
        """The follow-up worklist, a window of its own beside this one (one, of the signed-in user)."""
        from cathlog.ui.worklist import WorklistWindow

        window = getattr(self, "worklist", None)
        if window is not None and window.actor.username != self.actor.username:
            window.close()
            window = None
        if window is None:
            window = self.worklist = WorklistWindow(self.services, self.actor, self,
                                                    temp_folder=self.housekeeping.temp_folder)
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            window.open_case_requested.connect(self.open_case)
            self.locked.connect(window.close)  # a locked screen shows no patient
            window.destroyed.connect(lambda *_: setattr(self, "worklist", None) if self.worklist is window else None)
        window.show()
        window.activateWindow()  # brought to the front when already open

    def show_dose_inbox(self) -> None:
        """The dose reports waiting for a case, a window of its own beside this one."""
        from cathlog.ui.dose_inbox import DoseInboxWindow

        window = getattr(self, "dose_inbox", None)
        if window is not None and window.actor.username != self.actor.username:
            window.close()
            window = None
        if window is None:
            window = self.dose_inbox = DoseInboxWindow(self.services, self.actor, self)
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            window.changed.connect(self._dose_changed)
            self.locked.connect(window.close)  # a locked screen shows no patient
            window.destroyed.connect(
                lambda *_: setattr(self, "dose_inbox", None) if self.dose_inbox is window else None)
        else:
            window.reload()
        window.show()
        window.activateWindow()

    def import_dose(self) -> None:
        self.show_dose_inbox()
        self.dose_inbox.import_files()

    def _dose_received(self, message: str) -> None:
        self.statusBar().showMessage(f"Dose report: {message}", 15000)
        self._dose_changed()

    def _dose_changed(self) -> None:
        """A report was recorded or the inbox changed: the open case and the lists show it."""
        self.dose.refresh()
        if self.pages.currentWidget() is self.live and self.live.record is not None and not self.live.form.is_dirty():
            self.live.reload()
        window = getattr(self, "dose_inbox", None)
        if window is not None and window.isVisible():
            window.reload()

    def new_case(self) -> None:
        procedure_id = NewCaseDialog.ask(self.services, self.actor, self, lab=self.lab)
        if procedure_id:
            self.cases.reload()
            self.open_case(procedure_id)

    def load_demo(self) -> None:
        try:
            ids = self.services.demo.load(self.actor, 25)
        except CathlogError as exc:
            self._fail(exc)
            return
        self.cases.reload()
        self.statusBar().showMessage(f"Loaded {len(ids)} demo cases")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.dose.stop()
        self.housekeeping.wait()  # the background check's thread must end before the window goes
        super().closeEvent(event)
