"""The dose-report listener's part of File → Settings… (issue 15 item 5): whether cathlog listens for the
X-ray system's dose reports, on which AE title and port, and which senders it accepts (the whole lab: the
database, audited). One compact row, so the settings dialog still fits 1366x768; each refusal shows under
its field and nothing at all is saved (the dialog's rule). Only an administrator changes these values."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QLineEdit, QWidget

from cathlog.domain.errors import CathlogError
from cathlog.services.settings import SPECS, checked
from cathlog.ui.combo import Combo

KEYS = ("dose.ae_title", "dose.port", "dose.allowed_calling")
LABELS = {"dose.listen": "Listen", "dose.ae_title": "cathlog's AE title", "dose.port": "Port",
          "dose.allowed_calling": "Allowed senders (empty: any)"}
PLACEHOLDERS = {"dose.allowed_calling": "AE titles, comma separated"}
WIDTHS = {"dose.ae_title": 150, "dose.port": 90, "dose.allowed_calling": 300}


class DoseSettingsBox(QGroupBox):
    def __init__(self, values: dict[str, str], admin: bool, admin_only: str, parent: QWidget | None = None):
        super().__init__("Dose reports from the X-ray system (DICOM)  (the whole lab, audited; applied when saved)",
                         parent)
        self.setObjectName("dose_settings")
        self.values = {k: values.get(k, "") for k in ("dose.listen", *KEYS)}
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        self.listen = Combo()
        self.listen.setObjectName("dose.listen")
        self.listen.setAccessibleName("listen for dose reports")
        self.listen.addItem("No", "no")
        self.listen.addItem("Yes", "yes")
        self.listen.setCurrentIndex(max(0, self.listen.findData(self.values["dose.listen"])))
        self.listen.setToolTip("Receive radiation dose reports (DICOM RDSR) while cathlog runs")
        self.listen.setEnabled(admin)
        self.listen.setMinimumWidth(90)  # "Yes" and the arrow, not squeezed
        grid.addWidget(QLabel(f"<b>{LABELS['dose.listen']}</b>"), 0, 0)
        grid.addWidget(self.listen, 1, 0)
        for c, key in enumerate(KEYS, start=1):
            label = QLabel(f"<b>{LABELS[key]}</b>")
            edit = QLineEdit(self.values[key])
            edit.setObjectName(key)
            edit.setAccessibleName(LABELS[key].split(" (")[0].lower())
            edit.setFixedWidth(WIDTHS[key])
            edit.setPlaceholderText(PLACEHOLDERS.get(key, ""))
            spec = SPECS[key]
            edit.setToolTip(f"{spec.label[0].upper()}{spec.label[1:]}: {spec.allowed}." if admin else admin_only)
            label.setBuddy(edit)
            if not admin:
                edit.setReadOnly(True)
                edit.setEnabled(False)
            error = QLabel("")
            error.setObjectName("Error")
            error.setWordWrap(True)
            error.setAccessibleName(f"{LABELS[key].split(' (')[0].lower()} error")
            error.hide()
            grid.addWidget(label, 0, c)
            grid.addWidget(edit, 1, c)
            grid.addWidget(error, 2, c)
            self.edits[key], self.errors[key] = edit, error
        grid.setColumnStretch(len(KEYS) + 1, 1)

    def _error(self, key: str, text: str) -> None:
        self.errors[key].setText(f"⚠ {text}" if text else "")
        self.errors[key].setVisible(bool(text))

    def checked(self) -> dict[str, str] | None:
        """The changed lab values when all are allowed; None after showing why under each refused field."""
        ok = True
        out: dict[str, str] = {}
        listen = str(self.listen.currentData())
        if listen != self.values["dose.listen"]:
            out["dose.listen"] = listen
        for key in KEYS:
            text = self.edits[key].text().strip()
            if text == self.values[key]:
                self._error(key, "")
                continue
            try:
                out[key] = checked(key, text)
                self._error(key, "")
            except CathlogError:
                self._error(key, f"refused: {SPECS[key].allowed}")
                ok = False
        return out if ok else None
