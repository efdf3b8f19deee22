"""Admin screens: users and roles, audit trail (verify, export), exports."""

import zipfile

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog
from cathlog.ui.admin import AuditDialog, ExportDialog, UsersDialog
from tests.conftest import PASSWORD


def test_users_add_set_role_disable(qtbot, services, admin, monkeypatch):
    dialog = UsersDialog(services, admin)
    qtbot.addWidget(dialog)
    answers = iter([("kwalsh", True), ("Kate Walsh", True), ("nurse", True), ("short", True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: next(answers))
    dialog.add_user()
    assert "at least 8 characters" in dialog.message.text()
    answers = iter([("kwalsh", True), ("Kate Walsh", True), ("nurse", True), (PASSWORD, True)])
    dialog.add_user()
    assert dialog.table.rowCount() == 2
    dialog.table.selectRow(1)
    answers = iter([("physician", True), ("promoted", True)])
    dialog.set_role()
    assert dialog.table.item(1, 2).text() == "physician"
    answers = iter([("left the unit", True)])
    dialog.toggle_active()
    assert dialog.table.item(1, 3).text() == "disabled"
    dialog.table.selectRow(0)
    answers = iter([("only admin", True)])
    dialog.toggle_active()
    assert "last active admin" in dialog.message.text()


def test_nurse_gets_no_user_list(qtbot, services, nurse):
    dialog = UsersDialog(services, nurse)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 0 and "may not manage users" in dialog.message.text()


def test_audit_viewer_filters_verifies_and_exports(qtbot, services, admin, tmp_path):
    ids = services.demo.load(admin, 2, seed=1)
    dialog = AuditDialog(services, admin)
    qtbot.addWidget(dialog)
    total = dialog.table.rowCount()
    qtbot.keyClicks(dialog.case, ids[0])
    dialog.reload()
    assert 0 < dialog.table.rowCount() < total
    dialog.action.setText("open_case")
    dialog.reload()
    assert dialog.table.rowCount() == 1
    dialog.verify()
    assert "Hash chain intact" in dialog.message.text()
    out = dialog.export(str(tmp_path / "audit.csv"))
    assert out.read_text().startswith("seq,at,user,action")  # one audit CSV for GUI and CLI (issue 10)


def test_export_dialog_writes_and_audits(qtbot, services, admin, tmp_path):
    services.demo.load(admin, 5, seed=2)
    dialog = ExportDialog(services, admin)
    qtbot.addWidget(dialog)
    dialog.category.setCurrentIndex(dialog.category.findData("venous"))
    out = dialog.export(str(tmp_path / "venous.zip"))
    assert out and zipfile.is_zipfile(out) and "Exported 1 case" in dialog.message.text()
    rows = services.admin.audit_rows(admin, action="export")
    assert len(rows) == 1 and '"category":"venous"' in rows[0].new_value


def test_audit_viewer_names_a_record_edited_in_the_file(qtbot, services, admin):
    from tests.store.test_tamper import _attack

    services.demo.load(admin, 2, seed=1)
    event_id = services.store.db.conn.execute("SELECT event_id FROM event_versions LIMIT 1").fetchone()[0]
    _attack(services.store.path, "UPDATE event_versions SET recorded_by = 'mallory' WHERE event_id = ?",
            params=[event_id])
    dialog = AuditDialog(services, admin)
    qtbot.addWidget(dialog)
    dialog.verify()
    assert "Audit check FAILED" in dialog.message.text() and f"entry {event_id} version 1" in dialog.message.text()


def test_audit_viewer_shows_the_newest_page_and_more_on_request(qtbot, services, admin, monkeypatch):
    import cathlog.ui.admin as admin_ui

    services.demo.load(admin, 2, seed=1)
    monkeypatch.setattr(admin_ui, "PAGE_ROWS", 10)
    every = services.admin.audit_rows(admin)
    dialog = AuditDialog(services, admin)
    qtbot.addWidget(dialog)
    shown = [int(dialog.table.item(r, 0).text()) for r in range(dialog.table.rowCount())]
    assert shown == [r.seq for r in reversed(every)][:10]  # newest first, one page
    assert dialog.more_button.isEnabled() and "newest 10" in dialog.message.text()
    while dialog.more_button.isEnabled():
        qtbot.mouseClick(dialog.more_button, Qt.MouseButton.LeftButton)
    shown = [int(dialog.table.item(r, 0).text()) for r in range(dialog.table.rowCount())]
    assert shown == [r.seq for r in reversed(every)]  # every row once, in order
    assert f"{len(every)} row(s) match" in dialog.message.text()
    dialog.user.setText("demo.nurse")
    dialog.reload()  # a filter starts again from the newest page
    nurse = [r.seq for r in reversed(every) if r.username == "demo.nurse"]
    assert [int(dialog.table.item(r, 0).text()) for r in range(dialog.table.rowCount())] == nurse[:10]
    dialog.user.setText("admin")  # typed, not yet applied: More goes on with the list shown
    qtbot.mouseClick(dialog.more_button, Qt.MouseButton.LeftButton)
    assert [int(dialog.table.item(r, 0).text()) for r in range(dialog.table.rowCount())] == nurse[:20]


def test_audit_viewer_shows_long_texts_in_full_on_demand(qtbot, services, admin, nurse):
    from PySide6.QtWidgets import QHeaderView

    import cathlog.ui.admin as admin_ui
    from tests.helpers import open_case

    pid = open_case(services, nurse).procedure_id
    long_note = "radial band at 14 ml, " * 40 + "END"
    services.cases.record_event(nurse, pid, "note", {"text": long_note})
    dialog = AuditDialog(services, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    header = dialog.table.horizontalHeader()
    assert dialog.table.textElideMode() == Qt.TextElideMode.ElideMiddle
    for column in (admin_ui.WHAT, admin_ui.OLD, admin_ui.NEW):
        assert header.sectionResizeMode(column) == QHeaderView.ResizeMode.Interactive
        assert dialog.table.columnWidth(column) >= 200  # not squeezed to its header's width
    assert header.sectionResizeMode(admin_ui.REASON) == QHeaderView.ResizeMode.Stretch
    row = next(i for i, r in enumerate(dialog.rows) if r.action == "open_case")
    what = dialog.table.item(row, admin_ui.WHAT)
    entity_id = dialog.rows[row].entity_id
    assert what.text() == f"procedure {entity_id}" and what.toolTip() == what.text()  # the whole id, not 12 chars
    assert dialog.detail.toPlainText() == ""
    note = next(i for i, r in enumerate(dialog.rows) if r.new_value and "END" in r.new_value)
    dialog.table.selectRow(note)
    detail = dialog.detail.toPlainText()
    assert dialog.rows[note].new_value in detail and "END" in detail  # the whole value, however long
    assert dialog.rows[note].action in detail and f"case {pid}" in detail
    tip = dialog.table.item(note, admin_ui.NEW).toolTip()
    assert len(tip) < len(dialog.rows[note].new_value) and "select the row" in tip
    dialog.table.selectRow(row)
    assert f"procedure {entity_id}" in dialog.detail.toPlainText()
    # the detail box does not make the dialog taller than a laptop's screen
    assert dialog.minimumSizeHint().height() < 700
