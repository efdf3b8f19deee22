"""Small widget helpers shared by the windows."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QTableView,
    QWidget,
)

from cathlog.domain.enums import Anticoagulation, Category
from cathlog.domain.records import ProcedureRecord
from cathlog.domain.units import format_quantity
from cathlog.ui.models import local_time
from cathlog.ui.timeline import LogView, setup_log_view


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
