"""The dose-report listener's settings in File → Settings… (issue 15 item 5): lab-wide, audited, each
refusal under its field and nothing saved; only an admin changes them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from cathlog.ui.lab_settings import LabSettings
from cathlog.ui.settings_dialog import SettingsDialog


def _dialog(qtbot, tmp_path, services, actor):
    dialog = SettingsDialog(services, actor, QSettings(str(tmp_path / "lab.ini"), QSettings.Format.IniFormat),
                            LabSettings())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_an_admin_turns_the_listener_on_with_its_address(qtbot, tmp_path, services, admin):
    dialog = _dialog(qtbot, tmp_path, services, admin)
    box = dialog.dose_box
    assert (box.edits["dose.ae_title"].text(), box.edits["dose.port"].text()) == ("CATHLOG", "11112")
    box.listen.setCurrentIndex(box.listen.findData("yes"))
    box.edits["dose.ae_title"].setText("CATHLAB2_DOSE")
    box.edits["dose.port"].setText("4104")
    box.edits["dose.allowed_calling"].setText("AZURION71, ARTIS_Q")
    dialog.save_button.click()
    assert dialog.saved is not None
    config = services.dose_listener.settings(admin)
    assert (config.enabled, config.ae_title, config.port, config.allowed_calling) == \
        (True, "CATHLAB2_DOSE", 4104, ("AZURION71", "ARTIS_Q"))


@pytest.mark.parametrize("key, text", [
    ("dose.port", "0"), ("dose.port", "65536"), ("dose.port", "eleven"), ("dose.ae_title", "A" * 17),
    ("dose.ae_title", "BACK\\SLASH"), ("dose.allowed_calling", "GOOD, " + "B" * 17),
])
def test_bad_values_are_refused_under_their_field_and_nothing_is_saved(qtbot, tmp_path, services, admin, key, text):
    dialog = _dialog(qtbot, tmp_path, services, admin)
    dialog.dose_box.listen.setCurrentIndex(dialog.dose_box.listen.findData("yes"))
    dialog.dose_box.edits[key].setText(text)
    dialog.save_button.click()
    assert dialog.saved is None and dialog.dose_box.errors[key].isVisible()
    assert "refused" in dialog.dose_box.errors[key].text()
    assert dialog.dose_box.edits[key].text() == text  # kept as typed, never clamped
    assert not services.dose_listener.settings(admin).enabled


def test_a_nurse_sees_them_but_cannot_change_them(qtbot, tmp_path, services, nurse):
    dialog = _dialog(qtbot, tmp_path, services, nurse)
    assert not dialog.dose_box.listen.isEnabled()
    assert all(not edit.isEnabled() for edit in dialog.dose_box.edits.values())
