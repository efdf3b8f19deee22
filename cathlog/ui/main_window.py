"""The main window, a shell: menus (each enabled by what the signed-in user
may do; a disabled item says why in its tooltip: ``main_menus``), two pages (the
case list and the live log of the open case), the idle lock, Lock now, Switch user,
Sign out and Change my password (``main_session``), the worklist and dose-report
windows beside it (``side_windows``), Settings and Help. The pages are their own
modules; backups and the background check are the ``Housekeeping`` collaborator;
the lab's settings arrive read once, as a ``LabSettings``, and change only through
File → Settings… (``apply_lab``). Menu keys come from ``shortcuts``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMenu, QMessageBox, QStackedWidget, QVBoxLayout, \
    QWidget

from cathlog.catalog import Catalog, load_catalog
from cathlog.domain.errors import CathlogError
from cathlog.domain.enums import Action
from cathlog.domain.records import Actor
from cathlog.services import Services
from cathlog.ui.case_list import CaseListPage
from cathlog.ui.dose_status import DoseStatus
from cathlog.ui.housekeeping import Housekeeping
from cathlog.ui.idle_lock import IdleWatch
from cathlog.ui.lab_settings import LabSettings, save_theme
from cathlog.ui.live_log import LiveLogPage
from cathlog.ui import main_menus, main_session, side_windows
from cathlog.ui.new_case import NewCaseDialog
from cathlog.ui.review import ReviewDialog
from cathlog.ui.server_status import ServerStatus
from cathlog.ui.settings_dialog import SettingsDialog
from cathlog.ui.theme import apply_theme
from cathlog.ui.screen_fit import fit_window

if TYPE_CHECKING:
    from cathlog.ui.dose_inbox import DoseInboxWindow
    from cathlog.ui.worklist import WorklistWindow


MAIN_SCREEN_SHARE = 0.9  # of the available width and height the main window takes when first opened


class MainWindow(QMainWindow):
    """The shell. Its menus, signing in and out, and side windows are functions of their own
    modules taking the window, bound here as its methods (tests replace ``ask_unlock`` and
    ``ask_sign_in`` on an instance)."""

    locked = Signal()
    unlocked = Signal(str)  # the username now signed in
    worklist: WorklistWindow | None = None  # the side windows while open (``side_windows``)
    dose_inbox: DoseInboxWindow | None = None

    _menus = main_menus.rebuild
    ask_unlock = main_session.ask_unlock
    lock = main_session.lock
    ask_sign_in = main_session.ask_sign_in
    sign_out = main_session.sign_out
    change_password = main_session.change_password
    switch_user = main_session.switch_user
    show_worklist = side_windows.show_worklist
    show_dose_inbox = side_windows.show_dose_inbox
    import_dose = side_windows.import_dose
    _dose_received = side_windows.dose_received
    _dose_changed = side_windows.dose_changed

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
        # most of a large screen (1728x972 of 1920x1080), all of a laptop's; the user's size and maximized state kept
        fit_window(self, "main", (1360, 860), screen_share=MAIN_SCREEN_SHARE)
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
        self.server = ServerStatus(services, self)  # on a server: its line, and the other rooms' changes
        if services.connection.on_server:
            self.statusBar().addPermanentWidget(self.server.label)
            self.server.changed.connect(self.changed_elsewhere)
            self.server.start()
        self.dose = DoseStatus(services, actor, self)  # the dose-report listener and its status line
        self.statusBar().addPermanentWidget(self.dose.label)
        self.dose.received.connect(self._dose_received)
        self.dose.start()

    def _title(self) -> str:
        return f"cathlog — {self.actor.display_name} ({self.actor.role.value})"

    def _make_live(self, actor: Actor) -> LiveLogPage:
        live = LiveLogPage(self.services, actor, self.catalog, recheck_min=self.lab.act_recheck_min)
        live.back.connect(self.show_cases)
        # The page says what happened on its own message line, where it wraps; the status bar does not repeat it
        # (a refused close listed its missing items twice, the status bar's copy cut at the dose status).
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

    def _may(self, action: Action) -> bool:
        return self.services.auth.may(self.actor, action)



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

    def changed_elsewhere(self, procedure_id: str | None) -> None:
        """Another workstation committed a change to case ``procedure_id`` (None: anything may have
        changed): the case list and the open case show it, without a click; a half-typed entry stays."""
        if self.pages.currentWidget() is self.cases:
            self.cases.refresh_from_elsewhere(procedure_id)
        record = self.live.record
        if record is not None and procedure_id in (None, record.procedure.procedure_id):
            self.live.refresh_from_elsewhere()

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
        self.server.stop()  # the listener's thread ends before the window goes
        self.housekeeping.wait()  # the background check's thread must end before the window goes
        super().closeEvent(event)
