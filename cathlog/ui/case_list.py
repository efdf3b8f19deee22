"""The case-list page: search, filters (dates, room, status, waiting for my
signature), the list of cases sorted by the database on a header click, and
a read-only preview of the selected case's log. Down in the search box moves
into the list; Enter opens the selected case.

It asks the window, through signals, to open a case's live log, to review
one, or to start a new one; it reports status-line text with ``message``.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QItemSelection, QObject, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.enums import Role
from cathlog.domain.errors import CathlogError, DatabaseUnavailable
from cathlog.domain.records import Actor, CaseSummary
from cathlog.domain.enums import Action
from cathlog.services import Services
from cathlog.ui.case_filters import CaseFilters
from cathlog.ui.case_list_model import PATIENT_COLUMN, CaseTableModel
from cathlog.ui.live_log_actions import ask_text
from cathlog.ui.models import EventTableModel, ObjectRole
from cathlog.ui.theme import set_tone
from cathlog.ui.timeline import narrow_columns
from cathlog.ui.widgets import make_log_view, make_table, patient_header

SEARCH_DELAY_MS = 200
SEARCH_TIP = "Words in any order; accents and capitals do not matter. Down moves into the list, Enter opens the case."
LIST_LIMIT = 200  # the most cases the list shows (a search or a filter narrows them)
NO_NEW_CASE = ("An administrator makes no clinical entries: a nurse or a physician starts a case. "
               "Add them under Admin → Users and roles.")
# Column widths as samples of their widest useful text; the patient column takes what is left.
# Started, the patient, the MRN and the status never shrink; the others share what is missing on a narrow screen.
_WIDTH_SAMPLES = {0: "2026-11-21 09:00", 2: "DEMO123450001", 3: "Peripheral arterial", 4: "Dr. S. Lindqvist",
                  5: "Cath Lab 2", 6: "closed"}
_NEVER_SHRINK = (0, 2, 6)
PATIENT_MIN_CHARS = "Papadopoulos, Chiamaka"
_CELL_PADDING = 28
_EMPTY_HINT = {Role.ADMIN: " Load demo cases from the File menu to try cathlog.",
               Role.NURSE: " Start one with New case (Ctrl+N).",
               Role.PHYSICIAN: " Start one with New case (Ctrl+N)."}


def patient_min_width(view: QWidget) -> int:
    """The patient column's least width: a long name, whole."""
    return view.fontMetrics().horizontalAdvance(PATIENT_MIN_CHARS) + _CELL_PADDING


