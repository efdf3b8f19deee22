"""The live log: the nurse's screen through a procedure.

Timeline on the left, running panels on the right, the entry form under
the timeline, quick-entry buttons F1-F10 (large enough for gloved hands),
and the scanner field. Every entry is saved the moment it is made; there is
no "save case" button.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cathlog.catalog import Catalog
from cathlog.domain.enums import EventKind, ProcedureStatus
from cathlog.domain.errors import CathlogError
from cathlog.domain.describe import kind_title
from cathlog.domain.records import Actor, EventVersion, ProcedureRecord, parse_utc_iso
from cathlog.rules.alerts import ACT_RECHECK_MIN
from cathlog.rules.case_facts import clock_behind, last_used, missing_at_close, scan_check
from cathlog.domain.enums import Action
from cathlog.services import Services
from cathlog.ui.case_widgets import AllergyBanner, DrugTotalsPanel
from cathlog.ui.entry_form import EntryForm
from cathlog.ui.models import EventTableModel, ObjectRole, local_time
from cathlog.ui.panels import ActPanel, ContrastPanel, RadiationPanel, TimerPanel
from cathlog.ui.widgets import make_log_view, patient_header

if TYPE_CHECKING:  # biip loads on the first scan, not at start-up
    from cathlog.rules.barcode import ScannedUdi

QUICK_KEYS = [
    ("F1", EventKind.ACCESS), ("F2", EventKind.MEDICATION), ("F3", EventKind.ACT), ("F4", EventKind.DEVICE),
    ("F5", None), ("F6", EventKind.CONTRAST), ("F7", EventKind.RADIATION), ("F8", EventKind.LESION),
    ("F9", EventKind.COMPLICATION), ("F10", EventKind.NOTE),
]


class ScanField(QLineEdit):
    """A line edit that keeps the GS1 group separator a scanner types (Ctrl+] or the
    raw 0x1D character), which QLineEdit would drop, as the visible "␝"."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        ctrl_bracket = event.key() == Qt.Key.Key_BracketRight and \
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if event.text() == "\x1d" or ctrl_bracket:
            self.insert("␝")
            return
        super().keyPressEvent(event)


