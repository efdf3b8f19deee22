"""The main window: the case list (search, filters, a preview of the
selected case's log) and the live log of the open case, on two pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QItemSelection, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cathlog.catalog import Catalog, load_catalog
from cathlog.domain.enums import ProcedureStatus, Role
from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.rules.alerts import ACT_RECHECK_MIN
from cathlog.rules.permissions import Action, may
from cathlog.services import Services
from cathlog.ui.admin import AuditDialog, ExportDialog, UsersDialog
from cathlog.ui.idle_lock import IdleWatch, LockDialog
from cathlog.ui.maintenance import MaintenanceMixin
from cathlog.ui.live_log import LiveLogPage
from cathlog.ui.models import CaseTableModel, EventTableModel, ObjectRole
from cathlog.ui.new_case import NewCaseDialog
from cathlog.ui.review import ReviewDialog
from cathlog.ui.theme import THEMES, apply_theme
from cathlog.ui.widgets import make_log_view, make_table, patient_header

SEARCH_DELAY_MS = 200


class MainWindow(MaintenanceMixin, QMainWindow):
    case_selected = Signal(str)
    cases_loaded = Signal(int)

    locked = Signal()
    unlocked = Signal(str)  # the username now signed in

    def __init__(self, services: Services, actor: Actor, db_label: str = "", catalog: Catalog | None = None,
                 settings: QSettings | None = None, backup_folder: Path | None = None,
                 idle_watch: IdleWatch | None = None):
        super().__init__()
        self.backup_folder = backup_folder
        self.db_label = db_label
        self.catalog = catalog or load_catalog()
        self.drafts: dict[str, dict] = {}  # half-typed entries kept for their authors across an idle lock
        self.idle_watch = idle_watch
        if idle_watch is not None:
            idle_watch.idle.connect(self.lock)
        self._daily = QTimer(self)  # a backup each day the program stays open
        self._daily.setInterval(24 * 3600 * 1000)
        self._daily.timeout.connect(lambda: self.backup_now("daily"))
        if backup_folder is not None:
            self._daily.start()
        self.services = services
        self.actor = actor
        self.settings = settings or QSettings()
        self.setWindowTitle(f"cathlog — {actor.display_name} ({actor.role.value})")
        self.resize(1360, 860)
        recheck: Any = self.settings.value("act_recheck_min", ACT_RECHECK_MIN)
        try:  # a lab setting (QSettings key act_recheck_min); a bad value falls back to the default
            recheck_min = int(recheck) if 5 <= int(recheck) <= 240 else ACT_RECHECK_MIN
        except (TypeError, ValueError):
            recheck_min = ACT_RECHECK_MIN
        self.recheck_min = recheck_min
        self.live = self._make_live(actor)
        self._build(db_label)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)
        self.reload()

    def _make_live(self, actor: Actor) -> LiveLogPage:
        live = LiveLogPage(self.services, actor, self.catalog, recheck_min=self.recheck_min)
        live.back.connect(self.show_cases)
        live.alert.connect(lambda text: self.statusBar().showMessage(text, 15000))
        return live

    # --- layout ----------------------------------------------------------------

    def _menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")

        def action(menu, text, slot, shortcut=None, enabled=True):
            act = QAction(text, self)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(slot)
            act.setEnabled(enabled)
            menu.addAction(act)
            return act

        action(file_menu, "&New case…", self.new_case, "Ctrl+N", may(self.actor.role, Action.OPEN_CASE))
        action(file_menu, "&Refresh", self.reload, "Ctrl+R")  # not F5: F5 is the inflation timer
        if self.actor.role is Role.ADMIN:
            action(file_menu, "Load &demo cases…", self.load_demo)
        action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        if self.actor.role is Role.ADMIN:
            admin = self.menuBar().addMenu("&Admin")
            action(admin, "&Users and roles…", lambda: UsersDialog(self.services, self.actor, self).exec())
            action(admin, "&Audit trail…", lambda: AuditDialog(self.services, self.actor, self).exec())
            action(admin, "&Export records…", lambda: ExportDialog(self.services, self.actor, self).exec())
            action(admin, "&Back up now…", self.backup_as)
            action(admin, "&Restore from a backup…", self.restore_from)
        view = self.menuBar().addMenu("&View")
        for name in THEMES:
            action(view, f"{name.capitalize()} theme", lambda _=False, n=name: self.set_theme(n))

    def _build(self, db_label: str) -> None:
        self._menu()
        root = QWidget()
        layout = QVBoxLayout(root)
        layout.setContentsMargins(0, 0, 0, 0)
        banner = self.banner = QLabel(f"cathlog · {self.actor.display_name} · {self.actor.role.value} · {db_label}")
        banner.setObjectName("Banner")
        banner.setAccessibleName("signed in as")
        layout.addWidget(banner)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._case_page())
        self.pages.addWidget(self.live)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(root)

    def _case_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 8, 12, 0)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setAccessibleName("search cases")
        self.search.setPlaceholderText("Search MRN, name, operator or case id  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), page, lambda: self.search.setFocus())
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("status_filter")
        self.status_filter.setAccessibleName("status filter")
        self.status_filter.addItem("All statuses", None)
        for status in ProcedureStatus:
            self.status_filter.addItem(status.value.capitalize(), status.value)
        self.status_filter.currentIndexChanged.connect(self.reload)
        self.new_button = QPushButton("New case (Ctrl+N)")
        self.new_button.setObjectName("Primary")
        self.new_button.setAccessibleName("new case")
        self.new_button.clicked.connect(self.new_case)
        self.new_button.setVisible(may(self.actor.role, Action.OPEN_CASE))
        self.open_button = QPushButton("Open log (Enter)")
        self.open_button.setAccessibleName("open the selected case's log")
        self.open_button.clicked.connect(self.open_selected)
        bar.addWidget(QLabel("Cases"))
        bar.addWidget(self.search, 1)
        bar.addWidget(QLabel("Status"))
        bar.addWidget(self.status_filter)
        self.review_button = QPushButton("Review and sign…")
        self.review_button.setAccessibleName("review and sign the selected case")
        self.review_button.clicked.connect(self.review_selected)
        self.review_button.setVisible(may(self.actor.role, Action.SIGN_CASE))
        bar.addWidget(self.open_button)
        bar.addWidget(self.review_button)
        bar.addWidget(self.new_button)
        layout.addLayout(bar)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setContentsMargins(12, 8, 12, 12)
        self.case_model = CaseTableModel(self)
        self.case_view = make_table("case_list")
        self.case_view.setModel(self.case_model)
        header = self.case_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.case_view.selectionModel().selectionChanged.connect(self._on_case_selection)
        self.case_view.activated.connect(lambda _: self.open_selected())
        splitter.addWidget(self.case_view)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(8, 0, 0, 0)
        self.header = QLabel("")
        self.header.setObjectName("PatientHeader")
        self.header.setAccessibleName("patient and case")
        self.header.setWordWrap(True)
        self.event_model = EventTableModel(self)
        self.event_view = make_log_view("case_log", self.event_model)
        self.empty = QLabel("")
        self.empty.setObjectName("Empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.record_stack = QStackedWidget()
        record_page = QWidget()
        rp = QVBoxLayout(record_page)
        rp.setContentsMargins(0, 0, 0, 0)
        rp.addWidget(self.header)
        rp.addWidget(self.event_view, 1)
        self.record_stack.addWidget(self.empty)
        self.record_stack.addWidget(record_page)
        rl.addWidget(self.record_stack)
        splitter.addWidget(right)
        splitter.setSizes([700, 640])
        layout.addWidget(splitter, 1)
        return page

    # --- behaviour -------------------------------------------------------------

    def _fail(self, exc: CathlogError) -> None:
        QMessageBox.warning(self, "cathlog", str(exc))

    # --- idle lock -----------------------------------------------------------------

    def ask_unlock(self) -> Actor | None:
        """The lock dialog (tests replace this)."""
        dialog = LockDialog(self.services, self.actor, self)
        dialog.exec()
        return dialog.actor

    def lock(self) -> None:
        self.pages.hide()
        self.setWindowTitle("cathlog — locked")
        self.locked.emit()
        actor = None
        while actor is None:
            actor = self.ask_unlock()
        if actor.username != self.actor.username:
            self.switch_user(actor)
        self.pages.show()
        self.setWindowTitle(f"cathlog — {self.actor.display_name} ({self.actor.role.value})")
        if self.idle_watch is not None:
            self.idle_watch.unlocked()
        self.unlocked.emit(self.actor.username)

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
        self.banner.setText(f"cathlog · {actor.display_name} · {actor.role.value} · {self.db_label}")
        self.new_button.setVisible(may(actor.role, Action.OPEN_CASE))
        self.review_button.setVisible(may(actor.role, Action.SIGN_CASE))
        self.pages.setCurrentIndex(0)
        self.reload()
        mine = self.drafts.pop(actor.username, None)
        if mine:
            try:
                self.open_case(mine["procedure_id"])
                assert self.live.record is not None  # open_case loaded it
                self.live.form.restore_draft(self.live.record, mine)
            except CathlogError:
                pass

    def set_theme(self, name: str) -> None:
        apply_theme(cast(QApplication, QApplication.instance()), name)
        self.settings.setValue("theme", name)

    def reload(self) -> None:
        try:
            cases = self.services.cases.list_cases(self.actor, search=self.search.text() or None,
                                                   status=self.status_filter.currentData())
        except CathlogError as exc:
            self._fail(exc)
            return
        self.case_model.set_rows(cases)
        self.statusBar().showMessage(f"{len(cases)} case(s)" + (" (first 500 shown)" if len(cases) == 500 else ""))
        if not cases:
            filtered = bool(self.search.text() or self.status_filter.currentData())
            hint = {Role.ADMIN: " Load demo cases from the File menu to try cathlog.",
                    Role.NURSE: " Start one with New case (Ctrl+N).",
                    Role.PHYSICIAN: " Start one with New case (Ctrl+N)."}[self.actor.role]
            self.empty.setText("No case matches this search." if filtered else "No cases yet." + hint)
        else:
            self.empty.setText("Select a case to see its log; Enter opens it.")
        self.record_stack.setCurrentIndex(0)
        self.cases_loaded.emit(len(cases))

    def _on_case_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self.show_case(self.case_model.data(indexes[0], ObjectRole).procedure_id)

    def show_case(self, procedure_id: str) -> None:
        try:
            record = self.services.cases.get_record(self.actor, procedure_id)
        except CathlogError as exc:
            self._fail(exc)
            return
        self.header.setText(patient_header(record, date.today()))
        self.event_model.set_rows(record.events, record.patient.weight_kg)
        self.record_stack.setCurrentIndex(1)
        self.case_selected.emit(procedure_id)

    def open_selected(self) -> None:
        rows = self.case_view.selectionModel().selectedRows()
        if rows:
            self.open_case(self.case_model.data(rows[0], ObjectRole).procedure_id)

    def review_selected(self) -> None:
        rows = self.case_view.selectionModel().selectedRows()
        if not rows:
            self.statusBar().showMessage("Select a case to review first.", 8000)
            return
        ReviewDialog.show_for(self.services, self.actor, self.case_model.data(rows[0], ObjectRole).procedure_id, self)
        self.reload()

    def open_case(self, procedure_id: str) -> None:
        try:
            self.live.show_case(procedure_id)
        except CathlogError as exc:
            self._fail(exc)
            return
        self.pages.setCurrentWidget(self.live)
        self.live.timeline.setFocus()

    def show_cases(self) -> None:
        self.pages.setCurrentIndex(0)
        self.reload()
        self.case_view.setFocus()

    def new_case(self) -> None:
        procedure_id = NewCaseDialog.ask(self.services, self.actor, self)
        if procedure_id:
            self.reload()
            self.open_case(procedure_id)

    def load_demo(self) -> None:
        from cathlog.demo import load_demo

        try:
            ids = load_demo(self.services, self.actor, 25)
        except CathlogError as exc:
            self._fail(exc)
            return
        self.reload()
        self.statusBar().showMessage(f"Loaded {len(ids)} demo cases")
