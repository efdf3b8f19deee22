"""The quick-entry form of the live log: one form for every entry kind,
built from the data dictionary.

Save (Enter) writes through the services at once (cathlog.ui.entry_saving). A refused
value is named right under its field and the input is kept; unusual values are listed
and Save becomes "Confirm and save". Time defaults to now and can be back-dated.

Labels sit above their fields and the fields scroll inside the form (up and
down only, never sideways), so the form fits a laptop screen's column; the title,
the messages and Save / Cancel stay in view. The device form's grouping is in
cathlog.ui.device_form. ``is_dirty`` tells whether anything was typed since the
form opened, so the live log never throws typing away without asking.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cathlog.catalog import Catalog
from cathlog.domain.describe import kind_title
from cathlog.domain.drugs import DRUGS
from cathlog.domain.enums import Drug, EventKind
from cathlog.domain.fields import EVENT_FIELDS, FieldType, shown_for
from cathlog.domain.records import Actor, EventVersion, ProcedureRecord, parse_utc_iso
from cathlog.domain.units import format_number
from cathlog.rules.case_facts import PER_KG_DRUGS, dose_per_kg
from cathlog.services import Services
from cathlog.ui.device_form import CatalogChoice, DeviceState, device_layout
from cathlog.ui.entry_drafts import fill_draft, form_draft, implant_choices, ref_choices
from cathlog.ui.entry_saving import EntrySaving
from cathlog.ui.fields import FieldBlock, FieldError, FieldInput
from cathlog.ui.local_zone import local_zone
from cathlog.ui.radiation_input import field_input
from cathlog.ui.theme import set_tone


class EntryForm(EntrySaving):
    saved = Signal(object)  # the stored EventVersion
    closed = Signal()
    visibility_changed = Signal(bool)

    def __init__(self, services: Services, actor: Actor, catalog: Catalog, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.actor, self.catalog = services, actor, catalog
        self.setObjectName("EntryForm")
        self.kind: EventKind | None = None
        self.record: ProcedureRecord | None = None
        self.correcting: EventVersion | None = None
        self.inputs: dict[str, FieldInput] = {}
        self.blocks: dict[str, FieldBlock] = {}  # by field name, and "occurred_at", "reason"
        self.catalog_choice: CatalogChoice | None = None
        self._pending_confirm: tuple[tuple[str, ...], str] | None = None
        self._clean: dict[str, Any] | None = None  # the form as it opened (with its prefill)
        self.tz: tzinfo | None = local_zone()  # the lab's zone with its DST rules (tests inject one)
        self._time_choice: tuple[str, int] | None = None  # (typed time, fold) the nurse chose
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(4)
        self.heading = QLabel("")
        self.heading.setObjectName("FormTitle")
        self.heading.setAccessibleName("entry form title")
        self.heading.setWordWrap(True)
        outer.addWidget(self.heading)
        self.fields_scroll = QScrollArea()
        self.fields_scroll.setObjectName("FormScroll")
        self.fields_scroll.setWidgetResizable(True)
        self.fields_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.fields_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body = QWidget()
        self.fields_scroll.setWidget(self.body)
        outer.addWidget(self.fields_scroll, 1)
        self.messages = QLabel("")
        self.messages.setObjectName("FormMessages")
        self.messages.setWordWrap(True)
        self.messages.setAccessibleName("form messages")
        outer.addWidget(self.messages)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save (Enter)")
        self.save_button.setObjectName("Primary")
        self.save_button.setAccessibleName("save entry")
        self.save_button.clicked.connect(self.submit)
        cancel = QPushButton("Cancel (Esc)")
        cancel.setAccessibleName("cancel entry")
        cancel.clicked.connect(self.cancel)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)
        for key in ("Return", "Enter"):
            QShortcut(QKeySequence(key), self, self.submit, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)
        self.hide()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        # Esc cancels. (In the live log the page's own Esc shortcut gets there first and cancels
        # through the same method: one Esc for "close the form, else back to the cases".)
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()
            return
        super().keyPressEvent(event)

    # --- building ----------------------------------------------------------------

    def start(self, record: ProcedureRecord, kind: EventKind, prefill: dict[str, Any] | None = None,
              correcting: EventVersion | None = None) -> None:
        self.record, self.kind, self.correcting = record, EventKind(kind), correcting
        self._pending_confirm = None
        self._time_choice = None
        self.body = QWidget()
        column = QVBoxLayout(self.body)
        column.setContentsMargins(0, 0, 4, 0)
        column.setSpacing(6)
        self.heading.setText(("Correct: " if correcting else "New: ") + kind_title(self.kind))
        self.time = QLineEdit()
        self.time.setObjectName("occurred_at")
        self.time.setAccessibleName("time of the entry (HH:MM)")
        self.time.setPlaceholderText("HH:MM")
        self.time.setMinimumWidth(60)
        now = QPushButton("Now")
        now.setAccessibleName("set time to now")
        now.clicked.connect(lambda: self.time.setText(self._now().strftime("%H:%M")))
        time_row = QWidget()
        row = QHBoxLayout(time_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.time, 1)
        row.addWidget(now)
        self.performed_by = QLineEdit()
        self.performed_by.setObjectName("performed_by")
        self.performed_by.setAccessibleName("performed by")
        self.performed_by.setPlaceholderText("who did it (blank: not recorded)")
        self.performed_by.setMinimumWidth(60)
        self.blocks = {"occurred_at": FieldBlock("Time", time_row, self.time),
                       "performed_by": FieldBlock("Performed by", self.performed_by, self.performed_by)}
        self.inputs = {}
        field_blocks: dict[str, FieldBlock] = {}
        for spec in EVENT_FIELDS[self.kind]:
            if not shown_for(spec, record.procedure.category) or spec.from_device:  # by category (issue 11
                continue  # item 9); a dose report's provenance is never typed (issue 15)
            refs = ref_choices(record, self.kind, spec.name) if spec.type is FieldType.REF else ()
            if spec.name == "removes_event_id":  # a choice among the patient's implants still in place
                spec, refs = replace(spec, type=FieldType.REF), implant_choices(self.services, self.actor, record, correcting)
            field = field_input(spec, refs)
            self.inputs[spec.name] = field
            field_blocks[spec.name] = FieldBlock(field.label, field, field.editor)
        self.blocks.update(field_blocks)
        self.hint = QLabel("")
        self.hint.setObjectName("Hint")
        self.hint.setAccessibleName("calculation")
        self.hint.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setAccessibleName("reason for the correction")
        self.reason.setMinimumWidth(60)
        column.addWidget(self.blocks["occurred_at"])
        column.addWidget(self.blocks["performed_by"])
        self.catalog_choice = None
        self.device_state: DeviceState | None = None
        if self.kind is EventKind.DEVICE:
            self.device_state = DeviceState(self.inputs)
            self.catalog_choice = CatalogChoice(self.catalog, self._fill_from_catalog)
            if not correcting:
                self.inputs["device_type"].combo.currentIndexChanged.connect(self.device_state.type_changed)
            for widget in device_layout(field_blocks, self.catalog_choice):
                column.addWidget(widget)
        else:
            for block in field_blocks.values():
                column.addWidget(block)
        column.addWidget(self.hint)
        if correcting:
            self.blocks["reason"] = FieldBlock("Reason for correction *", self.reason, self.reason)
            column.addWidget(self.blocks["reason"])
        column.addStretch(1)
        self.fields_scroll.setWidget(self.body)  # the old body goes with it
        if self.kind is EventKind.MEDICATION:
            self.inputs["drug"].combo.currentIndexChanged.connect(self._drug_changed)
            self.inputs["dose"].line.textChanged.connect(self._update_hint)
        values = dict(correcting.data) if correcting else {}
        values.update(prefill or {})
        for name, value in values.items():
            if name in self.inputs:
                self.inputs[name].set_value(value)
        moment = correcting.occurred_at if correcting else None
        self.time.setText(parse_utc_iso(moment).astimezone(self.tz).strftime("%H:%M") if moment
                          else self._now().strftime("%H:%M"))
        if correcting and correcting.performed_by:
            self.performed_by.setText(correcting.performed_by)
        self._show([])
        self.save_button.setText("Save (Enter)")
        self.show()
        self.visibility_changed.emit(True)
        self._clean = self.draft()
        self._focus_first_empty()

    @property
    def catalog_model(self) -> QComboBox:
        assert self.catalog_choice is not None, "the catalog is offered on a device entry only"
        return self.catalog_choice.model_combo

    @property
    def catalog_size(self) -> QComboBox:
        assert self.catalog_choice is not None, "the catalog is offered on a device entry only"
        return self.catalog_choice.size_combo

    def mark_unsaved(self) -> None:
        """What the form opened with is itself news (a scan, a timed inflation): dropping it asks too."""
        self._clean = None

    def is_dirty(self) -> bool:
        """Something was typed or chosen since the form opened (its prefill does not count)."""
        return self.kind is not None and self.isVisible() and self.draft() != self._clean

    def _focus_first_empty(self) -> None:
        for field in self.inputs.values():
            try:
                empty = field.value() in (None, False)
            except FieldError:
                empty = False
            if empty:
                field.editor.setFocus()
                return
        self.save_button.setFocus()

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Tabbing scrolls the whole field into view, its label too, not only the editor."""
        if new is None or self.kind is None or not self.body.isAncestorOf(new):
            return
        widget: QWidget | None = new
        while widget is not None and not isinstance(widget, FieldBlock):
            widget = widget.parentWidget()
        self.fields_scroll.ensureWidgetVisible(widget if widget is not None and self.body.isAncestorOf(widget) else new,
                                        0, 6)

    def _fill_from_catalog(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name in self.inputs:
                self.inputs[name].set_value(value)
        if self.device_state is not None:
            self.device_state.type_changed()

    def _drug_changed(self) -> None:
        drug = self.inputs["drug"].value()
        if drug:
            spec = DRUGS[Drug(drug)]
            self.inputs["dose_unit"].set_value(spec.units[0].value)
            self.inputs["route"].set_value(spec.default_route.value)
        self._update_hint()

    def _update_hint(self) -> None:
        text = ""
        drug = self.inputs["drug"].value() if self.kind is EventKind.MEDICATION else None
        if drug in PER_KG_DRUGS and self.record:
            try:
                dose = self.inputs["dose"].value()
            except FieldError:
                dose = None
            unit = self.inputs["dose_unit"].value() or DRUGS[Drug(drug)].units[0].value
            weight = self.record.patient.weight_kg
            per_kg = dose_per_kg(drug, dose or None, weight)
            if per_kg is not None and weight:
                text = f"= {per_kg:.0f} {unit}/kg at {format_number(weight, 1)} kg"
            elif not weight:
                text = f"{unit}/kg: patient weight not recorded"
        self.hint.setText(text)

    # --- what was typed ---------------------------------------------------------------

    def draft(self) -> dict[str, Any] | None:
        """What is typed so far, as typed (for the idle lock to keep for its author)."""
        return form_draft(self)

    def restore_draft(self, record: ProcedureRecord, draft: dict[str, Any]) -> None:
        self.start(record, EventKind(draft["kind"]), correcting=draft["correcting"])
        fill_draft(self, draft)

    def _show(self, lines: list[str], error: bool = False) -> None:
        """The form's message line: a refusal (alert colour), a question to confirm (caution), or nothing."""
        prefix = "✖ Not saved: " if error else "Please check, then confirm: "
        self.messages.setText(prefix + "\n".join(lines) if lines else "")
        set_tone(self.messages, "error" if error else "caution" if lines else None)

    def _close(self) -> None:
        self.hide()
        self.visibility_changed.emit(False)
        self.kind = None
        self._clean = None

    def cancel(self) -> None:
        self._close()
        self.closed.emit()
