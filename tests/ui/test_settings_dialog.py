"""File → Settings… (issue 12 item 12): per-computer values (QSettings) and lab-wide values (the
database, audited), each checked against its bounds with a message beside the field; a bad value
saves nothing; only an admin changes anything but the theme; the window applies them at once."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QGroupBox

from cathlog.domain.enums import Action
from cathlog.store import audit
from cathlog.ui.idle_lock import IdleWatch
from cathlog.ui.lab_settings import LabSettings
from cathlog.ui.main_window import MainWindow
from cathlog.ui.settings_dialog import ADMIN_ONLY, SettingsDialog


def _settings(tmp_path):
    return QSettings(str(tmp_path / "lab.ini"), QSettings.Format.IniFormat)


def _dialog(qtbot, tmp_path, services, actor, lab=None):
    dialog = SettingsDialog(services, actor, _settings(tmp_path), lab or LabSettings())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_the_groups_say_where_each_value_is_kept(qtbot, tmp_path, services, admin):
    dialog = _dialog(qtbot, tmp_path, services, admin)
    titles = {box.title().split("  ")[0]: box.title() for box in dialog.findChildren(QGroupBox)}
    assert "this computer's settings" in titles["This computer"]
    assert "database" in titles["The whole lab"] and "audited" in titles["The whole lab"]
    assert "audited" in titles["Hospital worklist (DICOM)"]
    assert dialog.idle.text() == "300" and dialog.recheck.text() == "30" and dialog.theme.currentData() == "light"


@pytest.mark.parametrize("field, text, says", [
    ("idle", "59", "outside the bounds: a whole number of seconds from 60 to 3600"),
    ("idle", "3601", "outside the bounds"),
    ("idle", "5 min", "is not a whole number of seconds"),
    ("recheck", "4", "minutes from 5 to 240"),
    ("recheck", "", "nothing is not a whole number of minutes"),
])
def test_out_of_bounds_values_are_refused_beside_their_field_and_nothing_is_saved(
        qtbot, tmp_path, services, admin, field, text, says):
    dialog = _dialog(qtbot, tmp_path, services, admin)
    dialog.lab_fields["lab_name"].setText("St. Elsewhere cath lab")
    getattr(dialog, field).setText(text)
    dialog.save_button.click()
    key = "idle_lock_s" if field == "idle" else "act_recheck_min"
    assert says in dialog.errors[key].text() and dialog.errors[key].isVisible()
    assert "Nothing was saved" in dialog.message.text() and dialog.isVisible() and dialog.saved is None
    assert getattr(dialog, field).text() == text  # kept as typed, never clamped
    assert LabSettings.read(_settings(tmp_path)) == LabSettings()
    assert services.settings.lab_contact(admin) == ("", "")


def test_a_bad_phone_is_refused_beside_it(qtbot, tmp_path, services, admin):
    dialog = _dialog(qtbot, tmp_path, services, admin)
    dialog.lab_fields["lab_phone"].setText("call the desk")
    dialog.save_button.click()
    assert "digits" in dialog.errors["lab_phone"].text() and dialog.saved is None
    assert services.settings.lab_contact(admin) == ("", "")


def test_admin_saves_every_value_and_the_lab_values_are_audited(qtbot, tmp_path, services, admin):
    dialog = _dialog(qtbot, tmp_path, services, admin)
    dialog.idle.setText("900")
    dialog.recheck.setText("20")
    dialog.theme.setCurrentIndex(dialog.theme.findData("dim"))
    dialog.lab_fields["lab_name"].setText("  St. Elsewhere cath lab ")
    dialog.lab_fields["lab_phone"].setText("+1 (555) 010-0199")
    dialog.save_button.click()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert LabSettings.read(_settings(tmp_path)) == LabSettings(idle_lock_s=900, act_recheck_min=20, theme="dim")
    assert services.settings.lab_contact(admin) == ("St. Elsewhere cath lab", "+1 (555) 010-0199")
    changed = [r.entity_id for r in audit.rows(services.store) if r.action == "set_setting"]
    assert changed == ["lab_name", "lab_phone"]


def test_a_nurse_may_change_only_the_theme(qtbot, tmp_path, services, admin, nurse):
    services.settings.set(admin, "lab_name", "Cath lab 2")
    dialog = _dialog(qtbot, tmp_path, services, nurse)
    for edit in (dialog.idle, dialog.recheck, *dialog.lab_fields.values()):
        assert not edit.isEnabled() and edit.toolTip() == ADMIN_ONLY
    assert dialog.lab_fields["lab_name"].text() == "Cath lab 2" and dialog.theme.isEnabled()
    dialog.theme.setCurrentIndex(dialog.theme.findData("dim"))
    dialog.save_button.click()
    assert dialog.saved == LabSettings(theme="dim")
    assert LabSettings.read(_settings(tmp_path)) == LabSettings(theme="dim")
    assert not services.auth.may(nurse, Action.MANAGE_SETTINGS)


def test_the_window_applies_saved_settings_at_once(qtbot, tmp_path, services, admin, monkeypatch):
    watch = IdleWatch(300, check_ms=60_000)
    window = MainWindow(services, admin, "t.db", settings=_settings(tmp_path), idle_watch=watch)
    qtbot.addWidget(window)

    def exec_(dialog):
        dialog.idle.setText("120")
        dialog.recheck.setText("15")
        dialog.save_button.click()
        return dialog.result()

    monkeypatch.setattr(SettingsDialog, "exec", exec_)
    settings_action = next(a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "&Settings…")
    settings_action.trigger()
    assert watch.limit_s == 120 and window.live.recheck_min == 15 and window.lab.idle_lock_s == 120
    assert window.statusBar().currentMessage() == "Settings saved."
    watch.stop()


def test_the_worklist_provider_is_audited_and_the_rooms_station_kept_on_this_computer(qtbot, tmp_path, services,
                                                                                        admin):
    dialog = _dialog(qtbot, tmp_path, services, admin)
    edits = dialog.mwl_box.edits
    edits["mwl.provider_ae"].setText("RIS_MWL")
    edits["mwl.provider_host"].setText("ris.hospital.example")
    edits["mwl.provider_port"].setText("104")
    edits["mwl_station_ae"].setText("CATHLAB1")
    dialog.save_button.click()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert LabSettings.read(_settings(tmp_path)) == LabSettings(mwl_station_ae="CATHLAB1", mwl_modality="XA")
    values = services.settings.values(admin)
    assert (values["mwl.provider_ae"], values["mwl.provider_host"], values["mwl.provider_port"]) == \
        ("RIS_MWL", "ris.hospital.example", "104")
    changed = [r.entity_id for r in audit.rows(services.store) if r.action == "set_setting"]
    assert changed == ["mwl.provider_ae", "mwl.provider_host", "mwl.provider_port"]


@pytest.mark.parametrize("key, text, says", [
    ("mwl.provider_port", "70000", "from 1 to 65535"),
    ("mwl.provider_host", "ris host", "host name"),
    ("mwl_station_ae", "CATH\\LAB1", "not an AE title"),
    ("mwl_station_ae", "CATHLAB1-ROOM-ONE-X", "not an AE title"),
    ("mwl_modality", "xa", "modality code"),
])
def test_a_bad_worklist_value_is_refused_under_its_field_and_nothing_is_saved(qtbot, tmp_path, services, admin,
                                                                              key, text, says):
    dialog = _dialog(qtbot, tmp_path, services, admin)
    dialog.lab_fields["lab_name"].setText("St. Elsewhere cath lab")
    dialog.mwl_box.edits[key].setText(text)
    dialog.save_button.click()
    error = dialog.mwl_box.errors[key]
    assert says in error.text() and error.isVisible() and dialog.saved is None
    assert dialog.mwl_box.edits[key].text() == text
    assert LabSettings.read(_settings(tmp_path)) == LabSettings()
    assert services.settings.lab_contact(admin) == ("", "")


def test_a_nurse_sees_the_worklist_settings_but_may_not_change_them(qtbot, tmp_path, services, admin, nurse):
    dialog = _dialog(qtbot, tmp_path, services, nurse, LabSettings(mwl_station_ae="CATHLAB1"))
    for edit in dialog.mwl_box.edits.values():
        assert not edit.isEnabled() and edit.toolTip() == ADMIN_ONLY
    assert dialog.mwl_box.edits["mwl_station_ae"].text() == "CATHLAB1"


def test_a_refused_value_on_the_other_page_is_shown_and_its_tab_marked(qtbot, tmp_path, services, admin):
    dialog = _dialog(qtbot, tmp_path, services, admin)
    assert dialog.tabs.currentIndex() == 0
    edit = next(iter(dialog.dose_box.edits.values()))
    key = next(iter(dialog.dose_box.edits))
    edit.setText("\x07" * 300)  # refused by every dose setting: too long, a control character
    dialog.save()
    assert dialog.saved is None and dialog.isVisible()
    assert dialog.tabs.currentIndex() == 1 and dialog.tabs.tabText(1).startswith("⚠ ")
    assert not dialog.tabs.tabText(0).startswith("⚠") and dialog.dose_box.errors[key].isVisible()
