"""The outcome and discharge plan form of the review dialog: technical success,
residual stenosis, final TIMI flow, completion angiography, bleeding risk,
stockings, the follow-up plan and the antithrombotic plan (``ui/plan_editor.py``).
It reads and fills a :class:`Review`; saving is the dialog's."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from cathlog.domain.errors import Issue, ValidationError
from cathlog.domain.followup import Review
from cathlog.ui.plan_editor import PlanTable
from cathlog.ui.combo import Combo


def _line(name: str, text: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setObjectName(name)
    edit.setAccessibleName(name.replace("_", " "))
    return edit


class OutcomeBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None):
        super().__init__("Outcome and discharge plan", parent)
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # a narrow pane puts a field under its label
        self.success = Combo()
        self.success.setObjectName("technical_success")
        self.success.setAccessibleName("technical success")
        for text, value in (("— choose —", None), ("yes", True), ("no", False)):
            self.success.addItem(text, value)
        self.residual = _line("residual_stenosis_pct")
        self.residual.setPlaceholderText("0-100, whole number")
        self.timi = Combo()
        self.timi.setObjectName("final_timi")
        self.timi.setAccessibleName("final TIMI flow")
        self.timi.addItem("— (not coronary) —", None)
        for n in range(4):
            self.timi.addItem(str(n), n)
        self.angio = _line("completion_angiography")
        self.hbr = QCheckBox("High bleeding risk")
        self.hbr.setToolTip("High bleeding risk shortens the DAPT review dates")
        self.hbr.setAccessibleName("high bleeding risk")
        self.stockings = _line("compression_stockings")
        self.notes = _line("follow_up_notes")
        form.addRow("Technical success", self.success)
        form.addRow("Residual stenosis (%)", self.residual)
        form.addRow("Final TIMI flow", self.timi)
        form.addRow("Completion angiography", self.angio)
        form.addRow("Bleeding risk", self.hbr)
        form.addRow("Compression stockings", self.stockings)
        form.addRow("Follow-up plan", self.notes)
        self.plan = PlanTable()
        intro = QLabel("Discharge antithrombotic plan: drugs, doses and durations are yours to enter")
        intro.setWordWrap(True)
        form.addRow(intro)
        form.addRow(self.plan)
        buttons = QHBoxLayout()
        add = QPushButton("Add drug")
        add.setObjectName("add_plan_drug")
        add.clicked.connect(lambda: self.plan.add_line())
        remove = QPushButton("Remove selected")
        remove.clicked.connect(lambda: self.plan.removeRow(self.plan.currentRow()))
        self.save_button = QPushButton("Save review")
        self.save_button.setObjectName("Primary")
        self.save_button.setToolTip("Save the outcome and plan; the summary on the left is made again from them")
        for b in (add, remove):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        form.addRow(buttons)

    def fill(self, review: Review) -> None:
        self.success.setCurrentIndex(self.success.findData(review.technical_success))
        self.residual.setText("" if review.residual_stenosis_pct is None else str(review.residual_stenosis_pct))
        self.timi.setCurrentIndex(max(0, self.timi.findData(review.final_timi)))
        self.angio.setText(review.completion_angiography or "")
        self.hbr.setChecked(review.high_bleeding_risk)
        self.stockings.setText(review.compression_stockings or "")
        self.notes.setText(review.follow_up_notes or "")
        self.plan.fill(review.plan)

    def collect(self) -> Review:
        plan = self.plan.lines()
        residual = self.residual.text().strip()
        if residual and not residual.isdigit():
            raise ValidationError([Issue("residual_stenosis_pct", residual,
                                         f"residual stenosis {residual!r} must be a whole number 0-100")])
        return Review(technical_success=self.success.currentData(),
                      residual_stenosis_pct=int(residual) if residual else None,
                      final_timi=self.timi.currentData(), completion_angiography=self.angio.text().strip() or None,
                      plan=tuple(plan), high_bleeding_risk=self.hbr.isChecked(),
                      compression_stockings=self.stockings.text().strip() or None,
                      follow_up_notes=self.notes.text().strip() or None)

    def snapshot(self) -> tuple[object, ...]:
        """What the form shows, to tell unsaved changes from saved ones."""
        def cell(row: int, column: int) -> str:
            widget = self.plan.cellWidget(row, column)
            if isinstance(widget, QComboBox):
                return f"{widget.currentText()}|{widget.currentData()}"
            item = self.plan.item(row, column)
            return item.text() if item else ""
        plan = tuple(tuple(cell(r, c) for c in range(self.plan.columnCount())) for r in range(self.plan.rowCount()))
        return (self.success.currentIndex(), self.residual.text(), self.timi.currentIndex(), self.angio.text(),
                self.hbr.isChecked(), self.stockings.text(), self.notes.text(), plan)
