"""The discharge plan editor of the review screen (issue 11 item 12): each line a
drug from the antithrombotic vocabulary (brand names become generics), a dose
in the physician's words, and a duration as one number with one unit, from
which the review date is derived. Lines of older reviews stay readable."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from cathlog.domain.errors import Issue, ValidationError
from cathlog.domain.followup import DurationUnit, PlanDrug, PlanDrugName
from cathlog.ui.combo import Combo

PLAN_COLUMNS = ("Drug", "Dose", "Duration", "Unit", "As written before")
_HEADER_TIPS = ("The drug's generic or brand name (a brand becomes its generic on saving)",
                "The dose in your words, e.g. 75 mg once daily", "How long: a whole number",
                "Days, weeks or months (the review date follows from it)",
                "An older review's duration, kept as it was written until you choose a unit")
_AS_WRITTEN = 4


class PlanTable(QTableWidget):
    """The plan's lines; :meth:`lines` reads them as PlanDrug (ValidationError if unreadable)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(PLAN_COLUMNS), parent)
        self.setObjectName("plan")
        self.setAccessibleName("discharge antithrombotic plan")
        self.setHorizontalHeaderLabels(PLAN_COLUMNS)
        for column, tip in enumerate(_HEADER_TIPS):
            item = self.horizontalHeaderItem(column)
            if item is not None:
                item.setToolTip(tip)
        header = self.horizontalHeader()
        header.setMinimumSectionSize(60)
        for column, mode in enumerate((QHeaderView.ResizeMode.Stretch, QHeaderView.ResizeMode.Stretch,
                                       QHeaderView.ResizeMode.ResizeToContents,
                                       QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.Stretch)):
            header.setSectionResizeMode(column, mode)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # columns share the width
        self.setColumnHidden(_AS_WRITTEN, True)  # shown only when an older review's line has text there
        self.setMinimumHeight(150)

    def fill(self, plan: Iterable[PlanDrug]) -> None:
        self.setRowCount(0)
        lines = list(plan)
        for line in lines:
            self.add_line(line)
        self.setColumnHidden(_AS_WRITTEN, all(line.structured for line in lines))

    def lines(self) -> list[PlanDrug]:
        return [line for i in range(self.rowCount()) if (line := self.line(i)) is not None]

    def add_line(self, line: PlanDrug | None = None) -> int:
        """A plan row: drug from the vocabulary (a brand name typed becomes its generic on
        saving), dose, duration as a number and a unit. A line of an older review shows its
        free text under "As written before" and keeps it unless a unit is chosen."""
        row = self.rowCount()
        self.insertRow(row)
        drug = Combo()
        drug.setEditable(True)
        drug.setObjectName(f"plan_drug_{row}")
        drug.setAccessibleName(f"plan line {row + 1} drug")
        drug.addItem("")
        for name in PlanDrugName:
            drug.addItem(name.label, name.value)
        drug.setCurrentText(line.drug if line else "")
        self.setCellWidget(row, 0, drug)
        unit = Combo()
        unit.setObjectName(f"plan_unit_{row}")
        unit.setAccessibleName(f"plan line {row + 1} duration unit")
        unit.addItem("— unit —", None)
        for u in DurationUnit:
            unit.addItem(u.label, u.value)
        self.setCellWidget(row, 3, unit)
        value = ""
        if line is not None and line.structured:
            value = "" if line.duration_value is None else str(line.duration_value)
            unit.setCurrentIndex(max(0, unit.findData(line.duration_unit)))
        self.setItem(row, 1, QTableWidgetItem(line.dose if line else ""))
        self.setItem(row, 2, QTableWidgetItem(value))
        before = QTableWidgetItem("")
        before.setFlags(before.flags() & ~Qt.ItemFlag.ItemIsEditable)
        if line is not None and not line.structured:
            months = "" if line.duration_months is None else f" (review after {line.duration_months:g} months)"
            before.setText(line.duration + months)
            before.setData(Qt.ItemDataRole.UserRole, line)
        self.setItem(row, _AS_WRITTEN, before)
        return row

    def line(self, i: int) -> PlanDrug | None:
        def cell(j: int) -> str:
            item = self.item(i, j)
            return item.text().strip() if item else ""

        drug_box, unit_box = self.cellWidget(i, 0), self.cellWidget(i, 3)
        assert isinstance(drug_box, QComboBox) and isinstance(unit_box, QComboBox)
        drug, dose, value, unit = drug_box.currentText().strip(), cell(1), cell(2), unit_box.currentData()
        before = self.item(i, _AS_WRITTEN)
        old = before.data(Qt.ItemDataRole.UserRole) if before else None
        if not any((drug, dose, value, unit)):
            return None
        if unit is None and isinstance(old, PlanDrug) and not value:
            return PlanDrug(drug, dose, old.duration, old.duration_months)  # an older line, kept as written
        if unit is None:
            raise ValidationError([Issue("plan", value, f"plan line {i + 1}: choose the duration's unit "
                                         f"({', '.join(DurationUnit.values())})")])
        if value and not value.isdigit():
            raise ValidationError([Issue("plan", value, f"plan line {i + 1}: duration {value!r} must be a whole "
                                         "number (choose days, weeks or months as the unit)")])
        return PlanDrug.planned(drug, dose, int(value) if value else None, unit)