class CaseListPage(QWidget):
    case_selected = Signal(str)  # a case is shown in the preview
    cases_loaded = Signal(int)  # the list was (re)loaded with this many cases
    open_requested = Signal(str)  # open this case's live log
    review_requested = Signal(str)  # review and sign this case
    new_requested = Signal()  # start a new case
    message = Signal(str, int)  # text for the status line, and for how many ms (0: until replaced)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.actor = services, actor
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)
        self._build()
        self._show_buttons()

    # --- layout ----------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._bar())
        self.search_note = QLabel("")  # the word search refused here (on a server, until it runs there)
        self.search_note.setObjectName("search_note")
        self.search_note.setWordWrap(True)
        self.search_note.setContentsMargins(12, 2, 12, 0)
        self.search_note.hide()
        layout.addWidget(self.search_note)
        self.filters = CaseFilters(self.services, self.actor)
        self.filters.setContentsMargins(12, 4, 12, 0)
        self.filters.changed.connect(self.reload)
        layout.addWidget(self.filters)
        self.status_filter = self.filters.status
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setContentsMargins(12, 8, 12, 12)
        self.case_model = CaseTableModel(self)
        self.case_model.sort_requested.connect(self.reload)
        self.case_view = make_table("case_list")
        self.case_view.setModel(self.case_model)
        self.case_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.case_view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.case_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.case_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(PATIENT_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        header.setToolTip("Click a column title to sort all cases by it; click again to reverse")
        self.case_view.setSortingEnabled(True)
        self.case_view.viewport().installEventFilter(self)
        self.case_view.selectionModel().selectionChanged.connect(self._on_case_selection)
        self.case_view.activated.connect(lambda _: self.open_selected())
        splitter.addWidget(self.case_view)
        splitter.addWidget(self._preview())
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([940, 400])  # at 1366 wide: every column readable; the preview wraps its header
        layout.addWidget(splitter, 1)

    def _bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 8, 12, 0)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setAccessibleName("search cases")
        self.search.setPlaceholderText("Search name, MRN or part of it, operator, case id, room or date  (Ctrl+F)")
        self.search.setToolTip(SEARCH_TIP)
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        self.search.returnPressed.connect(self._search_now)
        self.search.installEventFilter(self)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, lambda: self.search.setFocus())
        self.open_button = QPushButton("Open log (Enter)")
        self.open_button.setAccessibleName("open the selected case's log")
        self.open_button.clicked.connect(self.open_selected)
        self.review_button = QPushButton("Review and sign…")
        self.review_button.setAccessibleName("review and sign the selected case")
        self.review_button.clicked.connect(self.review_selected)
        self.reopen_button = QPushButton("Reopen… (Ctrl+Shift+O)")
        self.reopen_button.setAccessibleName("reopen the selected closed case, with a reason")
        self.reopen_button.clicked.connect(self.reopen_selected)
        QShortcut(QKeySequence("Ctrl+Shift+O"), self, self.reopen_selected,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.new_button = QPushButton("New case (Ctrl+N)")
        self.new_button.setObjectName("Primary")
        self.new_button.setAccessibleName("new case")
        self.new_button.clicked.connect(self.new_requested.emit)
        bar.addWidget(QLabel("Cases"))
        bar.addWidget(self.search, 1)
        bar.addWidget(self.open_button)
        bar.addWidget(self.review_button)
        bar.addWidget(self.reopen_button)
        bar.addWidget(self.new_button)
        return bar

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.search and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Down:
            self.focus_list()
            return True
        view = getattr(self, "case_view", None)
        if view is not None and obj is view.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(obj, event)

    def _fit_columns(self) -> None:
        """Every column fits the list's width (no sideways scrolling): the fixed columns get their
        sample's width, the shrinkable ones shrunk evenly when the list is narrow; the patient
        column the rest. A cut text is whole in the cell's tooltip."""
        self.case_view.ensurePolished()  # the theme's font, not the default one, sets the widths
        width = self.case_view.fontMetrics().horizontalAdvance
        wanted = {col: width(sample) + _CELL_PADDING for col, sample in _WIDTH_SAMPLES.items()}
        fixed = sum(wanted[c] for c in _NEVER_SHRINK)
        room = self.case_view.viewport().width() - patient_min_width(self.case_view) - fixed
        shrinkable = sum(w for c, w in wanted.items() if c not in _NEVER_SHRINK)
        scale = max(0.3, min(1.0, room / shrinkable))
        header = self.case_view.horizontalHeader()
        for col, w in wanted.items():
            header.resizeSection(col, w if col in _NEVER_SHRINK else max(40, int(w * scale)))

    def _show_buttons(self) -> None:
        may_open = self.services.auth.may(self.actor, Action.OPEN_CASE)
        self.new_button.setEnabled(may_open)
        self.new_button.setToolTip("Start a new case (Ctrl+N)" if may_open else NO_NEW_CASE)
        self.review_button.setVisible(self.services.auth.may(self.actor, Action.SIGN_CASE))
        self.reopen_button.setVisible(self.services.auth.may(self.actor, Action.REOPEN_CASE))

    def focus_list(self) -> None:
        """Into the list, on its first row (or the row already chosen)."""
        if self._search_timer.isActive():
            self._search_now()
        if self.case_model.rowCount() == 0:
            return
        if not self.case_view.selectionModel().selectedRows():
            self.case_view.selectRow(0)
        self.case_view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.reload()
        if self.sender() is self.search:  # Enter in the search box: into the list, first row chosen
            self.focus_list()

    def _preview(self) -> QWidget:
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(8, 0, 0, 0)
        self.header = QLabel("")
        self.header.setObjectName("PatientHeader")
        self.header.setAccessibleName("patient and case")
        self.header.setWordWrap(True)
        self.event_model = EventTableModel(self, loud_complications=False)
        self.event_view = make_log_view("case_log", self.event_model)
        # A narrow read-only preview: who recorded each entry is in the row's tooltip, and the
        # details column wraps instead of scrolling sideways (the open case shows every column).
        self.event_view.setColumnHidden(3, True)
        narrow_columns(self.event_view)
        self.event_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
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
        return right

    # --- behaviour -------------------------------------------------------------------

    def set_actor(self, actor: Actor) -> None:
        """Another user signed in at the lock: their buttons, their filters, their list."""
        self.actor = actor
        self._show_buttons()
        self.filters.set_actor(actor)
        self.reload()

    def reload(self, quiet: bool = False) -> None:
        """The list again. ``quiet``: a refresh nobody asked for here (another workstation's change): a
        failure goes to the status line, never into a dialog. Where the word search is refused (on a
        server, until it runs there) the search box's note says so and the list shows what the filters
        let through."""
        self._search_timer.stop()
        try:
            filters = self.filters.values()
        except ValueError as exc:
            self._show_cases([], f"No case shown: {exc}.")
            return
        words, refused = self.search.text() or None, ""
        try:
            try:
                cases = self._list(words, filters)
            except CathlogError as exc:
                if words is None or not words.strip() or isinstance(exc, DatabaseUnavailable):
                    raise
                cases, refused = self._list(None, filters), str(exc)
        except CathlogError as exc:
            if quiet:
                self.message.emit(f"⚠ The case list was not refreshed: {exc}", 0)
            else:
                QMessageBox.warning(self, "cathlog", str(exc))
            return
        self._note_search(refused)
        if not cases:
            filtered = bool(self.search.text().strip() or self.filters.active())
            empty = ("No case matches this search and these filters." if filtered
                     else "No cases yet." + _EMPTY_HINT[self.actor.role])
        else:
            empty = "Select a case to see its log; Enter opens it."
        self._show_cases(cases, empty)

    def _list(self, words: str | None, filters: dict) -> list[CaseSummary]:
        return self.services.cases.list_cases(self.actor, search=words, sort=self.case_model.sort_key,
                                              descending=self.case_model.descending, limit=LIST_LIMIT, **filters)

    def _note_search(self, refused: str) -> None:
        """Under the search box: why its words were not applied (empty: they were)."""
        text = (f"✖ The word search does not work here: {refused.rstrip('. ')}. The list below shows every case "
                "the filters let through.") if refused else ""
        self.search_note.setText(text)
        self.search_note.setVisible(bool(text))
        set_tone(self.search_note, "error" if text else None)
        self.search.setProperty("refused", bool(text))
        self.search.setToolTip(text or SEARCH_TIP)

    def _show_cases(self, cases: list[CaseSummary], empty: str) -> None:
        self.case_model.set_rows(cases)
        shown = f" (the first {LIST_LIMIT}: narrow the search or the filters)" if len(cases) == LIST_LIMIT else ""
        self.message.emit(f"{len(cases)} case(s){shown}", 0)
        self.empty.setText(empty)
        if not self.case_view.selectionModel().selectedRows():
            self.record_stack.setCurrentIndex(0)
        self.cases_loaded.emit(len(cases))

    def _on_case_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self.show_case(self.case_model.data(indexes[0], ObjectRole).procedure_id)

    def show_case(self, procedure_id: str, quiet: bool = False) -> None:
        """The preview: the case's header and its log, read-only. ``quiet``: the same case again after
        another workstation changed it (no dialog, no new view logged)."""
        try:
            record = self.services.cases.get_record(self.actor, procedure_id)
        except CathlogError as exc:
            if quiet:
                self.message.emit(f"⚠ The case shown was not refreshed: {exc}", 0)
            else:
                QMessageBox.warning(self, "cathlog", str(exc))
            return
        self.header.setText(patient_header(record, date.today()))
        self.event_model.set_rows(record.events, record.patient.weight_kg)
        self.record_stack.setCurrentIndex(1)
        if not quiet:
            self.case_selected.emit(procedure_id)

    def refresh_from_elsewhere(self, procedure_id: str | None) -> None:
        """Another workstation changed case ``procedure_id`` (None: anything may have changed): the list
        again, the same case still selected, and its preview if it is the one changed."""
        kept = self.selected_case()
        self.reload(quiet=True)
        if kept is None:
            return
        if self.selected_case() != kept and (row := self.case_model.row_of(kept)) is not None:
            blocker = QSignalBlocker(self.case_view.selectionModel())  # the same case: no new view logged
            self.case_view.selectRow(row)
            del blocker
        if procedure_id is None or procedure_id == kept:
            self.show_case(kept, quiet=True)

    def selected_case(self) -> str | None:
        rows = self.case_view.selectionModel().selectedRows()
        return self.case_model.data(rows[0], ObjectRole).procedure_id if rows else None

    def open_selected(self) -> None:
        procedure_id = self.selected_case()
        if procedure_id:
            self.open_requested.emit(procedure_id)

    def review_selected(self) -> None:
        procedure_id = self.selected_case()
        if procedure_id is None:
            self.message.emit("Select a case to review first.", 8000)
            return
        self.review_requested.emit(procedure_id)

    def reopen_selected(self) -> None:
        """Reopen the selected closed case, with a reason (audited)."""
        procedure_id = self.selected_case()
        if procedure_id is None:
            self.message.emit("Select a closed case to reopen first.", 8000)
            return
        if not self.services.auth.may(self.actor, Action.REOPEN_CASE):
            self.message.emit("Your role may not reopen a case.", 8000)
            return
        reason, ok = ask_text(self, "Reopen case", f"Why is case {procedure_id} reopened? (kept in the record)")
        if not ok:
            return
        try:
            self.services.cases.reopen_case(self.actor, procedure_id, reason)
        except CathlogError as exc:
            self.message.emit(f"Not reopened: {exc}", 0)
            return
        self.reload()
        self.message.emit(f"Case {procedure_id} reopened: its log can be changed again.", 8000)
