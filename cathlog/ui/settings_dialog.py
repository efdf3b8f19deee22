"""File → Settings…: the values cathlog keeps, in two groups that say where each is kept.

- This computer (QSettings, ``lab_settings``): the idle lock, the ACT recheck interval, the theme.
- The whole lab (the database, ``services.settings``, audited): the lab's name and phone on the
  patient sheet.
- The dose-report listener (``ui/dose_settings.py``): whether cathlog listens for the X-ray system's
  dose reports, its AE title, port and allowed senders, for the whole lab.
- The hospital worklist (``ui/mwl_settings.py``): its provider for the whole lab; this room's station
  AE title and modality on this computer.

Every value is checked against its bounds when Save is pressed; a bad one is refused with a message
beside its field and nothing at all is saved (never clamped). Only an administrator changes the
idle lock, the ACT interval and the lab's values (``Action.MANAGE_SETTINGS``); everyone may choose
the theme. The window applies the saved values at once (``MainWindow.apply_lab``).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSettings
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGroupBox, QHBoxLayout, QLabel, QLineEdit, \
    QTabWidget, QVBoxLayout, QWidget

from cathlog.domain.enums import Action
from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.services import Services
from cathlog.services.settings import SPECS, checked
from cathlog.ui import lab_settings
from cathlog.ui.dose_settings import DoseSettingsBox
from cathlog.ui.lab_settings import (ACT_RECHECK_MIN_KEY, BOUNDS, IDLE_LOCK_S_KEY, MWL_MODALITY_KEY,
                                     MWL_STATION_AE_KEY, UNITS, LabSettings)
from cathlog.ui.mwl_settings import WorklistSettingsBox
from cathlog.ui.theme import THEMES
from cathlog.ui.labels import error_label
from cathlog.ui.combo import Combo
from cathlog.ui.screen_fit import available_geometry

ADMIN_ONLY = "Only an administrator changes this"
LAB_KEYS = ("lab_name", "lab_phone")


class SettingsDialog(QDialog):
    def __init__(self, services: Services, actor: Actor, settings: QSettings, lab: LabSettings,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.actor, self.settings, self.lab = services, actor, settings, lab
        self.saved: LabSettings | None = None
        self.admin = services.auth.may(actor, Action.MANAGE_SETTINGS)
        self.errors: dict[str, QLabel] = {}
        self.setWindowTitle("cathlog — Settings")
        layout = self.outer = QVBoxLayout(self)
        layout.setSpacing(12)
        if not self.admin:
            note = QLabel("You may choose the theme. The other values are set by an administrator.")
            note.setObjectName("Hint")
            note.setWordWrap(True)
            layout.addWidget(note)

        here = QGroupBox("This computer  (kept in this computer's settings; other computers keep their own)")
        box = QVBoxLayout(here)
        box.setSpacing(4)
        self.idle = self._line(box, IDLE_LOCK_S_KEY, "Idle lock after", str(lab.idle_lock_s),
                               "The window locks after this long without a key press or mouse movement.")
        self.recheck = self._line(box, ACT_RECHECK_MIN_KEY, "ACT recheck every", str(lab.act_recheck_min),
                                  "A new ACT reading is due this long after the last one.")
        self.theme = Combo()
        self.theme.setObjectName("theme")
        self.theme.setAccessibleName("theme")
        for name in THEMES:
            self.theme.addItem(name.capitalize(), name)
        self.theme.setCurrentIndex(self.theme.findData(lab.theme))
        self._block(box, "Theme", self.theme, "", "Light for a bright room; dim for a darkened lab.")
        # Two pages, so the dialog fits a 1366x768 screen: this computer and the lab; the hospital's systems.
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settings_pages")
        general = QWidget()
        general_layout = QVBoxLayout(general)
        general_layout.addWidget(here)

        lab_box = QGroupBox("The whole lab  (kept in the database for every computer; each change is audited)")
        lab_layout = QVBoxLayout(lab_box)
        lab_layout.setSpacing(4)
        values = services.settings.values(actor)
        self.lab_fields: dict[str, QLineEdit] = {}
        for key in LAB_KEYS:
            label = "Lab name" if key == "lab_name" else "Lab phone"
            spec = SPECS[key]
            self.lab_fields[key] = self._line(lab_layout, key, label, values.get(key, ""),
                                              f"{spec.label[0].upper()}{spec.label[1:]}: {spec.allowed}.")
        general_layout.addWidget(lab_box)
        general_layout.addStretch(1)
        interfaces = QWidget()
        interfaces_layout = QVBoxLayout(interfaces)
        self.mwl_box = WorklistSettingsBox(values, lab, self.admin, ADMIN_ONLY)
        interfaces_layout.addWidget(self.mwl_box)
        self.dose_box = DoseSettingsBox(values, self.admin, ADMIN_ONLY)
        interfaces_layout.addWidget(self.dose_box)
        interfaces_layout.addStretch(1)
        self.pages = {"General": general, "Hospital interfaces (worklist, dose reports)": interfaces}
        for title, page in self.pages.items():
            self.tabs.addTab(page, title)
        layout.addWidget(self.tabs, 1)

        self.message = error_label("settings message")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        for button in buttons.buttons():
            button.setIcon(QIcon())
        layout.addWidget(buttons)
        self.setMinimumWidth(min(940, self._screen_width()))

    def _screen_width(self) -> int:
        return int(available_geometry(self).width() * 0.95)

    def _block(self, box: QVBoxLayout, label: str, editor: QWidget, unit: str, hint: str) -> QLabel:
        """Label and hint above; the editor, its unit and its error message beside it."""
        title = QLabel(f"<b>{label}</b>")
        title.setBuddy(editor)
        note = QLabel(hint)
        note.setObjectName("Hint")
        note.setWordWrap(True)
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addWidget(note, 1)
        box.addSpacing(8)
        box.addLayout(heading)
        row = QHBoxLayout()
        row.addWidget(editor)
        if unit:
            row.addWidget(QLabel(unit))
        error = QLabel("")
        error.setObjectName("Error")
        error.setWordWrap(True)
        error.setAccessibleName(f"{label.lower()} error")
        error.hide()
        row.addWidget(error, 1)
        row.addStretch(0)  # keeps the editor at the left while there is no message
        box.addLayout(row)
        return error

    def _line(self, box: QVBoxLayout, key: str, label: str, value: str, hint: str) -> QLineEdit:
        """One field: its label above, the line edit with its unit and bounds and its error beside it."""
        edit = QLineEdit(value)
        edit.setObjectName(key)
        edit.setAccessibleName(label.lower())
        edit.setFixedWidth(340 if key in LAB_KEYS else 90)
        unit = ""
        if key in BOUNDS:
            low, high = BOUNDS[key]
            unit = f"{UNITS[key]}  ({low} to {high})"
        self.errors[key] = self._block(box, label, edit, unit, hint)
        if not self.admin:
            edit.setReadOnly(True)
            edit.setEnabled(False)
            edit.setToolTip(ADMIN_ONLY)
        return edit

    def _error(self, key: str, text: str) -> None:
        self.errors[key].setText(f"⚠ {text}" if text else "")
        self.errors[key].setVisible(bool(text))

    def _checked(self) -> tuple[LabSettings, dict[str, str]] | None:
        """The new values when every one is within its bounds (each refusal shown beside its field)."""
        ok = True
        numbers: dict[str, int] = {}
        for key, edit in ((IDLE_LOCK_S_KEY, self.idle), (ACT_RECHECK_MIN_KEY, self.recheck)):
            try:
                numbers[key] = lab_settings.check_bounded(key, edit.text())
                self._error(key, "")
            except ValueError as exc:
                self._error(key, str(exc))
                ok = False
        lab_values: dict[str, str] = {}
        if self.admin:
            current = self.services.settings.values(self.actor)
            for key, edit in self.lab_fields.items():
                if edit.text().strip() == current.get(key, "") and not edit.text().strip():
                    self._error(key, "")
                    continue  # not set and left empty: nothing to save
                try:
                    lab_values[key] = checked(key, edit.text())
                    self._error(key, "")
                except CathlogError:
                    self._error(key, f"refused: {SPECS[key].allowed}")
                    ok = False
        station = (self.lab.mwl_station_ae, self.lab.mwl_modality)
        if self.admin:
            worklist = self.mwl_box.checked()
            if worklist is None:
                ok = False
            else:
                lab_values.update(worklist[0])
                station = (worklist[1][MWL_STATION_AE_KEY], worklist[1][MWL_MODALITY_KEY])
            dose = self.dose_box.checked()
            if dose is None:
                ok = False
            else:
                lab_values.update(dose)
        self._mark_pages()
        self.outer.activate()
        self.adjustSize()  # room for the messages now shown
        if not ok:
            return None
        theme = str(self.theme.currentData())
        return replace(self.lab, theme=theme, mwl_station_ae=station[0], mwl_modality=station[1],
                       **numbers), lab_values

    def _mark_pages(self) -> None:
        """A page with a refused value says so in its tab, and the first such page is shown."""
        refused = [label for label in (*self.errors.values(), *self.mwl_box.errors.values(),
                                       *self.dose_box.errors.values()) if label.text()]
        first = None
        for index, (title, page) in enumerate(self.pages.items()):
            marked = any(page.isAncestorOf(label) for label in refused)
            self.tabs.setTabText(index, f"⚠ {title}" if marked else title)
            if marked and first is None:
                first = index
        if first is not None and not any(self.tabs.currentWidget().isAncestorOf(label) for label in refused):
            self.tabs.setCurrentIndex(first)

    def save(self) -> None:
        found = self._checked()
        if found is None:
            self.message.setText("⚠ Nothing was saved: correct the values marked above.")
            self.message.show()
            return
        new_lab, lab_values = found
        try:
            if self.admin:  # the database first: a refusal there leaves this computer's values as they were
                current = self.services.settings.values(self.actor)
                for key, value in lab_values.items():
                    if value != current.get(key):
                        self.services.settings.set(self.actor, key, value)
                lab_settings.save(self.settings, new_lab)
            else:
                lab_settings.save_theme(self.settings, new_lab.theme)
                new_lab = replace(self.lab, theme=new_lab.theme)
        except (CathlogError, ValueError) as exc:
            self.message.setText(f"⚠ {exc}")
            self.message.show()
            return
        self.saved = new_lab
        self.accept()
