"""Issue 13 item 12 in the window: views logged once per case and window, printing audited and its
temporary file removed; item 2: a window learns that the database was restored under it."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QDesktopServices

from cathlog.domain.enums import EventKind
from cathlog.services import Services
from cathlog.store.db import Store
from cathlog.ui.main_window import MainWindow
from cathlog.ui.review import ReviewDialog
from tests.conftest import FAST_HASHER
from tests.helpers import open_case


def _window(qtbot, tmp_path, services, actor, **kw):
    win = MainWindow(services, actor, "t", settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                     **kw)
    qtbot.addWidget(win)
    return win


def _views(services, admin):
    return [(r.username, r.procedure_id, json.loads(r.new_value)["via"])
            for r in services.admin.audit_rows(admin, action="view_record")]


def test_a_case_viewed_again_and_again_in_a_window_is_logged_once(qtbot, tmp_path, services, admin, nurse, clock):
    pid = open_case(services, nurse).procedure_id
    win = _window(qtbot, tmp_path, services, nurse)
    win.cases.reload()
    for _ in range(3):  # selecting it in the list (the preview shows the record)
        win.cases.case_view.clearSelection()
        win.cases.case_view.selectRow(0)
    assert _views(services, admin) == [("nurse", pid, "case list")]
    win.open_case(pid)
    for value in (250, 260, 270):  # saves and the timeline refreshes after them
        services.cases.record_event(nurse, pid, EventKind.ACT, {"act_s": value})
        win.live.reload()
    win.show_cases()
    win.open_case(pid)
    assert _views(services, admin) == [("nurse", pid, "case list")]
    clock.advance(minutes=16)  # a later look is a new row
    win.open_case(pid)
    assert _views(services, admin) == [("nurse", pid, "case list"), ("nurse", pid, "live log")]


@pytest.fixture
def closed_case(services, admin, nurse, physician):
    pid = open_case(services, nurse).procedure_id
    services.cases.close_case(nurse, pid)
    return pid


def test_print_is_audited_and_its_temporary_file_removed_at_the_end_of_the_session(
        qtbot, tmp_path, services, admin, physician, closed_case, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    win = _window(qtbot, tmp_path, services, physician)
    dialog = ReviewDialog(services, physician, closed_case, temp_folder=win.housekeeping.temp_folder)
    qtbot.addWidget(dialog)
    assert _views(services, admin) == [("doc", closed_case, "review")]
    path = dialog.print_summary()
    assert path is not None and opened == [str(path)] and path.read_bytes().startswith(b"%PDF")
    assert (tmp_path / "xdg") in path.parents  # the user's own cache folder, not the shared /tmp
    [row] = services.admin.audit_rows(admin, action="print_report")
    assert row.username == "doc" and row.procedure_id == closed_case
    assert json.loads(row.new_value) == {"kind": "summary", "file": path.name, "count": 1}
    session = win.housekeeping._session.path
    win.housekeeping.end_session()
    assert not path.exists() and not session.exists()


def test_a_dialog_without_a_session_folder_removes_its_own_when_it_closes(
        qtbot, services, physician, closed_case, monkeypatch):
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: True)
    dialog = ReviewDialog(services, physician, closed_case)
    qtbot.addWidget(dialog)
    path = dialog.print_summary()
    assert path.exists()
    dialog.reject()
    assert not path.exists() and not path.parent.exists()


def test_a_nurse_cannot_print(qtbot, services, admin, nurse, closed_case, monkeypatch):
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: pytest.fail("opened"))
    dialog = ReviewDialog(services, nurse, closed_case)
    qtbot.addWidget(dialog)
    assert dialog.print_summary() is None and "may not write report" in dialog.message.text()
    assert services.admin.audit_rows(admin, action="print_report") == []


def test_a_window_learns_of_a_restore_made_elsewhere_and_keeps_a_half_typed_entry(
        qtbot, tmp_path, services, admin, nurse, clock):
    kept = open_case(services, nurse, mrn="KEPT-1").procedure_id
    backup = tmp_path / "before.db"
    services.admin.backup(admin, backup)
    open_case(services, nurse, mrn="LATER-2")  # after the backup: gone once it is restored
    other = Services(Store.open(services.store.path), clock, hasher=FAST_HASHER)  # another window's, same file
    try:
        win = _window(qtbot, tmp_path, other, nurse)
        win.open_case(kept)
        assert win.cases.case_model.rowCount() == 2
        win.live.form.start(win.live.record, EventKind.NOTE)
        editor = win.live.form.inputs["text"].editor
        editor.insertPlainText("half typed") if hasattr(editor, "insertPlainText") else editor.insert("half typed")
        assert win.housekeeping.check_restored() is False  # nothing happened yet
        services.admin.restore(admin, backup)  # through the first window's services
        with qtbot.waitSignal(win.housekeeping.restored, timeout=1000):
            win.housekeeping.restore_watch.timeout.emit()  # one tick of the watch, driven directly
        assert win.cases.case_model.rowCount() == 1
        assert win.live.record.procedure.procedure_id == kept and win.live.form.isVisibleTo(win.live)
        text = editor.toPlainText() if hasattr(editor, "toPlainText") else editor.text()
        assert text == "half typed"
        assert "restored from a backup" in win.statusBar().currentMessage()
        assert win.housekeeping.check_restored() is False  # once only
        win.housekeeping.end_session()  # stops the watch before its Services closes
        assert not win.housekeeping.restore_watch.isActive()
    finally:
        other.close()


def test_the_audit_viewer_shows_who_viewed_which_record(qtbot, services, admin, nurse, physician):
    from cathlog.ui.admin import AuditDialog

    pid = open_case(services, nurse).procedure_id
    services.access.record_view(nurse, pid, "live log")
    services.access.record_view(physician, pid, "case list")
    dialog = AuditDialog(services, admin)
    qtbot.addWidget(dialog)
    everything = dialog.table.rowCount()
    dialog.show_only.setCurrentIndex(dialog.show_only.findData("view_record"))
    assert dialog.action.text() == "view_record" and everything > dialog.table.rowCount() == 2
    shown = {(dialog.table.item(i, 2).text(), dialog.table.item(i, 6).text()) for i in range(2)}
    assert shown == {("nurse", pid), ("doc", pid)}
    dialog.show_only.setCurrentIndex(0)
    assert dialog.table.rowCount() == everything
