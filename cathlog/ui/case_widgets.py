"""Live-log widgets for what the case holds: the allergy banner and the running drug totals.

They only show facts from :mod:`cathlog.rules.case_facts`; nothing is computed here.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from cathlog.domain.enums import EventKind
from cathlog.domain.records import ProcedureRecord
from cathlog.domain.units import format_number
from cathlog.rules.alerts import Level
from cathlog.rules.case_facts import contrast_allergy, drug_totals
from cathlog.ui.panels import Panel

# Red with white bold text, large: readable from 2 m in the dim theme; the icon and the word
# ALLERGIES say it without the colour. Set on the widget so both themes show it the same.
BANNER_STYLE = ("QLabel#AllergyBanner { background: #b3001b; color: #ffffff; font-size: 18pt; font-weight: 800; "
                "padding: 4px 12px; border: 2px solid #ffffff; border-radius: 4px; }")


class AllergyBanner(QLabel):
    """The patient's allergies, in a red banner above the log; hidden when none are recorded."""

    def __init__(self) -> None:
        super().__init__("")
        self.setObjectName("AllergyBanner")
        self.setAccessibleName("patient allergies")
        self.setWordWrap(True)
        self.setStyleSheet(BANNER_STYLE)
        self.hide()

    @staticmethod
    def shows(record: ProcedureRecord) -> bool:
        """The banner is shown for this record (its allergies need not be repeated elsewhere)."""
        return bool((record.patient.allergies or "").strip())

    def refresh(self, record: ProcedureRecord) -> None:
        allergies = (record.patient.allergies or "").strip()
        if not allergies:
            self.setText("")
            self.hide()
            return
        extra = "  —  contrast allergy: premedication?" if contrast_allergy(allergies) else ""
        self.setText(f"⚠ ALLERGIES: {allergies}{extra}")
        self.setToolTip("From the patient's record for this case. Logging iodinated contrast asks to confirm "
                        "premedication.")
        self.show()


class DrugTotalsPanel(Panel):
    """Running total of each drug in the case (voided doses excluded), heparin also per kg."""

    reads = frozenset({EventKind.MEDICATION})

    def __init__(self) -> None:
        super().__init__("Drug totals  [F2]", "drug totals panel")
        self.value.setObjectName("DrugTotals")  # a list, smaller than the big panel values

    def refresh(self, record: ProcedureRecord) -> None:
        lines = []
        for total in drug_totals(record):
            per_kg = f" ({format_number(total.per_kg, 0)} units/kg)" if total.per_kg is not None else ""
            times = f" ×{total.count}" if total.count > 1 else ""
            name = total.name[:1].upper() + total.name[1:]
            lines.append(f"{name}: {format_number(total.total, 3)} {total.unit}{per_kg}{times}")
        self.value.setText("\n".join(lines) or "no drugs given")
        self.set_level(Level.NONE, "")
        self.setToolTip("Totals of this case, voided doses excluded. Heparin per kg of the patient's weight; "
                        "a cumulative dose above 100 units/kg asks for confirmation (domain-reference.md 2.2, "
                        "2013 ACCF/AHA STEMI guideline [5]).")

    def lines(self) -> list[str]:
        return self.value.text().splitlines()
