"""Parts of the entry form that read and fill it from outside its build: the
choices a reference field offers, the half-typed entry kept as typed (for the
idle lock and for "is anything typed?"), and the question asked before a
half-typed entry would be thrown away."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QComboBox, QMessageBox, QWidget

from cathlog.domain.describe import describe, device_name
from cathlog.domain.enums import EventKind
from cathlog.domain.errors import CathlogError
from cathlog.domain.implants import PatientImplant
from cathlog.domain.records import Actor, EventVersion, ProcedureRecord
from cathlog.rules.case_facts import timed_devices
from cathlog.services import Services
from cathlog.ui.radiation_input import ConvertedInput

if TYPE_CHECKING:
    from cathlog.ui.entry_form import EntryForm


def ask_discard(parent: QWidget, typed: str, then: str) -> bool:
    """Ask before a half-typed entry is thrown away: True to discard it, False (the default,
    Esc) to keep editing. Tests replace this function."""
    box = QMessageBox(QMessageBox.Icon.Question, "Half-typed entry",
                      f"The {typed} entry is half-typed and not saved.\n\nDiscard it and {then}?", parent=parent)
    discard = box.addButton("Discard it", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    try:
        box.exec()
        return box.clickedButton() is discard
    finally:
        box.deleteLater()


def ref_choices(record: ProcedureRecord, kind: EventKind, field: str) -> list[tuple[str, str]]:
    """What a reference field offers: the case's lesions, or its devices (timed kinds: the
    balloons, stents and burrs that can be timed)."""
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


def implant_choices(services: Services, actor: Actor, record: ProcedureRecord,
                    correcting: EventVersion | None) -> list[tuple[str, str]]:
    """The patient's implants still in place (every case), for an entry that removes one."""
    found: tuple[PatientImplant, ...] = ()
    if record.patient.patient_id:
        try:
            found = services.implants.in_place(actor, record.patient.patient_id)
        except CathlogError:
            pass  # no list to choose from; the removal can still be recorded without the link
    choices = [(i.event.event_id, i.title) for i in found]
    old = correcting.data.get("removes_event_id") if correcting else None
    if old and old not in {c[0] for c in choices}:
        choices.append((old, f"implant {old[:8]} (already removed)"))
    return choices


def form_draft(form: EntryForm) -> dict[str, Any] | None:
    """What is typed so far, as typed."""
    if form.kind is None or form.record is None:
        return None
    fields = {}
    for name, field in form.inputs.items():
        e = field.editor
        if hasattr(e, "currentData"):
            fields[name] = e.currentData()
        elif hasattr(e, "isChecked"):
            fields[name] = e.isChecked()
        elif hasattr(e, "toPlainText"):
            fields[name] = e.toPlainText()
        else:
            fields[name] = e.text()
    return {"procedure_id": form.record.procedure.procedure_id, "kind": form.kind.value,
            "correcting": form.correcting, "time": form.time.text(), "performed_by": form.performed_by.text(),
            "reason": form.reason.text(), "fields": fields,
            "units": {n: f.units.currentData() for n, f in form.inputs.items() if isinstance(f, ConvertedInput)}}


def fill_draft(form: EntryForm, draft: dict[str, Any]) -> None:
    """Put a kept draft back into a form started for its kind."""
    for name, value in draft["fields"].items():
        e = form.inputs[name].editor
        if isinstance(e, QComboBox):
            e.setCurrentIndex(max(0, e.findData(value)))
        elif hasattr(e, "setChecked"):
            e.setChecked(bool(value))
        elif hasattr(e, "setPlainText"):
            e.setPlainText(value)
        else:
            e.setText(value)
    for name, unit in draft.get("units", {}).items():  # a radiation value typed in a chosen unit
        field = form.inputs[name]
        if isinstance(field, ConvertedInput):
            field.units.setCurrentIndex(field.units.findData(unit))
    form.time.setText(draft["time"])
    form.performed_by.setText(draft["performed_by"])
    form.reason.setText(draft["reason"])
