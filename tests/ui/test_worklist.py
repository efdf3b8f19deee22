"""The follow-up worklist window (issue 12 item 10), driven through its widgets: filters,
marking done or dismissed with a reason (audited), opening a case, "More", printing and
the CSV export (cells neutralised), read-only for nurses and admins, fits 1366x768."""

import csv
import json
from datetime import date

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QApplication

from cathlog.domain.enums import ProcedureStatus
from cathlog.domain.worklist import WorkState
from cathlog.ui import worklist as worklist_ui
from cathlog.ui.main_window import MainWindow
from cathlog.ui.worklist import WorklistWindow
from tests.helpers import open_case
from tests.services.test_review import PLAN

TODAY = date(2027, 1, 10)  # after the demo cases' first reminders (the fake clock starts 2026-11-21)


def _close_and_accept(services, physician, pid):
    if services.cases.get_record(physician, pid).procedure.status is ProcedureStatus.OPEN:
        services.cases.close_case(physician, pid)
    services.review.save_review(physician, pid, PLAN)
    for s in services.review.suggestions(physician, pid):
        services.review.decide(physician, pid, s, accept=True)


@pytest.fixture
def demo(services, admin, physician):
    ids = services.demo.load(admin, 10, seed=2)
    filters = [p for p in ids if any(ev.data["device_type"] == "ivc_filter_retrievable"
                                     for ev in services.cases.get_record(admin, p).current_events()
                                     if ev.kind.value == "device")]
    reviewed = [p for p in ids if p not in filters and
                services.cases.get_record(admin, p).procedure.status is not ProcedureStatus.SIGNED][:3]
    for pid in reviewed:
        _close_and_accept(services, physician, pid)
    for pid in filters:  # closed, nobody has reviewed them
        if services.cases.get_record(admin, pid).procedure.status is ProcedureStatus.OPEN:
            services.cases.close_case(physician, pid)
    return {"filters": filters, "reviewed": reviewed}


def _window(qtbot, services, actor, **kw):
    win = WorklistWindow(services, actor, today=lambda: TODAY, **kw)
    qtbot.addWidget(win)
    win.show()
    return win


def _rows(win):
    return [win.model.row_object(r) for r in range(win.model.rowCount())]


def _cell(win, row, column, role=Qt.ItemDataRole.DisplayRole):
    return win.model.index(row, column).data(role)


def _choose(combo, data):
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def test_lists_filter_windows_first_marked_not_yet_reviewed_and_overdue(qtbot, services, physician, demo):
    win = _window(qtbot, services, physician)
    rows = _rows(win)
    assert rows and rows[0].rule_id == "R3" and rows[0].pending
    assert {r.procedure_id for r in rows if r.pending} == set(demo["filters"])
    first = [r.rule_id for r in rows].index(next(r.rule_id for r in rows if r.rule_id != "R3"))
    assert all(r.rule_id == "R3" for r in rows[:first]) and "R3" not in [r.rule_id for r in rows[first:]]
    status = _cell(win, 0, 6)
    assert "not yet reviewed" in status and "⚠ OVERDUE" in status  # word and sign, not colour alone
    assert _cell(win, 0, 0, Qt.ItemDataRole.DecorationRole) is not None
    tip = _cell(win, 0, 7, Qt.ItemDataRole.ToolTipRole)
    assert rows[0].text in tip and "Source: FDA Safety Communication" in tip
    not_overdue = next(i for i, r in enumerate(rows) if r.due_date >= TODAY.isoformat())
    assert "OVERDUE" not in _cell(win, not_overdue, 6)
    assert _cell(win, not_overdue, 0, Qt.ItemDataRole.DecorationRole) is None
    assert "OVERDUE" in win.count.text()


