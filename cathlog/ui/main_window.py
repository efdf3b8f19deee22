"""The main window: the case list with search and filters, and the selected
case's record (patient header and the time-ordered log, voided entries
struck through, each entry's history in its tooltip)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
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
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.enums import Anticoagulation, Category, ProcedureStatus, Role
from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor, ProcedureRecord
from cathlog.domain.units import format_quantity
from cathlog.services import Services
from cathlog.ui.models import CaseTableModel, EventTableModel, ObjectRole, local_time

SEARCH_DELAY_MS = 200


def _table(name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setAccessibleName(name.replace("_", " "))
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(34)
    view.setWordWrap(False)
    return view


def patient_header(record: ProcedureRecord, today: date) -> str:
    """'Doe, Jane · MRN 00123 · 72 y F · 80 kg · Cr 1.4 mg/dL · eGFR 48 · ALLERGY: ...'"""
    p, proc = record.patient, record.procedure
    parts = [p.display_name, f"MRN {p.mrn}", f"{p.age_years(today)} y {p.sex[:1].upper()}"]
    if p.weight_kg is not None:
        parts.append(format_quantity(p.weight_kg, "kg", 1))
    if p.creatinine_mg_dl is not None:
        parts.append(f"Cr {format_quantity(p.creatinine_mg_dl, 'mg/dL', 2)}")
    if p.egfr_ml_min is not None:
        parts.append(f"eGFR {format_quantity(p.egfr_ml_min, None, 1)}")
    if p.anticoagulation and p.anticoagulation != "none":
        parts.append(f"on {Anticoagulation(p.anticoagulation).label}")
    parts.append(f"⚠ ALLERGY: {p.allergies}" if p.allergies else "no known allergies")
    line2 = (f"{proc.procedure_id} · {Category(proc.category).label} · {proc.indication_detail or proc.indication} · "
             f"{proc.room or 'room not set'} · started {local_time(proc.started_at)} · {proc.status.value}")
    return " · ".join(parts) + "\n" + line2


class MainWindow(QMainWindow):
    case_selected = Signal(str)
    cases_loaded = Signal(int)

    def __init__(self, services: Services, actor: Actor, db_label: str = ""):
        super().__init__()
        self.services = services
        self.actor = actor
        self.setWindowTitle(f"cathlog — {actor.display_name} ({actor.role.value})")
        self.resize(1360, 820)
        self._build(db_label)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)
        self.reload()

    # --- layout ----------------------------------------------------------------

    def _build(self, db_label: str) -> None:
        menu = self.menuBar().addMenu("&File")
        refresh = QAction("&Refresh", self)
        refresh.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        refresh.triggered.connect(self.reload)
        menu.addAction(refresh)
        if self.actor.role is Role.ADMIN:
            demo = QAction("Load &demo cases…", self)
            demo.triggered.connect(self.load_demo)
            menu.addAction(demo)
        quit_ = QAction("&Quit", self)
        quit_.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        quit_.triggered.connect(self.close)
        menu.addAction(quit_)

        root = QWidget()
        layout = QVBoxLayout(root)
        layout.setContentsMargins(0, 0, 0, 0)
        banner = QLabel(f"cathlog · {self.actor.display_name} · {self.actor.role.value} · {db_label}")
        banner.setObjectName("Banner")
        banner.setAccessibleName("signed in as")
        layout.addWidget(banner)

        bar = QHBoxLayout()
        bar.setContentsMargins(12, 8, 12, 0)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setAccessibleName("search cases")
        self.search.setPlaceholderText("Search MRN, name, operator or case id  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        find = QAction(self)
        find.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        find.triggered.connect(lambda: self.search.setFocus())
        self.addAction(find)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("status_filter")
        self.status_filter.setAccessibleName("status filter")
        self.status_filter.addItem("All statuses", None)
        for status in ProcedureStatus:
            self.status_filter.addItem(status.value.capitalize(), status.value)
        self.status_filter.currentIndexChanged.connect(self.reload)
        refresh_button = QPushButton("Refresh")
        refresh_button.setAccessibleName("refresh")
        refresh_button.clicked.connect(self.reload)
        bar.addWidget(QLabel("Cases"))
        bar.addWidget(self.search, 1)
        bar.addWidget(QLabel("Status"))
        bar.addWidget(self.status_filter)
        bar.addWidget(refresh_button)
        layout.addLayout(bar)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setContentsMargins(12, 8, 12, 12)
        self.case_model = CaseTableModel(self)
        self.case_view = _table("case_list")
        self.case_view.setModel(self.case_model)
        header = self.case_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.case_view.selectionModel().selectionChanged.connect(self._on_case_selection)
        splitter.addWidget(self.case_view)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        self.header = QLabel("")
        self.header.setObjectName("PatientHeader")
        self.header.setAccessibleName("patient and case")
        self.header.setWordWrap(True)
        self.event_model = EventTableModel(self)
        self.event_view = _table("case_log")
        self.event_view.setModel(self.event_model)
        ev_header = self.event_view.horizontalHeader()
        ev_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        ev_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.event_view.setWordWrap(True)
        self.event_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
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
        right_layout.addWidget(self.record_stack)
        splitter.addWidget(right)
        splitter.setSizes([700, 640])
        layout.addWidget(splitter, 1)
        self.setCentralWidget(root)

    # --- behaviour -------------------------------------------------------------

    def _fail(self, exc: CathlogError) -> None:
        QMessageBox.warning(self, "cathlog", str(exc))

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
            self.empty.setText("No case matches this search." if filtered else
                               "No cases yet." + (" Load demo cases from the File menu to try cathlog."
                                                  if self.actor.role is Role.ADMIN else ""))
        else:
            self.empty.setText("Select a case to see its log.")
        self.record_stack.setCurrentIndex(0)
        self.cases_loaded.emit(len(cases))

    def _on_case_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        summary = self.case_model.data(indexes[0], ObjectRole)
        self.show_case(summary.procedure_id)

    def show_case(self, procedure_id: str) -> None:
        try:
            record = self.services.cases.get_record(self.actor, procedure_id)
        except CathlogError as exc:
            self._fail(exc)
            return
        self.header.setText(patient_header(record, date.today()))
        self.event_model.set_rows(record.events)
        self.record_stack.setCurrentIndex(1)
        self.case_selected.emit(procedure_id)

    def load_demo(self) -> None:
        from cathlog.demo import load_demo

        try:
            ids = load_demo(self.services, self.actor, 25)
        except CathlogError as exc:
            self._fail(exc)
            return
        self.reload()
        self.statusBar().showMessage(f"Loaded {len(ids)} demo cases")
