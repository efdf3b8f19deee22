"""The worklist's part of File → Settings… (issue 15 item 5): where the hospital's Modality Worklist is
(the whole lab: the database, audited) and which station and modality this room's computer asks for
(this computer: QSettings, ``LabSettings.mwl_station_ae`` / ``mwl_modality``).

Laid out as a compact grid so the settings dialog still fits 1366x768; each refusal is shown under its
field and nothing at all is saved (the dialog's rule). Only an administrator changes these values.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QLineEdit, QWidget

from cathlog.domain.errors import CathlogError
from cathlog.domain.mwl import AE_TITLE_ALLOWED, MODALITY_ALLOWED, ae_title_problem, modality_problem
from cathlog.services.settings import SPECS, checked
from cathlog.ui.lab_settings import MWL_MODALITY_KEY, MWL_STATION_AE_KEY, LabSettings

LAB_KEYS = ("mwl.provider_ae", "mwl.provider_host", "mwl.provider_port", "mwl.calling_ae")
LABELS = {"mwl.provider_ae": "Provider AE title", "mwl.provider_host": "Host", "mwl.provider_port": "Port",
          "mwl.calling_ae": "cathlog calls as (AE title)", MWL_STATION_AE_KEY: "This room's station AE title",
          MWL_MODALITY_KEY: "Modality"}
WIDTHS = {"mwl.provider_host": 260, "mwl.provider_port": 90, MWL_MODALITY_KEY: 90}
HINTS = {MWL_STATION_AE_KEY: f"The X-ray system's AE title the hospital schedules this room's cases on: "
                             f"{AE_TITLE_ALLOWED}. Empty: no worklist on this computer.",
         MWL_MODALITY_KEY: f"{MODALITY_ALLOWED}."}


class WorklistSettingsBox(QGroupBox):
    def __init__(self, values: dict[str, str], lab: LabSettings, admin: bool, admin_only: str,
                 parent: QWidget | None = None):
        super().__init__("Hospital worklist (DICOM)  (provider: for the whole lab, audited; station and "
                         "modality: this computer)", parent)
        self.setObjectName("mwl_settings")
        self.values = {k: values.get(k, "") for k in LAB_KEYS}
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        rows = (("mwl.provider_ae", "mwl.provider_host", "mwl.provider_port"),
                ("mwl.calling_ae", MWL_STATION_AE_KEY, MWL_MODALITY_KEY))
        current = {**self.values, MWL_STATION_AE_KEY: lab.mwl_station_ae, MWL_MODALITY_KEY: lab.mwl_modality}
        for r, keys in enumerate(rows):
            for c, key in enumerate(keys):
                label = QLabel(f"<b>{LABELS[key]}</b>")
                edit = QLineEdit(current[key])
                edit.setObjectName(key)
                edit.setAccessibleName(LABELS[key].lower())
                edit.setFixedWidth(WIDTHS.get(key, 170))
                spec = SPECS.get(key)
                edit.setToolTip(HINTS.get(key) or (f"{spec.label[0].upper()}{spec.label[1:]}: {spec.allowed}."
                                                   if spec else ""))
                label.setBuddy(edit)
                if not admin:
                    edit.setReadOnly(True)
                    edit.setEnabled(False)
                    edit.setToolTip(admin_only)
                error = QLabel("")
                error.setObjectName("Error")
                error.setWordWrap(True)
                error.setAccessibleName(f"{LABELS[key].lower()} error")
                error.hide()
                grid.addWidget(label, r * 3, c)
                grid.addWidget(edit, r * 3 + 1, c)
                grid.addWidget(error, r * 3 + 2, c)
                self.edits[key], self.errors[key] = edit, error
        grid.setColumnStretch(3, 1)

    def _error(self, key: str, text: str) -> None:
        self.errors[key].setText(f"⚠ {text}" if text else "")
        self.errors[key].setVisible(bool(text))

    def checked(self) -> tuple[dict[str, str], dict[str, str]] | None:
        """(changed lab values, this computer's station values) when all are allowed; None after showing why."""
        ok = True
        lab_values: dict[str, str] = {}
        for key in LAB_KEYS:
            text = self.edits[key].text().strip()
            if text == self.values[key]:
                self._error(key, "")
                continue
            try:
                lab_values[key] = checked(key, text)
                self._error(key, "")
            except CathlogError:
                self._error(key, f"refused: {SPECS[key].allowed}")
                ok = False
        station = {MWL_STATION_AE_KEY: self.edits[MWL_STATION_AE_KEY].text().strip(),
                   MWL_MODALITY_KEY: self.edits[MWL_MODALITY_KEY].text().strip()}
        for key, problem in ((MWL_STATION_AE_KEY, ae_title_problem), (MWL_MODALITY_KEY, modality_problem)):
            why = problem(station[key]) if station[key] or key == MWL_MODALITY_KEY else None
            self._error(key, f"refused: {why}" if why else "")
            ok = ok and not why
        return (lab_values, station) if ok else None
