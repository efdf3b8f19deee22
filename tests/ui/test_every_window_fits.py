"""Every top-level window and dialog fits a 1366x768 laptop screen, in both themes (issue 12, item 6).

A window's layout has a minimum size (``minimumSizeHint``) that Qt never goes below: if it is taller
than the screen's free area, buttons are off-screen until the user maximizes. The registry below makes
each window with a realistic case; a second test finds every dialog and main-window class in cathlog.ui,
so a new window without an entry here fails.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QWidget

import cathlog.ui
from cathlog.ui.account import ChangePasswordDialog
from cathlog.ui.dose_inbox import DoseInboxWindow
from cathlog.ui.admin import AuditDialog
from cathlog.ui.export_dialog import ExportDialog
from cathlog.ui.help_dialogs import AboutDialog, KeyboardReferenceDialog
from cathlog.ui.hl7_dialog import Hl7Dialog
from cathlog.ui.idle_lock import LockDialog
from cathlog.ui.lab_settings import LabSettings
from cathlog.ui.main_window import MainWindow
from cathlog.ui.new_case import NewCaseDialog
from cathlog.ui.restore_dialog import RestoreDialog
from cathlog.ui.review import ReviewDialog
from cathlog.ui.review_text import TextField, TextForm
from cathlog.ui.scan_choice import ChoiceDialog
from cathlog.ui.screen_fit import FRAME_ALLOWANCE, SMALLEST_SCREEN
from cathlog.ui.settings_dialog import SettingsDialog
from cathlog.ui.sign_in import FirstRunDialog, SignInDialog
from cathlog.ui.theme import apply_theme
from cathlog.ui.users_dialog import UsersDialog
from cathlog.ui.worklist import WorklistWindow
from tests.helpers import open_case

BASES = {"_Base", "AdminDialog"}  # not shown on their own
ELSEWHERE: set[str] = set()


def _closed_case(services, nurse):
    proc = open_case(services, nurse)
    for i in range(30):
        services.cases.record_event(nurse, proc.procedure_id, "note", {"text": f"entry {i} " + "word " * 30 + "end"})
    services.cases.close_case(nurse, proc.procedure_id, reason="test")
    return proc.procedure_id


def _windows(services, admin, nurse, physician, tmp_path: Path) -> dict[str, QWidget]:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    pid = _closed_case(services, nurse)
    main = MainWindow(services, nurse, "cathlog.db", settings=settings)
    main.open_case(pid)
    return {
        "MainWindow": main,
        "NewCaseDialog": NewCaseDialog(services, nurse),
        "ReviewDialog": ReviewDialog(services, physician, pid),
        "UsersDialog": UsersDialog(services, admin),
        "AuditDialog": AuditDialog(services, admin),
        "ExportDialog": ExportDialog(services, admin),
        "RestoreDialog": RestoreDialog(services, admin, tmp_path),
        "SettingsDialog": SettingsDialog(services, admin, settings, LabSettings()),
        "ChangePasswordDialog": ChangePasswordDialog(services, nurse),
        "LockDialog": LockDialog(services, nurse),
        "FirstRunDialog": FirstRunDialog(services, "cathlog.db"),
        "SignInDialog": SignInDialog(services, "cathlog.db"),
        "ChoiceDialog": ChoiceDialog("Which device?", "The scan could mean several devices. " * 5,
                                     [f"option {i}: " + "GTIN 0061414199999 lot AB21 " * 3 for i in range(6)]),
        "TextForm": TextForm("Addendum", "Add to the signed summary.",
                             (TextField("text", "Addendum", lines=8), TextField("reason", "Reason"))),
        "AboutDialog": AboutDialog("cathlog.db"),
        "KeyboardReferenceDialog": KeyboardReferenceDialog(main),
        "WorklistWindow": WorklistWindow(services, physician),
        "DoseInboxWindow": _dose_inbox(services, nurse),
        "Hl7Dialog": Hl7Dialog(services, admin),
    }


def _dose_inbox(services, nurse):
    """The inbox with a few waiting reports of long names and reasons."""
    from tests.dicom import rdsr_maker as mk

    for i in range(6):
        services.dose.receive(nurse, mk.to_bytes(mk.make(sop_instance_uid=f"{mk.ROOT}.1.{100 + i}",
                                                         patient_id=f"UNKNOWN-{i}", patient_name="Very^Long^Name " * 4)),
                              channel="network", sender="AZURION71")
    return DoseInboxWindow(services, nurse)


def _ui_window_classes() -> set[str]:
    names = set()
    for info in pkgutil.iter_modules(cathlog.ui.__path__, "cathlog.ui."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, (QDialog, QMainWindow)):
                names.add(name)
    return names - BASES - ELSEWHERE


@pytest.mark.parametrize("theme", ["light", "dim"])
def test_every_window_fits_a_1366x768_screen(qtbot, qapp, services, admin, nurse, physician, tmp_path, theme):
    apply_theme(qapp, theme)
    try:
        windows = _windows(services, admin, nurse, physician, tmp_path)
        too_big = []
        for name, window in windows.items():
            qtbot.addWidget(window)
            hint = window.minimumSizeHint()
            if hint.width() > SMALLEST_SCREEN.width() - FRAME_ALLOWANCE.width() or \
                    hint.height() > SMALLEST_SCREEN.height():
                too_big.append(f"{name}: needs at least {hint.width()}x{hint.height()}")
        assert not too_big, too_big
    finally:
        apply_theme(qapp, "light")
        QApplication.processEvents()


def test_every_window_class_is_checked(qtbot, services, admin, nurse, physician, tmp_path):
    windows = _windows(services, admin, nurse, physician, tmp_path)
    for window in windows.values():
        qtbot.addWidget(window)
    assert _ui_window_classes() <= set(windows), _ui_window_classes() - set(windows)


def test_every_window_title_names_it_alike(qtbot, services, admin, nurse, physician, tmp_path):
    """"cathlog — What it is", the thing named with a capital as in its heading (the screenshot review found
    "cathlog — settings" beside "cathlog — Export records")."""
    windows = _windows(services, admin, nurse, physician, tmp_path)
    unlike = []
    for name, window in windows.items():
        qtbot.addWidget(window)
        title = window.windowTitle()
        _, dash, what = title.partition(" — ")
        if dash and not what[:1].isupper():
            unlike.append(f"{name}: {title!r}")
    assert not unlike, unlike