class LiveLogPage(QWidget):
    entry_saved = Signal(object)
    back = Signal()
    alert = Signal(str)  # a non-modal message for the status line

    def __init__(self, services: Services, actor: Actor, catalog: Catalog, recheck_min: int = ACT_RECHECK_MIN):
        super().__init__()
        self.services, self.actor, self.catalog = services, actor, catalog
        self.recheck_min = recheck_min
        self.record: ProcedureRecord | None = None
        self._build()
        self._tick = QTimer(self)
        self._tick.setInterval(30_000)  # minutes-since and recheck-due move on their own
        self._tick.timeout.connect(self.refresh_panels)
        self._tick.start()

    # --- layout ------------------------------------------------------------------

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(12, 8, 12, 8)
        top = QHBoxLayout()
        back = QPushButton("◀ Cases")
        back.setAccessibleName("back to the case list")
        back.clicked.connect(self.back.emit)
        self.header = QLabel("")
        self.header.setObjectName("PatientHeader")
        self.header.setAccessibleName("patient and case")
        self.header.setWordWrap(True)
        self.close_button = QPushButton("Close case")
        self.close_button.setAccessibleName("close the case")
        self.close_button.clicked.connect(self.close_case)
        self.reopen_button = QPushButton("Reopen case (Ctrl+Shift+O)")
        self.reopen_button.setAccessibleName("reopen the closed case, with a reason")
        self.reopen_button.clicked.connect(self.reopen_case)
        self.reopen_button.hide()
        top.addWidget(back)
        top.addWidget(self.header, 1)
        top.addWidget(self.close_button)
        top.addWidget(self.reopen_button)
        root.addLayout(top)
        self.allergy_banner = AllergyBanner()
        root.addWidget(self.allergy_banner)
        self.clock_warning = QLabel("")
        self.clock_warning.setObjectName("ClockWarning")
        self.clock_warning.setAccessibleName("clock warning")
        self.clock_warning.setWordWrap(True)
        self.clock_warning.hide()
        root.addWidget(self.clock_warning)

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.model = EventTableModel(self)
        self.timeline = make_log_view("timeline", self.model)
        self.timeline.doubleClicked.connect(lambda _: self.correct_selected())
        ll.addWidget(self.timeline, 3)
        actions = QHBoxLayout()
        self.entry_buttons: list[QPushButton] = []  # correct, void: disabled on a closed case
        for text, name, slot in (("Correct (Ctrl+E)", "correct the selected entry", self.correct_selected),
                                 ("Void (Ctrl+Del)", "void the selected entry", self.void_selected)):
            button = QPushButton(text)
            button.setAccessibleName(name)
            button.clicked.connect(slot)
            actions.addWidget(button)
            self.entry_buttons.append(button)
        self.correct_button, self.void_button = self.entry_buttons
        actions.addStretch(1)
        ll.addLayout(actions)
        split.addWidget(left)
        # The form opens as a middle column so the timeline keeps its full height.
        self.form = EntryForm(self.services, self.actor, self.catalog)
        self.form.saved.connect(self._on_saved)
        self.form.closed.connect(lambda: self.timeline.setFocus())
        self.form_scroll = QScrollArea()
        self.form_scroll.setObjectName("FormScroll")
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setWidget(self.form)
        self.form_scroll.setMinimumWidth(430)
        self.form_scroll.hide()
        self.form.visibility_changed.connect(self.form_scroll.setVisible)
        split.addWidget(self.form_scroll)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(8, 0, 0, 0)
        right.setMinimumWidth(380)
        self.act_panel, self.contrast_panel = ActPanel(), ContrastPanel()
        self.target_button = QPushButton("Set ACT target…")
        self.target_button.setAccessibleName("set this case's ACT target band")
        self.target_button.clicked.connect(self.set_act_target)
        self.target_button.setVisible(self.services.auth.may(self.actor, Action.SET_TARGETS))
        self.act_panel.layout_.addWidget(self.target_button)
        self.radiation_panel, self.timer_panel = RadiationPanel(), TimerPanel()
        self.timer_panel.finished.connect(self._timer_finished)
        self.drug_panel = DrugTotalsPanel()
        for panel in (self.act_panel, self.drug_panel, self.contrast_panel, self.radiation_panel, self.timer_panel):
            rl.addWidget(panel)
        rl.addStretch(1)
        split.addWidget(right)
        split.setSizes([520, 440, 400])
        split.setChildrenCollapsible(False)
        root.addWidget(split, 1)

        grid = QGridLayout()
        self.quick_buttons: dict[str, QPushButton] = {}
        for i, (key, kind) in enumerate(QUICK_KEYS):
            label = "Inflate / run" if kind is None else kind_title(kind)
            button = QPushButton(f"{key}\n{label}")
            button.setObjectName("QuickButton")
            button.setAccessibleName(f"{label} ({key})")
            button.setMinimumHeight(64)
            button.clicked.connect(self.timer_panel.toggle if kind is None else (lambda _=False, k=kind: self.new_entry(k)))
            grid.addWidget(button, 0, i)
            self.quick_buttons[key] = button
            QShortcut(QKeySequence(key), self, button.click, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        root.addLayout(grid)
        QShortcut(QKeySequence("Ctrl+E"), self, self.correct_selected,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+Del"), self, self.void_selected,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+B"), self, lambda: self.scan.setFocus(),
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+Shift+O"), self, self.reopen_case,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        scan_row = QHBoxLayout()
        scan_label = QLabel("Scan ▸")
        scan_label.setObjectName("ScanLabel")
        self.scan: ScanField = ScanField()
        self.scan.setObjectName("scan")
        self.scan.setAccessibleName("barcode scan (Ctrl+B)")
        self.scan.setPlaceholderText("scan a device's UDI barcode here (Ctrl+B), or type it and press Enter")
        self.scan.returnPressed.connect(self.scanned)
        self.message = QLabel("")
        self.message.setObjectName("LiveMessage")
        self.message.setAccessibleName("last message")
        self.message.setWordWrap(True)
        scan_row.addWidget(scan_label)
        scan_row.addWidget(self.scan, 2)
        scan_row.addWidget(self.message, 3)
        root.addLayout(scan_row)

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
        self.header.setText(patient_header(record, date.today()))
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
                                  + (". Reopen it (Ctrl+Shift+O) to correct or void an entry." if closed else "."))
        for button in self.entry_buttons:
            button.setEnabled(is_open)
            button.setToolTip(why)
        self.allergy_banner.refresh(record)
        if not is_open:
            self.say(f"This case is {record.procedure.status.value}: entries are read-only.")
        self.timer_panel.refresh(record)
        self.refresh_panels()

    def refresh_panels(self) -> None:
        if self.record is None:
            return
        now = self.services.cases.clock()
        self._show_clock_step(now)
        self.act_panel.refresh(self.record, now, self.recheck_min)
        self.drug_panel.refresh(self.record)
        self.contrast_panel.refresh(self.record)
        self.radiation_panel.refresh(self.record)

    def _show_clock_step(self, now: datetime) -> None:
        assert self.record is not None
        step = clock_behind(self.record, now)
        self.clock_warning.setVisible(step is not None)
        if step is not None:
            tz = self.form.tz
            minutes = int(step.behind.total_seconds() // 60)
            self.clock_warning.setText(
                f"⚠ This computer's clock ({now.astimezone(tz):%H:%M}) is {minutes} min behind the case's last "
                f"entry ({parse_utc_iso(step.last_recorded_at).astimezone(tz):%H:%M}): was the clock set back? "
                "Check it before typing times.")

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.alert.emit(text)

    # --- entries --------------------------------------------------------------------

    def new_entry(self, kind: EventKind, prefill: dict | None = None) -> None:
        if self.record is None or self.record.procedure.status is not ProcedureStatus.OPEN:
            return
        remembered = last_used(self.record, kind)  # the ACT analyser, cartridge, contrast agent used last
        self.form.start(self.record, kind, {**remembered, **(prefill or {})} if remembered else prefill)

    def _on_saved(self, ev: EventVersion) -> None:
        self.reload()
        row = next((i for i in range(self.model.rowCount())
                    if self.model.row_object(i).current.event_id == ev.event_id), None)
        if row is not None:
            self.timeline.selectRow(row)
        self.say(f"Saved {kind_title(ev.kind).lower()} at {local_time(ev.recorded_at, '%H:%M:%S')}.")
        self.timeline.setFocus()
        self.entry_saved.emit(ev)

    def _selected(self) -> EventVersion | None:
        rows = self.timeline.selectionModel().selectedRows() if self.timeline.selectionModel() else []
        if not rows:
            self.say("Select an entry in the timeline first.")
            return None
        return self.model.data(rows[0], ObjectRole).current

    def _read_only(self) -> bool:
        if self.record is not None and self.record.procedure.status is not ProcedureStatus.OPEN:
            self.say(self.correct_button.toolTip())
            return True
        return False

    def correct_selected(self) -> None:
        if self._read_only():
            return
        ev = self._selected()
        if ev is None or self.record is None:
            return
        if ev.voided:
            self.say("A voided entry cannot be corrected; record a new one.")
            return
        self.form.start(self.record, ev.kind, correcting=ev)

    def void_selected(self) -> None:
        if self._read_only():
            return
        ev = self._selected()
        if ev is None:
            return
        reason, ok = QInputDialog.getText(self, "Void entry", "Why is this entry void? (kept in the record)")
        if not ok:
            return
        try:
            self.services.cases.void_event(self.actor, ev.event_id, reason, expected_version=ev.version)
        except CathlogError as exc:
            self.say(f"✖ Not voided: {exc}")
            return
        self.reload()
        self.say("Entry voided; it stays visible, struck through.")

    def _timer_finished(self, device_event_id: str, kind: str, seconds: int) -> None:
        self.new_entry(EventKind(kind), {"device_event_id": device_event_id, "duration_s": seconds})

    def scanned(self) -> None:
        text = self.scan.text()
        self.scan.clear()
        if self.record is None:
            return
        from cathlog.rules.barcode import read_udi  # biip loads on the first scan, not at start-up

        try:
            readings = read_udi(text)
        except CathlogError as exc:
            self.say(f"✖ Scan not read: {exc}")
            return
        udi = readings[0] if len(readings) == 1 else self._choose_reading(readings)
        if udi is None:
            self.say("✖ Scan not used: it reads more than one way (a separator was lost). Scan again.")
            return
        prefill: dict = udi.fields()
        found = self.catalog.by_gtin(udi.gtin) if udi.gtin else None
        if found:
            item, size = found
            prefill = {**item.entry(size.get("diameter_mm"), size.get("length_mm")), **prefill}
        today = self.services.cases.clock().astimezone().date()  # the entry's local day, as validation judges it
        notes = scan_check(self.record, udi, today, in_catalog=bool(found)).notes
        removes = self._implant_scanned(udi)
        if removes is not None:  # the patient's implant from an earlier case: this entry removes it
            prefill = {**prefill, "state": "retrieved", "removes_event_id": removes.event.event_id}
            notes += (f"this is the patient's implant {removes.title} (case {removes.procedure_id}): "
                      "recorded as removed; choose explanted or retrieval attempted, failed if so",)
        self.new_entry(EventKind.DEVICE, prefill)
        self.say("Scanned " + (found[0].label if found else udi.product()) + (". " + "; ".join(notes) if notes else "."))

    def _choose_reading(self, readings: tuple[ScannedUdi, ...]) -> ScannedUdi | None:
        """A lost group separator: the nurse picks the reading that matches the label."""
        from cathlog.ui.scan_choice import choose

        picked = choose(self, "Which reading of the scan?",
                        "The scanner lost a separator, so lot, serial and dates can be read in more than one way. "
                        "Choose the one printed on the device's label, or cancel and scan again.",
                        [r.describe() for r in readings], cancel_text="Cancel: scan again")
        return None if picked is None else readings[picked]

    def _implant_scanned(self, udi):
        """The patient's implant still in place from an earlier case that a scan names (UDI or serial), else None."""
        assert self.record is not None
        try:
            return self.services.implants.match(self.actor, self.record.patient.patient_id or "", udi=udi.udi,
                                                serial=udi.serial, gtin=udi.gtin,
                                                other_than=self.record.procedure.procedure_id)
        except CathlogError:
            return None

    def set_act_target(self) -> None:
        """Physician: type the band as LOW-HIGH in seconds, then the reason."""
        if self.record is None:
            return
        band, ok = QInputDialog.getText(self, "ACT target", "Target band for this case, in seconds (e.g. 300-350):")
        if not ok:
            return
        low, sep, high = band.replace(" ", "").partition("-")
        if not sep or not low.isdigit() or not high.isdigit():
            self.say(f"✖ Not changed: write the band as two whole numbers of seconds, e.g. 300-350 (got {band!r})")
            return
        reason, ok = QInputDialog.getText(self, "ACT target", "Reason (kept in the record):")
        if not ok:
            return
        try:
            self.services.cases.set_act_target(self.actor, self.record.procedure.procedure_id, int(low), int(high),
                                               reason)
        except CathlogError as exc:
            self.say(f"✖ Not changed: {exc}")
            return
        self.reload()
        self.say(f"ACT target set to {low}-{high} s.")

    def close_case(self) -> None:
        """The closing checklist first: with nothing missing, a plain yes/no; with items missing,
        they are listed and the case closes only with a reason (audited with the close)."""
        if self.record is None:
            return
        missing = missing_at_close(self.record)
        reason: str | None = None
        if not missing:
            answer = QMessageBox.question(self, "Close case", "Close this case? Its log becomes read-only; it can "
                                          "be reopened with a reason.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        else:
            listed = "\n".join(f"  ✖ {item}" for item in missing)
            reason, ok = QInputDialog.getText(
                self, "Close case: checklist", f"Missing before closing:\n{listed}\n\nRecord them first (Cancel), "
                "or close anyway: why? (kept in the record)")
            if not ok:
                self.say("Not closed: " + "; ".join(missing) + ".")
                return
            if not reason.strip():
                self.say("✖ Not closed: give a reason to close with items missing.")
                return
        try:
            self.services.cases.close_case(self.actor, self.record.procedure.procedure_id, reason)
        except CathlogError as exc:
            self.say(f"✖ {exc}")
            return
        self.reload()
        self.say("Case closed" + (" with items missing; the reason is in the record." if missing else "."))

    def reopen_case(self) -> None:
        """Reopen a closed case, with a reason (audited); physician or nurse."""
        if self.record is None or self.record.procedure.status is not ProcedureStatus.CLOSED:
            return
        if not self.services.auth.may(self.actor, Action.REOPEN_CASE):
            self.say("✖ Your role may not reopen a case.")
            return
        reason, ok = QInputDialog.getText(self, "Reopen case", "Why is this case reopened? (kept in the record)")
        if not ok:
            return
        try:
            self.services.cases.reopen_case(self.actor, self.record.procedure.procedure_id, reason)
        except CathlogError as exc:
            self.say(f"✖ Not reopened: {exc}")
            return
        self.reload()
        self.say("Case reopened: its log can be changed again.")
