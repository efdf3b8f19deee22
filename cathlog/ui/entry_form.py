"""The quick-entry form of the live log: one form for every entry kind,
built from the data dictionary.

Save (Enter) writes through the services at once. A refused value is named
under its field and the input is kept; unusual values are listed and Save
becomes "Confirm and save". Time defaults to now and can be back-dated.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cathlog.catalog import Catalog
from cathlog.domain.describe import describe, device_name, kind_title
from cathlog.domain.drugs import DRUGS
from cathlog.domain.enums import Drug, EventKind, default_state
from cathlog.domain.errors import CathlogError, ConfirmationRequired, ValidationError
from cathlog.domain.fields import EVENT_FIELDS, FieldType, shown_for
from cathlog.domain.implants import PatientImplant
from cathlog.domain.records import Actor, EventVersion, ProcedureRecord, parse_utc_iso
from cathlog.domain.units import format_number
from cathlog.rules.case_facts import PER_KG_DRUGS, AmbiguousTimeError, dose_per_kg, timed_devices, typed_moment
from cathlog.services import Services
from cathlog.ui.fields import FieldError, FieldInput
from cathlog.ui.radiation_input import ConvertedInput, field_input
from cathlog.ui.local_zone import local_zone



def _ref_choices(record: ProcedureRecord, kind: EventKind, field: str) -> list[tuple[str, str]]:
    others = {h.current.event_id: h.current for h in record.events}
    timed = {t.event.event_id for t in timed_devices(record, kind)} \
        if kind in (EventKind.INFLATION, EventKind.ATHERECTOMY) else None
    out = []
    for ev in record.current_events():
        if field == "lesion_event_id" and ev.kind is EventKind.LESION:
            out.append((ev.event_id, describe(ev, others)))
        elif field in ("device_event_id", "delivered_with_event_id", "treated_with_event_id") \
                and ev.kind is EventKind.DEVICE:
            if timed is not None and ev.event_id not in timed:
                continue
            out.append((ev.event_id, device_name(ev.data) + (f", lot {ev.data['lot']}" if ev.data.get("lot") else "")))
    return out


def size_key(diameter_mm: float, length_mm: float | None) -> str:
    """The catalog size combo's item data: '2.5x150' (Qt keeps strings as they are)."""
    return f"{format_number(diameter_mm, 2)}x{format_number(length_mm, 1)}" if length_mm else format_number(diameter_mm, 2)


