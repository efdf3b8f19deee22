"""Small widget helpers shared by the windows."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QTableView,
    QWidget,
)

from cathlog.domain.enums import Anticoagulation, Category
from cathlog.domain.records import ProcedureRecord
from cathlog.domain.units import format_quantity
from cathlog.ui.models import local_time
from cathlog.ui.timeline import LogView, setup_log_view


class WheelGuard(QObject):
    """App-wide: a combo box changes under the mouse wheel only while it has the keyboard focus
    (scrolling a form once turned Anticoagulation from none to edoxaban). A wheel over an unfocused
    combo scrolls the scroll area around it instead, as if the combo were not there. Combos also
    take focus by Tab or click only (StrongFocus), never by the wheel."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(watched, QComboBox):
            return False
        kind = event.type()
        if kind == QEvent.Type.Polish:
            if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return False
        if kind != QEvent.Type.Wheel or watched.hasFocus():
            return False
        area = _scroll_area_around(watched)
        if area is not None:
            QApplication.sendEvent(area.viewport(), event)
        return True  # eaten: the value stays as it was


def _scroll_area_around(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Install the combo-box wheel guard on the whole application (once; calling again is harmless)."""
    guard = app.findChild(WheelGuard, "WheelGuard")
    if guard is None:
        guard = WheelGuard(app)
        guard.setObjectName("WheelGuard")
        app.installEventFilter(guard)
    for combo in app.allWidgets():  # combos made before the guard: StrongFocus now
        if isinstance(combo, QComboBox) and combo.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return guard


def make_table(name: str) -> QTableView:
    view = QTableView()
    _table_setup(view, name)
    return view


def _table_setup(view: QTableView, name: str) -> None:
    view.setObjectName(name)
    view.setAccessibleName(name.replace("_", " "))
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(34)
    view.setWordWrap(False)


def patient_header(record: ProcedureRecord, today: date, allergies: bool = True) -> str:
    """'Doe, Jane · MRN 00123 · 72 y F · 80 kg · Cr 1.4 mg/dL · eGFR 48 · ALLERGY: ...'
    (``allergies=False``: where the allergy banner shows them, "no known allergies" still shows)."""
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
    if not p.allergies:
        parts.append("no known allergies")
    elif allergies:
        parts.append(f"⚠ ALLERGY: {p.allergies}")
    line2 = (f"{proc.procedure_id} · {Category(proc.category).label} · {proc.indication_detail or proc.indication} · "
             f"{proc.room or 'room not set'} · started {local_time(proc.started_at)} · {proc.status.value}")
    return " · ".join(parts) + "\n" + line2


def make_log_view(name: str, model: QAbstractItemModel) -> LogView:
    """A case log: the details column stretches and wraps, rows grow to fit (cathlog.ui.timeline)."""
    view = LogView()
    _table_setup(view, name)
    view.setModel(model)
    setup_log_view(view)
    return view
