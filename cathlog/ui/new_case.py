"""New case: find the patient by MRN or register them, then open the case.

A duplicate MRN (after trimming, case folding and Unicode normalisation) is
caught by the services and the existing patient is offered instead. Weight,
creatinine, eGFR and allergies can be brought up to date for this case
(a new version of the patient, with the reason "updated at case start").

With the hospital's worklist set up (``ui/mwl_panel.py``), today's cases of this
room are listed above the form; picking one fills MRN, name, birth date and sex
and keeps the accession number, requested procedure and Study Instance UID with
the case. A stored patient whose details differ from the worklist's is never
changed silently: the nurse keeps the stored details or updates the patient (a
new version, with the worklist as the reason).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.enums import INDICATIONS_BY_CATEGORY, Category, PlannedProcedure, TeamRole
from cathlog.domain.errors import CathlogError, ConfirmationRequired, ValidationError
from cathlog.domain.fields import PATIENT_FIELDS, PROCEDURE_FIELDS
from cathlog.domain.mwl import ScheduledCase
from cathlog.domain.records import Actor, Patient, TeamMember
from cathlog.services import Services
from cathlog.ui import mwl_panel
from cathlog.ui.fields import FieldError, FieldInput
from cathlog.ui.lab_settings import LabSettings
from cathlog.ui.screen_fit import fit_window
from cathlog.ui.theme import set_tone
from cathlog.ui.combo import Combo

UPDATABLE = ("weight_kg", "height_cm", "creatinine_mg_dl", "egfr_ml_min", "allergies", "anticoagulation")
IDENTITY = ("family_name", "given_name", "birth_date", "sex")


def _numbers_alike(fields: list[FieldInput]) -> None:
    """Number fields one width, as wide as the longest hint of limits, each unit right after its number: not a
    ragged column of units at the form's edge with editors of every width."""
    numbers = [f for f in fields if f.spec.is_number and isinstance(f.editor, QLineEdit)]
    if not numbers:
        return
    for field in numbers:
        field.line.ensurePolished()  # the theme's font, for measuring
    width = max(f.line.fontMetrics().horizontalAdvance(f.line.placeholderText()) for f in numbers) + 40
    for field in numbers:
        field.line.setFixedWidth(width)
        field.row.addStretch(1)


