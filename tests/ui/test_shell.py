"""The main window as a shell: lab settings read once and bounded, menus by
what the signed-in user may do, housekeeping as a collaborator, and the
case-list page on its own."""

import logging

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox

from cathlog.ui.case_list import CaseListPage
from cathlog.ui.lab_settings import LabSettings, save_theme
from cathlog.ui.main_window import MainWindow


def _settings(tmp_path, **values):
    settings = QSettings(str(tmp_path / "lab.ini"), QSettings.Format.IniFormat)
    for key, value in values.items():
        settings.setValue(key, value)
    settings.sync()
    return settings


def _menus(window):
    return {a.text(): [x.text() for x in a.menu().actions()] for a in window.menuBar().actions()}


def test_lab_settings_default_when_not_set(qtbot, tmp_path):
    assert LabSettings.read(_settings(tmp_path)) == LabSettings(idle_lock_s=300, act_recheck_min=30, theme="light")


@pytest.mark.parametrize("key, good, bad", [
    ("idle_lock_s", ["60", "3600", " 900 "], ["59", "3601", "0", "-5", "5 min", "12.5", ""]),
    ("act_recheck_min", ["5", "240"], ["4", "241", "thirty"]),
    ("theme", ["light", "dim"], ["dark", "Dim", ""]),
])
def test_each_lab_setting_is_checked_against_its_bounds(qtbot, tmp_path, caplog, key, good, bad):
    default = getattr(LabSettings(), key)
    for n, text in enumerate(good):
        value = getattr(LabSettings.read(_settings(tmp_path / f"good{n}", **{key: text})), key)
        assert str(value) == text.strip()
    for n, text in enumerate(bad):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="cathlog.ui.lab_settings"):
            value = getattr(LabSettings.read(_settings(tmp_path / f"bad{n}", **{key: text})), key)
        assert value == default, text
        assert f"lab setting {key}=" in caplog.text and "using the default" in caplog.text


def test_the_window_uses_the_lab_settings_it_is_given(qtbot, tmp_path, services, nurse):
    settings = _settings(tmp_path)
    window = MainWindow(services, nurse, "t", settings=settings, lab=LabSettings(act_recheck_min=45))
    qtbot.addWidget(window)
    assert window.live.recheck_min == 45
    window.set_theme("dim")
    assert LabSettings.read(_settings(tmp_path)).theme == "dim"
    with pytest.raises(ValueError, match="unknown theme"):
        save_theme(settings, "neon")


def test_menus_follow_the_signed_in_user(qtbot, tmp_path, services, admin, nurse):
    window = MainWindow(services, nurse, "t", settings=_settings(tmp_path))
    qtbot.addWidget(window)
    menus = _menus(window)
    assert "&Admin" not in menus and "Load &demo cases…" not in menus["&File"]
    assert window.cases.new_button.isVisibleTo(window) and not window.cases.review_button.isVisibleTo(window)
    window.ask_unlock = lambda: admin
    window.lock()
    menus = _menus(window)
    assert menus["&Admin"] == ["&Users and roles…", "&Audit trail…", "&Export records…", "&Back up now…",
                               "&Restore from a backup…", "&HL7 interface (inbox, outbox, merge tasks)…"]
    assert "Load &demo cases…" in menus["&File"]
    new_case = next(a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "&New case…")
    assert not new_case.isEnabled() and not window.cases.new_button.isEnabled()
    assert "administrator makes no clinical entries" in window.cases.new_button.toolTip()


def test_background_check_of_a_sound_file_says_ok(qtbot, tmp_path, services, nurse):
    window = MainWindow(services, nurse, "t", settings=_settings(tmp_path))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.housekeeping.checked, timeout=10000) as blocker:
        window.housekeeping.start_background_check()
    window.housekeeping.wait()
    assert blocker.args == [None] and not services.store.read_only
    assert window.statusBar().currentMessage() == "Database check: ok"


def test_restore_reloads_the_case_list(qtbot, tmp_path, services, admin, monkeypatch):
    window = MainWindow(services, admin, "t", settings=_settings(tmp_path))
    qtbot.addWidget(window)
    backup = tmp_path / "before-demo.db"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(backup), ""))
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: told.append(a[2]))
    window.housekeeping.backup_as(admin)
    assert backup.exists() and "integrity checked" in told[-1]
    services.demo.load(admin, 3, seed=5)
    window.cases.reload()
    assert window.cases.case_model.rowCount() == 3
    dialog = window.housekeeping.restore_dialog(admin)  # the restore screen (tests/ui/test_admin_restore.py)
    qtbot.addWidget(dialog)
    dialog.choose_file(str(backup))
    monkeypatch.setattr(QMessageBox, "exec", lambda box: box.setProperty("answered", True)
                        or next(b for b in box.buttons() if b.text() == "Restore").click())
    with qtbot.waitSignal(window.cases.cases_loaded, timeout=3000) as blocker:
        dialog.restore_selected()
    assert blocker.args == [0] and "kept as" in window.statusBar().currentMessage()
    dialog.wait_for_checks()


def test_case_list_page_asks_the_window_through_signals(qtbot, services, admin):
    ids = services.demo.load(admin, 2, seed=6)
    page = CaseListPage(services, admin)
    qtbot.addWidget(page)
    page.reload()
    said = []
    page.message.connect(lambda text, ms: said.append(text))
    page.review_selected()
    assert said == ["Select a case to review first."]
    row = next(i for i in range(page.case_model.rowCount()) if page.case_model.row_object(i).procedure_id == ids[0])
    page.case_view.selectRow(row)
    with qtbot.waitSignal(page.open_requested, timeout=3000) as blocker:
        page.open_selected()
    assert blocker.args == [ids[0]]