class EntryForm(QGroupBox):
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
        self._pending_confirm: tuple[tuple[str, ...], str] | None = None
        self.tz: tzinfo | None = local_zone()  # the lab's zone with its DST rules (tests inject one)
        self._time_choice: tuple[str, int] | None = None  # (typed time, fold) the nurse chose
        outer = QVBoxLayout(self)
        self.heading = QLabel("")
        self.heading.setObjectName("FormTitle")
        self.heading.setAccessibleName("entry form title")
        outer.addWidget(self.heading)
        self.body = QWidget()
        outer.addWidget(self.body)
        self._body_index = 1
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
        outer.addStretch(1)
        for key in ("Return", "Enter"):
            QShortcut(QKeySequence(key), self, self.submit, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Escape"), self, self.cancel, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.hide()

    # --- building ----------------------------------------------------------------

    def start(self, record: ProcedureRecord, kind: EventKind, prefill: dict[str, Any] | None = None,
              correcting: EventVersion | None = None) -> None:
        self.record, self.kind, self.correcting = record, EventKind(kind), correcting
        self._pending_confirm = None
        self._time_choice = None
        old = self.body
        self.body = QWidget()
        outer = self.layout()
        assert outer is not None  # set in __init__
        outer.replaceWidget(old, self.body)
        old.deleteLater()
        form = QFormLayout(self.body)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.heading.setText(("Correct: " if correcting else "New: ") + kind_title(self.kind))
        self.time = QLineEdit()
        self.time.setObjectName("occurred_at")
        self.time.setAccessibleName("time of the entry (HH:MM)")
        self.time.setPlaceholderText("HH:MM")
        now = QPushButton("Now")
        now.setAccessibleName("set time to now")
        now.clicked.connect(lambda: self.time.setText(self._now().strftime("%H:%M")))
        row = QHBoxLayout()
        row.addWidget(self.time, 1)
        row.addWidget(now)
        form.addRow("Time", row)
        self.performed_by = QLineEdit()
        self.performed_by.setObjectName("performed_by")
        self.performed_by.setAccessibleName("performed by")
        self.performed_by.setPlaceholderText("who did it (blank: not recorded)")
        form.addRow("Performed by", self.performed_by)
        if self.kind is EventKind.DEVICE:
            self._catalog_row(form)
        self.inputs = {}
        for spec in EVENT_FIELDS[self.kind]:
            if not shown_for(spec, record.procedure.category):  # lesion forms by category (issue 11 item 9)
                continue
            refs = _ref_choices(record, self.kind, spec.name) if spec.type is FieldType.REF else ()
            if spec.name == "removes_event_id":  # a choice among the patient's implants still in place
                spec, refs = replace(spec, type=FieldType.REF), self._implant_choices(record, correcting)
            field = field_input(spec, refs)
            self.inputs[spec.name] = field
            form.addRow(field.label, field)
        self.hint = QLabel("")
        self.hint.setObjectName("Hint")
        self.hint.setAccessibleName("calculation")
        form.addRow("", self.hint)
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setAccessibleName("reason for the correction")
        if correcting:
            form.addRow("Reason for correction *", self.reason)
        if self.kind is EventKind.MEDICATION:
            self.inputs["drug"].combo.currentIndexChanged.connect(self._drug_changed)
            self.inputs["dose"].line.textChanged.connect(self._update_hint)
        self._auto_state: str | None = None
        if self.kind is EventKind.DEVICE and not correcting:
            self.inputs["device_type"].combo.currentIndexChanged.connect(self._device_type_changed)
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
        self.messages.setText("")
        self.save_button.setText("Save (Enter)")
        self.show()
        self.visibility_changed.emit(True)
        self._focus_first_empty()

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

    def _catalog_row(self, form: QFormLayout) -> None:
        self.catalog_model = QComboBox()
        self.catalog_model.setObjectName("catalog_item")
        self.catalog_model.setAccessibleName("catalog device")
        self.catalog_model.addItem("— from the catalog —", None)
        for item in self.catalog.items:
            self.catalog_model.addItem(f"{item.device_type.label}: {item.label}", item.id)
        self.catalog_size = QComboBox()
        self.catalog_size.setObjectName("catalog_size")
        self.catalog_size.setAccessibleName("catalog size")
        self.catalog_model.currentIndexChanged.connect(self._catalog_item_changed)
        self.catalog_size.activated.connect(self._catalog_size_chosen)
        row = QHBoxLayout()
        row.addWidget(self.catalog_model, 2)
        row.addWidget(self.catalog_size, 1)
        form.addRow("Catalog", row)

    def _catalog_item(self):
        item_id = self.catalog_model.currentData()
        return next((i for i in self.catalog.items if i.id == item_id), None)

    def _catalog_item_changed(self) -> None:
        item = self._catalog_item()
        self.catalog_size.clear()
        if item is None:
            return
        sizes = [(d, ln) for d in item.diameters_mm for ln in item.lengths_mm] or [(d, None) for d in item.diameters_mm]
        for d, ln in sizes:
            text = f"{format_number(d, 2)} × {format_number(ln, 1)} mm" if ln else f"{format_number(d, 2)} mm"
            self.catalog_size.addItem(text, size_key(d, ln))
        self._fill_from_catalog(item, None, None)

    def _catalog_size_chosen(self) -> None:
        item = self._catalog_item()
        key = self.catalog_size.currentData()
        if item and key:
            diameter, _, length = key.partition("x")
            self._fill_from_catalog(item, float(diameter), float(length) if length else None)

    def _fill_from_catalog(self, item, diameter, length) -> None:
        for name, value in item.entry(diameter, length).items():
            if name in self.inputs:
                self.inputs[name].set_value(value)
        self._device_type_changed()

    def _device_type_changed(self) -> None:
        """An implantable kind is stored implanted unless the nurse says otherwise: the state
        follows the kind until the nurse chooses one herself (issue 11 item 1)."""
        kind, state = self.inputs["device_type"].value(), self.inputs["state"].value()
        if kind and (state is None or state == self._auto_state):
            self._auto_state = default_state(kind).value
            self.inputs["state"].set_value(self._auto_state)

    def _implant_choices(self, record: ProcedureRecord, correcting: EventVersion | None) -> list[tuple[str, str]]:
        """The patient's implants still in place (every case), for an entry that removes one."""
        found: tuple[PatientImplant, ...] = ()
        if record.patient.patient_id:
            try:
                found = self.services.implants.in_place(self.actor, record.patient.patient_id)
            except CathlogError:
                pass  # no list to choose from; the removal can still be recorded without the link
        choices = [(i.event.event_id, i.title) for i in found]
        old = correcting.data.get("removes_event_id") if correcting else None
        if old and old not in {c[0] for c in choices}:
            choices.append((old, f"implant {old[:8]} (already removed)"))
        return choices

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

    # --- saving --------------------------------------------------------------------

    def _now(self) -> datetime:
        """Now in local time, from the services' clock (one clock for the whole program)."""
        return self.services.cases.clock().astimezone(self.tz)

    def _occurred_at(self) -> datetime:
        text = self.time.text().strip()
        fold = self._time_choice[1] if self._time_choice and self._time_choice[0] == text else None
        correcting_at = self.correcting.occurred_at if self.correcting else None
        try:
            return typed_moment(text, self._now(), correcting_at, tz=self.tz, fold=fold)
        except AmbiguousTimeError as exc:
            from cathlog.ui.scan_choice import choose

            picked = choose(self, "Which time?", f"{exc} The clocks went back, so this time happened twice.",
                            [c.label for c in exc.choices])
            if picked is None:
                raise FieldError(f"{exc} Choose one to save.") from None
            self._time_choice = (text, exc.choices[picked].fold)
            return exc.choices[picked].moment
        except ValueError as exc:
            raise FieldError(str(exc)) from None

    def draft(self) -> dict[str, Any] | None:
        """What is typed so far, as typed (for the idle lock to keep for its author)."""
        if self.kind is None or self.record is None:
            return None
        fields = {}
        for name, field in self.inputs.items():
            e = field.editor
            if hasattr(e, "currentData"):
                fields[name] = e.currentData()
            elif hasattr(e, "isChecked"):
                fields[name] = e.isChecked()
            elif hasattr(e, "toPlainText"):
                fields[name] = e.toPlainText()
            else:
                fields[name] = e.text()
        return {"procedure_id": self.record.procedure.procedure_id, "kind": self.kind.value,
                "correcting": self.correcting, "time": self.time.text(), "performed_by": self.performed_by.text(),
                "reason": self.reason.text(), "fields": fields,
                "units": {n: f.units.currentData() for n, f in self.inputs.items() if isinstance(f, ConvertedInput)}}

    def restore_draft(self, record: ProcedureRecord, draft: dict[str, Any]) -> None:
        self.start(record, EventKind(draft["kind"]), correcting=draft["correcting"])
        for name, value in draft["fields"].items():
            e = self.inputs[name].editor
            if isinstance(e, QComboBox):
                e.setCurrentIndex(max(0, e.findData(value)))
            elif hasattr(e, "setChecked"):
                e.setChecked(bool(value))
            elif hasattr(e, "setPlainText"):
                e.setPlainText(value)
            else:
                e.setText(value)
        for name, unit in draft.get("units", {}).items():  # a radiation value typed in a chosen unit
            field = self.inputs[name]
            if isinstance(field, ConvertedInput):
                field.units.setCurrentIndex(field.units.findData(unit))
        self.time.setText(draft["time"])
        self.performed_by.setText(draft["performed_by"])
        self.reason.setText(draft["reason"])

    def collect(self) -> dict[str, Any]:
        return {name: field.value() for name, field in self.inputs.items()}

    def submit(self) -> None:
        if self.kind is None or self.record is None:
            return
        try:
            data = self.collect()
            when = self._occurred_at()
        except FieldError as exc:
            self._show([str(exc)], error=True)
            return
        data = {k: v for k, v in data.items() if v is not None and v is not False}
        fingerprint = repr((sorted(data.items()), when))
        confirm: tuple[str, ...] = ()
        if self._pending_confirm and self._pending_confirm[1] == fingerprint:
            confirm = self._pending_confirm[0]
        cases = self.services.cases
        try:
            if self.correcting:
                ev = cases.correct_event(self.actor, self.correcting.event_id, data, self.reason.text(),
                                         occurred_at=when, performed_by=self.performed_by.text(), confirm=confirm,
                                         expected_version=self.correcting.version)
            else:
                ev = cases.record_event(self.actor, self.record.procedure.procedure_id, self.kind, data,
                                        occurred_at=when, performed_by=self.performed_by.text(), confirm=confirm)
        except ConfirmationRequired as exc:
            self._pending_confirm = (tuple(w.code for w in exc.warnings), fingerprint)
            self._show([f"⚠ {w.message}" + (f"  [{w.source}]" if w.source else "") for w in exc.warnings])
            self.save_button.setText("Confirm and save (Enter)")
            return
        except ValidationError as exc:
            self._pending_confirm = None
            self._show([i.message for i in exc.issues], error=True)
            field = next((self.inputs[i.field] for i in exc.issues if i.field in self.inputs), None)
            if field:
                field.editor.setFocus()
            return
        except CathlogError as exc:
            self._show([str(exc)], error=True)
            return
        self.hide()
        self.visibility_changed.emit(False)
        self.kind = None
        self.saved.emit(ev)

    def _show(self, lines: list[str], error: bool = False) -> None:
        prefix = "✖ Not saved: " if error else "Please check, then confirm: "
        self.messages.setProperty("error", error)
        self.messages.setText(prefix + "\n".join(lines))
        self.messages.style().unpolish(self.messages)
        self.messages.style().polish(self.messages)

    def cancel(self) -> None:
        self.hide()
        self.visibility_changed.emit(False)
        self.kind = None
        self.closed.emit()