class NewCaseDialog(QDialog):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None, *,
                 lab: LabSettings | None = None):
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.existing: Patient | None = None
        self.scheduled: ScheduledCase | None = None  # the worklist entry the form was filled from
        self.identity_reason: str | None = None  # set when the nurse chose the worklist's name/birth date/sex
        self.procedure_id: str | None = None
        self._confirm: tuple[tuple[str, ...], str] | None = None
        self.setWindowTitle("cathlog — New case")
        fit_window(self, "new_case", (960, 1000))  # wide enough for the worklist's requested procedures; tall on 1080
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        lab = lab or LabSettings()
        self.worklist = mwl_panel.WorklistPanel(services, actor, lab.mwl_station_ae, lab.mwl_modality)
        self.worklist.chosen.connect(self.use_scheduled)
        self._asked = False
        layout.addWidget(self.worklist)

        patient_box = QGroupBox("Patient")
        pform = QFormLayout(patient_box)
        pform.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.mrn = QLineEdit()
        self.mrn.setObjectName("mrn")
        self.mrn.setAccessibleName("MRN")
        self.mrn.returnPressed.connect(self.find_patient)
        self.mrn.textEdited.connect(self._mrn_edited)
        find = QPushButton("Find")
        find.setAccessibleName("find patient by MRN")
        find.clicked.connect(self.find_patient)
        row = QHBoxLayout()
        row.addWidget(self.mrn, 1)
        row.addWidget(find)
        pform.addRow("MRN *", row)
        self.found = QLabel("Type the MRN and press Enter to find the patient, or fill in a new patient.")
        self.found.setObjectName("Hint")
        self.found.setWordWrap(True)
        pform.addRow("", self.found)
        self.patient_inputs = {s.name: FieldInput(s) for s in PATIENT_FIELDS if s.name != "mrn"}
        for field in self.patient_inputs.values():
            pform.addRow(field.label, field)
        _numbers_alike(list(self.patient_inputs.values()))
        layout.addWidget(patient_box)

        case_box = QGroupBox("Procedure")
        cform = QFormLayout(case_box)
        cform.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        specs = {s.name: s for s in PROCEDURE_FIELDS}
        self.category = FieldInput(specs["category"])
        self.category.combo.currentIndexChanged.connect(self._category_changed)
        cform.addRow(self.category.label, self.category)
        self.planned = QListWidget()
        self.planned.setObjectName("planned")
        self.planned.setAccessibleName("planned procedures")
        self.planned.setMaximumHeight(150)
        for proc in PlannedProcedure:
            item = QListWidgetItem(proc.label)
            item.setData(Qt.ItemDataRole.UserRole, proc.value)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.planned.addItem(item)
        cform.addRow("Planned procedures *", self.planned)
        self.indication = Combo()
        self.indication.setObjectName("indication")
        self.indication.setAccessibleName("indication")
        cform.addRow("Indication *", self.indication)
        self.case_inputs = {name: FieldInput(specs[name]) for name in ("indication_detail", "urgency", "room")}
        for field in self.case_inputs.values():
            cform.addRow(field.label, field)
        self.operator = QLineEdit()
        self.operator.setObjectName("primary_operator")
        self.operator.setAccessibleName("primary operator")
        self.nurse = QLineEdit(actor.display_name)
        self.nurse.setObjectName("nurse")
        self.nurse.setAccessibleName("nurse")
        cform.addRow("Primary operator *", self.operator)
        cform.addRow("Nurse", self.nurse)
        self.worklist_ids = QLabel("")
        self.worklist_ids.setObjectName("Hint")
        self.worklist_ids.setWordWrap(True)
        self.worklist_ids.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.worklist_ids.setAccessibleName("worklist identifiers")
        cform.addRow("From worklist", self.worklist_ids)
        layout.addWidget(case_box)
        self._category_changed()

        self.messages = QLabel("")
        self.messages.setObjectName("FormMessages")
        self.messages.setWordWrap(True)
        self.messages.setAccessibleName("form messages")
        outer.addWidget(self.messages)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Open case")
        self.ok.setAutoDefault(False)
        self.ok.setDefault(False)  # Enter in a field never opens the case by surprise (see keyPressEvent)
        self.ok.setToolTip("Open the case (Ctrl+Enter)")
        for button in buttons.buttons():
            button.setIcon(QIcon())
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self.mrn.text():
            self.mrn.setFocus()  # the first thing a nurse types is the MRN
        if self.worklist.ready and not self._asked:
            self._asked = True
            self.worklist.answered.connect(self._worklist_answered)
            self.worklist.refresh()

    def _worklist_answered(self) -> None:
        """Today's list is in: go to it, unless the nurse has started typing an MRN."""
        if self.worklist.cases and not self.mrn.text() and self.focusWidget() in (self.mrn, None):
            self.worklist.table.setFocus()

    def done(self, result: int) -> None:
        self.worklist.settle()  # a query still out is audited before the dialog goes
        super().done(result)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Enter in the MRN field finds the patient (its own signal); Enter in another field moves to the next
        one; Ctrl+Enter, or Enter on the Open case button, opens the case. Enter never submits half a form."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier or self.focusWidget() is self.ok:
                self.submit()
            elif self.focusWidget() is not self.mrn and isinstance(self.focusWidget(), (QLineEdit, QComboBox)):
                self.focusNextChild()
            event.accept()
            return
        super().keyPressEvent(event)

    def _category_changed(self) -> None:
        self.indication.clear()
        self.indication.addItem("— choose —", None)  # a required choice starts empty: no silent default
        category = self.category.value()
        for ind in INDICATIONS_BY_CATEGORY.get(Category(category), ()) if category else ():
            self.indication.addItem(ind.label, ind.value)

    def find_patient(self) -> None:
        mrn = self.mrn.text().strip()
        if not mrn:
            return
        try:
            patient = self.services.cases.find_patient(self.actor, mrn)
        except CathlogError as exc:
            self._show(str(exc), error=True)
            return
        self.existing = patient
        for name, field in self.patient_inputs.items():
            field.setEnabled(patient is None or name in UPDATABLE)
            if patient is not None:
                field.set_value(getattr(patient, name))
        if patient:
            self.found.setText(f"✔ Existing patient: {patient.display_name}, born {patient.birth_date}. "
                               "Check weight, creatinine, eGFR and allergies for today.")
        else:
            self.found.setText("New patient: no one has this MRN yet.")

    def use_scheduled(self, case: ScheduledCase) -> None:
        """Fill the form from a worklist entry: its MRN finds a stored patient (whose details differing
        from the worklist's are asked about) or its name, birth date and sex fill a new patient."""
        self._forget_worklist()
        for field in self.patient_inputs.values():  # nothing of a patient picked before stays in the form
            field.set_value(None)
        self.mrn.setText(case.mrn)
        self.find_patient()
        if self.mrn.text().strip() != case.mrn.strip():
            return
        note = ""
        if self.existing is None:
            for name in IDENTITY:
                value = getattr(case, name)
                self.patient_inputs[name].set_value(value or None)
            note = "New patient from the worklist: check the details."
        else:
            differences = self.services.mwl.compare(self.actor, self.existing, case)
            if differences:
                choice = mwl_panel.ask_identity(self, differences, case.mrn)
                if choice is None:
                    self.found.setText(self.found.text() + " The worklist entry was not used.")
                    return
                if choice == mwl_panel.UPDATE:
                    for d in differences:
                        self.patient_inputs[d.field].set_value(d.worklist)
                    self.identity_reason = ("corrected from the hospital worklist"
                                            + (f" (accession {case.accession_number})" if case.accession_number
                                               else ""))
                    note = ("The patient's " + ", ".join(d.label.lower() for d in differences)
                            + " will be updated from the worklist (a new version of the patient).")
                else:
                    note = "The stored details are kept; the worklist's differ."
        if case.problems:
            note += " Missing or unreadable on the worklist: " + "; ".join(case.problems) + "."
        self.scheduled = case
        self.found.setText(f"{self.found.text()} {note}".strip())
        ids = [("accession", case.accession_number), ("requested procedure", case.requested_procedure),
               ("Study Instance UID", case.study_instance_uid)]
        self.worklist_ids.setText(" · ".join(f"{label} {value}" for label, value in ids if value))
        missing = [f for f in self.patient_inputs.values() if f.spec.required and f.isEnabled() and f.value() is None]
        (missing[0] if missing else self.category).editor.setFocus()  # what the worklist left out, else on

    def _worklist_details(self) -> dict[str, str]:
        """The worklist's identifiers the case keeps (the Study Instance UID links its dose report)."""
        case = self.scheduled
        if case is None:
            return {}
        known = {s.name for s in PROCEDURE_FIELDS}
        found = {"accession_number": case.accession_number, "study_instance_uid": case.study_instance_uid,
                 "requested_procedure": case.requested_procedure}
        return {k: v for k, v in found.items() if v and k in known}

    def _forget_worklist(self) -> None:
        self.scheduled = None
        self.identity_reason = None
        self.worklist_ids.setText("")

    def _mrn_edited(self) -> None:
        """A changed MRN forgets the patient found for the old one (and the worklist entry it came from):
        none of that patient's details (allergies, weight, name) may stay in the form for another MRN."""
        self._forget_worklist()
        if self.existing is not None:
            name = self.existing.display_name
            self.existing = None
            for field in self.patient_inputs.values():
                field.setEnabled(True)
                field.set_value(None)
            self.found.setText(f"The MRN changed: the details of {name} were cleared. Press Enter to look it up.")

    def _planned(self) -> list[str]:
        return [self.planned.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.planned.count())
                if self.planned.item(i).checkState() == Qt.CheckState.Checked]

    def _show(self, text: str, error: bool = False) -> None:
        set_tone(self.messages, "error" if error else "caution")
        self.messages.setText(("✖ " if error else "Please check, then confirm: ") + text)

    def submit(self) -> None:
        try:
            patient_values: dict[str, Any] = {n: f.value() for n, f in self.patient_inputs.items()}
            details = {"category": self.category.value(), "planned": self._planned(),
                       "indication": self.indication.currentData(),
                       **{n: f.value() for n, f in self.case_inputs.items()}}
        except FieldError as exc:
            self._show(str(exc), error=True)
            return
        details.update(self._worklist_details())
        if not self.operator.text().strip():
            self._show("the primary operator is required", error=True)
            self.operator.setFocus()
            return
        team = [TeamMember(self.operator.text().strip(), TeamRole.PRIMARY_OPERATOR)]
        if self.nurse.text().strip():
            team.append(TeamMember(self.nurse.text().strip(), TeamRole.NURSE))
        fingerprint = repr((self.mrn.text(), sorted(patient_values.items()), sorted(details.items())))
        confirm = self._confirm[0] if self._confirm and self._confirm[1] == fingerprint else ()
        try:  # find or register, bring up to date, open: one transaction in the services
            patient = Patient(mrn=self.mrn.text().strip(), **patient_values)
            if self.existing is not None:  # who was found: only today's values come from the form
                keys = UPDATABLE + (IDENTITY if self.identity_reason else ())  # and the worklist's, if chosen
                patient = replace(self.existing, **{k: patient_values[k] for k in keys})
            proc = self.services.cases.start_case(self.actor, patient, details, team=team, confirm=confirm,
                                                  reason=self.identity_reason or "updated at case start",
                                                  identity_reason=self.identity_reason)
        except ConfirmationRequired as exc:
            self._confirm = (tuple(w.code for w in exc.warnings), fingerprint)
            self._show("; ".join(w.message for w in exc.warnings))
            self.ok.setText("Confirm and open case")
            return
        except ValidationError as exc:
            self._show("; ".join(i.message for i in exc.issues), error=True)
            return
        except CathlogError as exc:
            self._show(str(exc), error=True)
            return
        self.procedure_id = proc.procedure_id
        self.accept()

    @classmethod
    def ask(cls, services: Services, actor: Actor, parent: QWidget | None = None,
            lab: LabSettings | None = None) -> str | None:
        dialog = cls(services, actor, parent, lab=lab)
        return dialog.procedure_id if dialog.exec() == QDialog.DialogCode.Accepted else None
