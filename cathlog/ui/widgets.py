"""Small widget helpers shared by the windows."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from cathlog.domain.describe import KIND_TITLES
from cathlog.domain.enums import Anticoagulation, Category
from cathlog.domain.records import ProcedureRecord
from cathlog.domain.units import format_quantity
from cathlog.ui.models import local_time


def make_table(name: str) -> QTableView:
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


def make_log_view(name: str, model: QAbstractItemModel) -> QTableView:
    """A case log: the details column stretches and wraps, rows grow to fit."""
    view = make_table(name)
    view.setModel(model)
    header = view.horizontalHeader()
    # Fixed widths for time, kind and author: sizing them to contents re-reads every row on each save.
    view.ensurePolished()  # the theme's font, not the default one, sets the widths
    width = view.fontMetrics().horizontalAdvance
    for column, sample in ((0, "00:00  "), (1, max(KIND_TITLES.values(), key=len) + "  "), (3, "demo.nurse (late) ")):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(column, width(sample) + 16)
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
    view.setWordWrap(True)
    # Two lines per entry at a fixed height: sizing rows to contents costs a layout of every row per save.
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().lineSpacing() * 2 + 10)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    return view
