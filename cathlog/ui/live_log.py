"""The live log: the nurse's screen through a procedure.

Timeline on the left, the entry form as a middle column when open, running
panels on the right, quick-entry buttons F1-F10 (large enough for gloved
hands) and the scanner field at the bottom. Every entry is saved the moment it
is made; there is no "save case" button.

It fits a 1366x768 laptop screen (issue 12 item 6): the panels and the form's
fields scroll inside their columns, the F-key row is one compact row. What the
nurse watches while logging, the ACT, contrast against its limit and radiation
cards, comes first in the panel column and stays in view at 1366x768 with a form
open. The form's column stays in place when no entry is open (it shows what starts
one), so neither the timeline nor the panels change width when a form opens or
closes: a save does not lay the whole timeline out again (issue 18 item 2).

Keys: F1-F10 entries, Ctrl+E correct, Ctrl+Del void, Ctrl+B scan, Ctrl+Shift+C
close the case, Ctrl+Shift+O reopen it, Esc (no form open) or Alt+Left back to
the case list. Switching to another entry, scanning, closing or leaving with a
half-typed entry asks first (Discard it / Keep editing): typing is never lost
silently.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cathlog.catalog import Catalog
from cathlog.domain.describe import kind_title
from cathlog.domain.enums import Action, EventKind, ProcedureStatus
from cathlog.domain.records import Actor, EventVersion, ProcedureRecord
from cathlog.rules.case_facts import last_used
from cathlog.rules.lab_defaults import ACT_RECHECK_MIN
from cathlog.services import Services
from cathlog.ui import entry_drafts, shortcuts
from cathlog.ui.case_widgets import AllergyBanner
from cathlog.ui.entry_form import EntryForm
from cathlog.ui.live_log_actions import CaseActions, ScanField
from cathlog.ui.live_log_panels import LivePanels
from cathlog.ui.models import EventTableModel, ObjectRole, local_time
from cathlog.ui.theme import set_tone
from cathlog.ui.widgets import make_log_view, patient_header

QUICK_KEYS = [
    ("F1", EventKind.ACCESS), ("F2", EventKind.MEDICATION), ("F3", EventKind.ACT), ("F4", EventKind.DEVICE),
    ("F5", None), ("F6", EventKind.CONTRAST), ("F7", EventKind.RADIATION), ("F8", EventKind.LESION),
    ("F9", EventKind.COMPLICATION), ("F10", EventKind.NOTE),
]
RECORDED_BY = 3  # the timeline's column
NARROW_TIMELINE = 700  # px: below it Details takes the "Recorded by" column's room
NO_ENTRY_HINT = ("No entry open.\n\nF1-F10 or the buttons below start one; Ctrl+E corrects the selected entry, "
                 "Ctrl+B scans a device's barcode.")
SCAN_PLACEHOLDER = "scan or type a UDI, then Enter (Ctrl+B)"
CLOSE_KEY, REOPEN_KEY, BACK_KEYS = shortcuts.CLOSE_CASE, shortcuts.REOPEN_CASE, shortcuts.BACK_TO_CASES


def _key_button(text: str, key: str, name: str, tip: str) -> QPushButton:
    """A button that shows its key in its text and its tooltip."""
    button = QPushButton(f"{text} ({key})")
    button.setAccessibleName(name)
    button.setToolTip(f"{tip} — {key}")
    return button


class LiveLogPage(CaseActions, LivePanels):
    entry_saved = Signal(object)
    back = Signal()
    alert = Signal(str)  # a non-modal message for the status line (said while the page is not shown)

    def __init__(self, services: Services, actor: Actor, catalog: Catalog, recheck_min: int = ACT_RECHECK_MIN):
        super().__init__()
        self.services, self.actor, self.catalog = services, actor, catalog
        self.recheck_min = recheck_min
        self.record: ProcedureRecord | None = None
        self._read_only_reason = ""
        self._build()
        self._tick = QTimer(self)
        self._tick.setInterval(30_000)  # minutes-since and recheck-due move on their own
        self._tick.timeout.connect(self.refresh_panels)
        self._tick.start()

    # --- layout ------------------------------------------------------------------

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(8, 4, 8, 4)
        root.setSpacing(4)
        root.addLayout(self._top_row())
        self.allergy_banner = AllergyBanner()
        root.addWidget(self.allergy_banner)
        self.clock_warning = QLabel("")
        self.clock_warning.setObjectName("ClockWarning")
        self.clock_warning.setAccessibleName("clock warning")
        self.clock_warning.setWordWrap(True)
        self.clock_warning.hide()
        root.addWidget(self.clock_warning)

        self.split = split = QSplitter(Qt.Orientation.Horizontal)
        self.model = EventTableModel(self)
        self.timeline = make_log_view("timeline", self.model)
        self.timeline.doubleClicked.connect(lambda _: self.correct_selected())
        self.timeline.setMinimumSize(280, 120)
        self.timeline.follows_newest = True
        split.addWidget(self.timeline)
        # The form opens as a middle column so the timeline keeps its full height.
        self.form = EntryForm(self.services, self.actor, self.catalog)
        self.form.saved.connect(self._on_saved)
        self.form.closed.connect(lambda: self.timeline.setFocus())
        self.form.visibility_changed.connect(self._place_form)
        self.form.installEventFilter(self)  # its Hide: the focus goes to the timeline at once (eventFilter)
        split.addWidget(self._entry_column())
        split.addWidget(self._panel_column())
        # The widths the form's column had when it opened beside a full timeline (1366 px: 550, 335, 457).
        split.setSizes([550, 335, 457])
        for column, stretch in enumerate((5, 3, 4)):  # a wide screen widens the form and panels too
            split.setStretchFactor(column, stretch)
        split.setChildrenCollapsible(False)
        self.timeline.installEventFilter(self)  # its width decides whether "Recorded by" has a column
        root.addWidget(split, 1)
        root.addLayout(self._quick_row())
        root.addLayout(self._bottom_row())
        self._shortcuts()

    def _entry_column(self) -> QWidget:
        """The form's column: the form while an entry is typed, else what starts one. It keeps its width
        either way, so opening or closing a form lays out neither the timeline nor the panels."""
        column = QWidget()
        column.setObjectName("EntryColumn")
        column.setMinimumWidth(320)
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        self.entry_hint = QLabel(NO_ENTRY_HINT)
        self.entry_hint.setObjectName("Hint")  # muted, as the other hints
        self.entry_hint.setAccessibleName("no entry open")
        self.entry_hint.setWordWrap(True)
        self.entry_hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.entry_hint.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.form)
        layout.addWidget(self.entry_hint)
        return column

    def _place_form(self, shown: bool) -> None:
        self.entry_hint.setVisible(not shown)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.timeline and event.type() == QEvent.Type.Resize:
            # a narrow timeline gives "Recorded by" (in each row's tooltip too) to Details
            self.timeline.setColumnHidden(RECORDED_BY, self.timeline.width() < NARROW_TIMELINE)
        elif watched is self.form and event.type() == QEvent.Type.Hide and self.form.isHidden():
            # The form closes (saved or cancelled) with the focus in it, where the timeline takes it next
            # (_on_saved, closed). Given here, before Qt passes the focus along the tab chain itself, it
            # moves once: not first to a button of the page, restyled (":focus") and drawn twice in the frame.
            focus = QApplication.focusWidget()
            if focus is not None and self.form.isAncestorOf(focus) and self.timeline.isVisible():
                self.timeline.setFocus()
        return super().eventFilter(watched, event)

    def _top_row(self) -> QHBoxLayout:
        top = QHBoxLayout()
        self.back_button = _key_button("◀ Cases", BACK_KEYS[0], "back to the case list",
                                       "Back to the case list (Esc when no entry is open, or Alt+Left)")
        self.back_button.clicked.connect(self.go_back)
        self.header = QLabel("")
        self.header.setObjectName("PatientHeader")
        self.header.setAccessibleName("patient and case")
        self.header.setWordWrap(True)
        self.header.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.close_button = _key_button("Close case", CLOSE_KEY, "close the case",
                                        "Close the case: the closing checklist first, then its log is read-only")
        self.close_button.clicked.connect(self.close_case)
        self.reopen_button = _key_button("Reopen case", REOPEN_KEY, "reopen the closed case, with a reason",
                                         "Reopen the closed case, with a reason (kept in the record)")
        self.reopen_button.clicked.connect(self.reopen_case)
        self.reopen_button.hide()
        top.addWidget(self.back_button)
        top.addWidget(self.header, 1)
        top.addWidget(self.close_button)
        top.addWidget(self.reopen_button)
        return top

    def _quick_row(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setSpacing(4)
        self.quick_buttons: dict[str, QPushButton] = {}
        for i, (key, kind) in enumerate(QUICK_KEYS):
            label = "Inflate / run" if kind is None else kind_title(kind)
            button = QPushButton(f"{key}\n{label}")
            button.setObjectName("QuickButton")
            button.setAccessibleName(f"{label} ({key})")
            button.setToolTip(f"{label} — {key}")
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.ensurePolished()  # the theme's font sets the width its word needs
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(label) + 16)
            button.clicked.connect(self.timer_panel.toggle if kind is None else (lambda _=False, k=kind: self.new_entry(k)))
            grid.addWidget(button, 0, i)
            grid.setColumnStretch(i, 1)
            self.quick_buttons[key] = button
        return grid

    def _bottom_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.entry_buttons: list[QPushButton] = []  # correct, void: disabled on a closed case
        for text, key, name, slot in (("Correct", "Ctrl+E", "correct the selected entry", self.correct_selected),
                                      ("Void", "Ctrl+Del", "void the selected entry", self.void_selected)):
            button = _key_button(text, key, name, name[:1].upper() + name[1:])
            button.clicked.connect(slot)
            row.addWidget(button)
            self.entry_buttons.append(button)
        self.correct_button, self.void_button = self.entry_buttons
        scan_label = QLabel("Scan ▸")
        scan_label.setObjectName("ScanLabel")
        self.scan: ScanField = ScanField()
        self.scan.setObjectName("scan")
        self.scan.setAccessibleName("barcode scan (Ctrl+B)")
        self.scan.setPlaceholderText(SCAN_PLACEHOLDER)
        self.scan.setToolTip("Scan a UDI barcode, or type it and press Enter — Ctrl+B")
        self.scan.ensurePolished()  # the theme's font and padding: the whole placeholder stays readable
        self.scan.setMinimumWidth(self.scan.fontMetrics().horizontalAdvance(SCAN_PLACEHOLDER) + 32)
        self.scan.returnPressed.connect(self.scanned)
        scan_label.setBuddy(self.scan)
        self.message = QLabel("")
        self.message.setObjectName("LiveMessage")
        self.message.setAccessibleName("last message")
        self.message.setWordWrap(True)
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addSpacing(8)
        row.addWidget(scan_label)
        row.addWidget(self.scan, 2)
        row.addWidget(self.message, 3)
        return row

    def _shortcuts(self) -> None:
        def key(sequence: str, slot) -> None:
            QShortcut(QKeySequence(sequence), self, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        for k, button in self.quick_buttons.items():
            key(k, button.click)
        key("Ctrl+E", self.correct_selected)
        key("Ctrl+Del", self.void_selected)
        key("Ctrl+B", lambda: self.scan.setFocus())
        key(CLOSE_KEY, self.close_case)
        key(REOPEN_KEY, self.reopen_case)
        key("Escape", self._escape)
        key(BACK_KEYS[1], self.go_back)

    # --- showing a case -------------------------------------------------------------

    def show_case(self, procedure_id: str) -> None:
        if self.timer_panel.running and (self.record is None or self.record.procedure.procedure_id != procedure_id):
            self.timer_panel.reset()  # a running timer belongs to the case it was started in
        self.record = self.services.cases.get_record(self.actor, procedure_id)
        self.form.cancel()
        self._render()

    def reload(self) -> None:
        if self.record is not None:
            self.record = self.services.cases.get_record(self.actor, self.record.procedure.procedure_id)
            self._render()

    def _render(self) -> None:
        record = self.record
        assert record is not None
        self.header.setText(patient_header(record, date.today(), allergies=not self.allergy_banner.shows(record)))
        self.model.set_rows(record.events, record.patient.weight_kg)
        if record.events:
            self.timeline.scrollToBottom()
        is_open = record.procedure.status is ProcedureStatus.OPEN
        for button in self.quick_buttons.values():
            button.setEnabled(is_open)
        self.scan.setEnabled(is_open)
        self.close_button.setEnabled(is_open)
        closed = record.procedure.status is ProcedureStatus.CLOSED
        self.reopen_button.setVisible(closed)
        self.reopen_button.setEnabled(closed and self.services.auth.may(self.actor, Action.REOPEN_CASE))
        why = "" if is_open else (f"This case is {record.procedure.status.value}: its entries are read-only"
                                  + (f". Reopen it ({REOPEN_KEY}) to correct or void an entry." if closed else "."))
        for button, key in zip(self.entry_buttons, ("Ctrl+E", "Ctrl+Del")):
            button.setEnabled(is_open)
            button.setToolTip(why or f"{button.accessibleName()[:1].upper()}{button.accessibleName()[1:]} — {key}")
        self._read_only_reason = why
        self.allergy_banner.refresh(record)
        if not is_open:
            self.say(f"This case is {record.procedure.status.value}: entries are read-only.")
        self.timer_panel.refresh(record)
        self.refresh_panels()

    def say(self, text: str, tone: str | None = None, detail: str = "") -> None:
        """The page's message line: "ok" for done, "caution", or a refusal (text starting "✖") in the
        alert colour; plain information otherwise; ``detail`` in its tooltip. Told once: the status
        bar gets it (``alert``) only while this page is not on screen, where its line would go unseen."""
        self.message.setText(text)
        self.message.setToolTip(detail or text)
        set_tone(self.message, "error" if text.startswith("✖") else tone)
        if not self.isVisible():
            self.alert.emit(text)

    # --- leaving the form, the case ----------------------------------------------------

    def _may_drop_form(self, then: str) -> bool:
        """True when the open form may be replaced: nothing typed in it, or the nurse chose to
        discard it. "Keep editing" (the default) leaves it as it is, with its focus."""
        if not self.form.is_dirty():
            return True
        assert self.form.kind is not None
        typed = ("correction of the " if self.form.correcting else "") + kind_title(self.form.kind).lower()
        if entry_drafts.ask_discard(self, typed, then):
            self.form.cancel()
            return True
        self._refocus_form()
        return False

    def _refocus_form(self) -> None:
        (self.form.focusWidget() or self.form).setFocus()

    def go_back(self) -> None:
        """Back to the case list (Esc with no entry open, Alt+Left), asking first about typing."""
        if not self._may_drop_form("go back to the case list"):
            return
        self.form.cancel()
        self.back.emit()

    def _escape(self) -> None:
        """Esc closes the open entry form (Cancel); with none open, it goes back to the case list."""
        if self.form.isVisible():
            self.form.cancel()
        else:
            self.go_back()

    # --- entries --------------------------------------------------------------------

    def new_entry(self, kind: EventKind, prefill: dict | None = None) -> None:
        if self.record is None or self.record.procedure.status is not ProcedureStatus.OPEN:
            return
        if self.form.kind is kind and self.form.correcting is None and not prefill and self.form.isVisible():
            self._refocus_form()
            return  # the same key again: the entry being typed stays
        if not self._may_drop_form(f"start a new {kind_title(kind).lower()} entry"):
            return
        remembered = last_used(self.record, kind)  # the ACT analyser, cartridge, contrast agent used last
        self.form.start(self.record, kind, {**remembered, **(prefill or {})} if remembered else prefill)
        if prefill:  # a scan's or the timer's values: not typed, but lost as surely as typing
            self.form.mark_unsaved()

    def _on_saved(self, ev: EventVersion) -> None:
        self.entry_stored(ev)
        if (row := self.model.row_of(ev.event_id)) is not None:
            self.timeline.selectRow(row)
        self.say(f"Saved {kind_title(ev.kind).lower()} at {local_time(ev.recorded_at, '%H:%M:%S')}.", "ok")
        self.timeline.setFocus()
        self.entry_saved.emit(ev)

    def _selected(self) -> EventVersion | None:
        rows = self.timeline.selectionModel().selectedRows() if self.timeline.selectionModel() else []
        if not rows:
            self.say("Select an entry in the timeline first.", "caution")
            return None
        return self.model.data(rows[0], ObjectRole).current

    def _read_only(self) -> bool:
        if self.record is not None and self.record.procedure.status is not ProcedureStatus.OPEN:
            self.say(self._read_only_reason, "caution")
            return True
        return False

    def correct_selected(self) -> None:
        if self._read_only():
            return
        ev = self._selected()
        if ev is None or self.record is None:
            return
        if ev.voided:
            self.say("A voided entry cannot be corrected; record a new one.", "caution")
            return
        if not self._may_drop_form(f"correct the selected {kind_title(ev.kind).lower()} entry"):
            return
        self.form.start(self.record, ev.kind, correcting=ev)

    def _timer_finished(self, device_event_id: str, kind: str, seconds: int) -> None:
        self.new_entry(EventKind(kind), {"device_event_id": device_event_id, "duration_s": seconds})
        if self.form.kind is not EventKind(kind):  # kept editing another entry: the time is not lost
            self.say(f"{kind_title(EventKind(kind))} timed {seconds} s: not entered, another entry was open "
                     "(the time stays on the timer panel).", "caution")