def test_filters_due_preset_range_rule_operator_status_order(qtbot, services, physician, demo):
    win = _window(qtbot, services, physician)
    default = _rows(win)
    assert all(r.due_date <= "2027-02-09" and r.state is WorkState.OPEN for r in default)
    _choose(win.due_preset, "overdue")
    assert _rows(win) and all(r.due_date < TODAY.isoformat() for r in _rows(win))
    _choose(win.due_preset, "next")
    assert _rows(win) and all(TODAY.isoformat() <= r.due_date <= "2027-02-09" for r in _rows(win))
    assert not win.due_from.isVisible()
    _choose(win.due_preset, "range")
    assert win.due_from.isVisible() and win.due_to.isVisible()
    win.due_from.setDate(QDate(2026, 12, 1))
    win.due_to.setDate(QDate(2026, 12, 31))
    assert _rows(win) and all("2026-12-01" <= r.due_date <= "2026-12-31" for r in _rows(win))
    win.due_to.setDate(QDate(2026, 11, 1))  # ends before it starts: said, not swapped or widened
    assert "before it starts" in win.message_label.text()
    _choose(win.due_preset, "any")
    _choose(win.rule_filter, "R3")
    assert {r.rule_id for r in _rows(win)} == {"R3"} and len(_rows(win)) == 4
    _choose(win.rule_filter, None)
    operator = _rows(win)[0].operator
    _choose(win.operator_filter, operator)
    assert _rows(win) and {r.operator for r in _rows(win)} == {operator}
    _choose(win.operator_filter, None)
    _choose(win.order, "due")
    dues = [r.due_date for r in _rows(win)]
    assert dues == sorted(dues) and _rows(win)[0].rule_id != "R3"
    _choose(win.status_filter, "done")
    assert _rows(win) == []


def test_mark_done_and_dismissed_with_a_reason_audited(qtbot, services, admin, physician, demo, monkeypatch):
    win = _window(qtbot, services, physician)
    _choose(win.due_preset, "any")
    accepted = next(i for i, r in enumerate(_rows(win)) if not r.pending)
    target = _rows(win)[accepted]
    win.view.selectRow(accepted)
    assert win.done_button.isEnabled()
    monkeypatch.setattr(win, "ask_reason", lambda title, prompt: None)  # cancelled: nothing changes
    qtbot.mouseClick(win.done_button, Qt.MouseButton.LeftButton)
    assert target.item_key in {r.item_key for r in _rows(win)}
    asked = []
    monkeypatch.setattr(win, "ask_reason", lambda title, prompt: asked.append(title) or "seen in clinic")
    with qtbot.waitSignal(win.loaded):
        qtbot.mouseClick(win.done_button, Qt.MouseButton.LeftButton)
    assert asked == ["Mark done"] and "Marked done" in win.message_label.text()
    assert target.item_key not in {r.item_key for r in _rows(win)}
    [row] = services.admin.audit_rows(admin, action="mark_reminder")
    assert (row.username, row.entity_id, row.reason) == ("doc", target.reminder_id, "seen in clinic")
    assert json.loads(row.new_value) == {"status": "done"}
    pending = next(i for i, r in enumerate(_rows(win)) if r.pending)
    window = _rows(win)[pending]
    win.view.selectRow(pending)
    monkeypatch.setattr(win, "ask_reason", lambda title, prompt: "filter left in place by decision")
    qtbot.mouseClick(win.dismiss_button, Qt.MouseButton.LeftButton)
    [dismissed] = services.admin.audit_rows(admin, action="dismiss_reminder")
    assert dismissed.procedure_id == window.procedure_id and dismissed.reason == "filter left in place by decision"
    _choose(win.status_filter, "done")
    assert [r.reminder_id for r in _rows(win)] == [target.reminder_id]
    _choose(win.status_filter, "dismissed")
    assert [(r.procedure_id, r.suggested_due) for r in _rows(win)] == [(window.procedure_id, window.suggested_due)]
    win.view.selectRow(0)
    assert not win.done_button.isEnabled() and not win.dismiss_button.isEnabled()


def test_a_refused_mark_says_why_and_keeps_the_row(qtbot, services, physician, demo, monkeypatch):
    win = _window(qtbot, services, physician)
    monkeypatch.setattr(win, "ask_reason", lambda title, prompt: "   ")
    win.view.selectRow(0)
    key = _rows(win)[0].item_key
    qtbot.mouseClick(win.done_button, Qt.MouseButton.LeftButton)
    assert "Not marked" in win.message_label.text() and "reason" in win.message_label.text()
    assert _rows(win)[0].item_key == key


@pytest.mark.parametrize("who", ["nurse", "admin"])
def test_nurses_and_admins_read_only(qtbot, services, who, request, demo):
    actor = request.getfixturevalue(who)
    win = _window(qtbot, services, actor)
    assert _rows(win)
    win.view.selectRow(0)
    assert not win.done_button.isEnabled() and not win.dismiss_button.isEnabled()
    assert "Only a physician" in win.done_button.toolTip()
    assert win.open_button.isEnabled()


def test_open_case_emits_the_procedure_id(qtbot, services, physician, demo):
    win = _window(qtbot, services, physician)
    win.view.selectRow(1)
    with qtbot.waitSignal(win.open_case_requested) as signal:
        qtbot.mouseClick(win.open_button, Qt.MouseButton.LeftButton)
    assert signal.args == [_rows(win)[1].procedure_id]
    win.view.setFocus()
    with qtbot.waitSignal(win.open_case_requested) as signal:
        qtbot.keyClick(win.view, Qt.Key.Key_Return)
    assert signal.args == [_rows(win)[1].procedure_id]


def test_main_window_menu_opens_the_worklist_and_the_case(qtbot, tmp_path, services, physician, demo):
    main = MainWindow(services, physician, "t", settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(main)
    main.show()
    [act] = [a for m in main.menuBar().findChildren(type(main.menuBar().actions()[0].menu()))
             for a in m.actions() if a.text() == "Follow-up &worklist…"]
    assert act.isEnabled() and act.shortcut().toString() == "Ctrl+W"
    act.trigger()
    win = main.worklist
    qtbot.waitUntil(win.isVisible)
    win.view.selectRow(0)
    pid = _rows(win)[0].procedure_id
    win.open_selected()
    assert main.live.record.procedure.procedure_id == pid and main.pages.currentWidget() is main.live
    win.close()
    qtbot.waitUntil(lambda: getattr(main, "worklist", None) is None)


def test_more_fetches_the_next_page(qtbot, services, physician, demo, monkeypatch):
    monkeypatch.setattr(worklist_ui, "PAGE_ROWS", 3)
    win = _window(qtbot, services, physician)
    _choose(win.due_preset, "any")
    assert len(_rows(win)) == 3 and win.more_button.isEnabled() and "more below" in win.count.text()
    everything = list(services.followup.all_items(physician, win.query()))
    while win.more_button.isEnabled():
        qtbot.mouseClick(win.more_button, Qt.MouseButton.LeftButton)
    assert [r.item_key for r in _rows(win)] == [i.item_key for i in everything]


def test_csv_export_is_neutralised_and_audited(qtbot, tmp_path, services, admin, nurse, physician, monkeypatch):
    pid = open_case(services, nurse, mrn="777", family_name='=HYPERLINK("http://x.invalid","click")',
                    given_name="@SUM(A1)").procedure_id
    services.cases.record_event(nurse, pid, "access", {
        "site": "femoral", "side": "right", "vessel_type": "artery", "approach": "retrograde", "sheath_fr": 6.0,
        "ultrasound_guided": True, "closure": "suture"}, confirm=True)
    services.cases.close_case(nurse, pid, reason="test case")
    _close_and_accept(services, physician, pid)
    win = _window(qtbot, services, physician)
    _choose(win.due_preset, "any")
    monkeypatch.setattr(win, "ask_save_path", lambda *a: tmp_path / "list.csv")
    path = win.export_csv()
    assert path == tmp_path / "list.csv" and "Exported" in win.message_label.text()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:5] == ["due_date", "overdue", "rule", "rule_title", "patient"]
    patients = {r[4] for r in rows[1:]}
    assert patients == {"'=HYPERLINK(\"http://x.invalid\",\"click\"), @SUM(A1)"}  # inert: a leading quote
    assert len(rows) - 1 == len(_rows(win))
    [row] = services.admin.audit_rows(admin, action="export_reminders")
    new = json.loads(row.new_value)
    assert row.username == "doc" and row.entity_id == "list.csv" and new["format"] == "csv"
    assert new["procedure_ids"] == [pid] and new["filters"]["status"] == ["open"]


def test_print_writes_the_filtered_list_as_pdf_audited(qtbot, tmp_path, services, admin, physician, demo,
                                                       monkeypatch):
    from pypdf import PdfReader

    services.settings.set(admin, "lab_name", "St. Elsewhere Cath Lab")
    opened = []
    win = _window(qtbot, services, physician, temp_folder=lambda: tmp_path)
    monkeypatch.setattr(win, "open_file", lambda path: opened.append(path) or True)
    _choose(win.rule_filter, "R3")
    path = win.print_list()
    assert opened == [path] and path.parent == tmp_path
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())
    assert "St. Elsewhere Cath Lab" in text and "Follow-up worklist" in text and "rule R3" in text
    assert "OVERDUE" in text and "not yet reviewed" in text and "4 reminder(s)" in text
    [row] = services.admin.audit_rows(admin, action="print_reminders")
    assert json.loads(row.new_value)["records"] == 4 and row.entity_id == path.name
    monkeypatch.setattr(win, "ask_save_path", lambda *a: tmp_path / "saved.pdf")
    assert win.save_pdf() == tmp_path / "saved.pdf" and (tmp_path / "saved.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("theme", ["light", "dim"])
def test_fits_a_1366x768_screen(qtbot, services, physician, demo, theme):
    from cathlog.ui.theme import apply_theme

    app = QApplication.instance()
    before = app.styleSheet()
    apply_theme(app, theme)  # the theme's 12 pt font, as the program runs
    try:
        win = _window(qtbot, services, physician)
        _choose(win.due_preset, "range")  # the widest filter row
        hint = win.minimumSizeHint()
    finally:
        app.setStyleSheet(before)
    assert hint.width() <= 1200 and hint.height() <= 600  # inside 1366 x 730 with room to spare (1099 x 288 today)
    room = QApplication.primaryScreen().availableGeometry()  # 800 x 800 offscreen: as small as it may be
    assert win.width() <= max(room.width(), hint.width()) and win.height() <= room.height()


def test_the_idle_lock_closes_the_worklist(qtbot, tmp_path, services, physician, demo, monkeypatch):
    main = MainWindow(services, physician, "t", settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(main)
    main.show()
    main.show_worklist()
    win = main.worklist
    assert win.isVisible()
    seen = []
    monkeypatch.setattr(main, "ask_unlock", lambda: seen.append(win.isVisible()) or physician)
    main.lock()
    assert seen == [False]  # nobody's patients on a locked screen
    qtbot.waitUntil(lambda: getattr(main, "worklist", None) is None)


def test_the_first_build_says_how_far_it_is(qtbot, services, physician, demo, monkeypatch):
    """After the upgrade the table is built from every case, in batches, the window saying so."""
    from cathlog.services import followup as followup_service

    monkeypatch.setattr(followup_service, "REBUILD_BATCH", 2)
    monkeypatch.setattr(worklist_ui, "REBUILD_BATCH", 2)
    said = []
    win = WorklistWindow(services, physician, today=lambda: TODAY)
    qtbot.addWidget(win)
    monkeypatch.setattr(win.message_label, "setText", lambda text: said.append(text))
    with services.store.write():  # as the upgrade leaves it: empty, nothing marked
        services.store.db.conn.execute("DELETE FROM worklist_items")
        services.store.db.conn.execute("DELETE FROM worklist_marks")
    win.reload()
    assert said[0] == "Bringing the worklist up to date: 2 of 10 cases…" and said[-1].endswith("10 of 10 cases…")
    assert {r.procedure_id for r in _rows(win) if r.pending} == set(demo["filters"])
