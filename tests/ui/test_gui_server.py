"""The window on a PostgreSQL server (issue 17 items 3 and 5): it opens there and logs; two workstations
(two Services on two connections, two users) see each other's entries and cases without a click; a stale
correction is refused by name; what runs on a file only is disabled and says why; the parts not on the
server yet say their refusal in the window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from cathlog.domain.enums import EventKind, Role
from cathlog.domain.errors import DatabaseUnavailable, StoreError
from cathlog.services import Services
from cathlog.store.db import Store
from cathlog.ui.main_window import MainWindow
from tests.conftest import FAST_HASHER, PASSWORD, FakeClock
from tests.helpers import open_case


def _settings(tmp_path):
    return QSettings(str(tmp_path / "lab.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def on_server(pg_db, clock):
    """Workstation A: services on the server."""
    services = Services(Store.open(pg_db.app_url), clock, hasher=FAST_HASHER)
    yield services
    services.close()


@pytest.fixture
def nurse_a(on_server):
    admin = on_server.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
    on_server.auth.add_user(admin, "nurse", "Nina Nurse", Role.NURSE, PASSWORD)
    on_server.auth.add_user(admin, "doc", "Dr. Dora Doc", Role.PHYSICIAN, PASSWORD)
    return on_server.auth.sign_in("nurse", PASSWORD, workstation="cath-lab-1")


@pytest.fixture
def room_b(pg_db, nurse_a):
    """Workstation B: its own Services, its own connection, another user."""
    services = Services(Store.open(pg_db.app_url), FakeClock(), hasher=FAST_HASHER)
    doc = services.auth.sign_in("doc", PASSWORD, workstation="cath-lab-2")
    yield services, doc
    services.close()


@pytest.fixture
def window(qtbot, tmp_path, on_server, nurse_a):
    win = MainWindow(on_server, nurse_a, on_server.store.label, settings=_settings(tmp_path))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.server.listening is True, timeout=10000)
    return win


def _type_note(qtbot, live, text: str) -> None:
    live.new_entry(EventKind.NOTE)
    qtbot.keyClicks(live.form.inputs["text"].editor, text)


def _notes(live) -> list[str]:
    return [h.current.data.get("text") for h in live.record.events if h.current.kind is EventKind.NOTE]


def test_the_window_opens_on_the_server_and_logs_an_entry(qtbot, window, on_server, nurse_a):
    assert window.server.label.text().startswith("Server: cathlog_app@local socket/")
    assert window.server.label.text().endswith("— connected")
    pid = open_case(on_server, nurse_a).procedure_id
    window.cases.reload()
    window.open_case(pid)
    _type_note(qtbot, window.live, "sheath in, 6 Fr")
    window.live.form.submit()
    assert _notes(window.live) == ["sheath in, 6 Fr"]
    stored = on_server.cases.get_record(nurse_a, pid).current_events()
    assert [e.data["text"] for e in stored] == ["sheath in, 6 Fr"]


def test_backups_and_the_file_check_are_the_servers_it_on_a_server(qtbot, window, on_server):
    admin = on_server.auth.sign_in("admin", PASSWORD, workstation="cath-lab-1")
    window.switch_user(admin)
    items = {a.text(): a for m in window._menu_objects for a in m.actions()}
    for name in ("&Back up now…", "&Restore from a backup…"):
        assert not items[name].isEnabled()
        assert "pg_dump" in items[name].toolTip() and "docs/multi-room.md" in items[name].toolTip()
    assert items["&Users and roles…"].isEnabled()
    with qtbot.waitSignal(window.housekeeping.message) as said:
        window.housekeeping.start_background_check()
    assert "pg_dump" in said.args[0]
    assert not window.housekeeping.restore_watch.isActive()


def test_parts_not_on_the_server_say_so_in_the_window(qtbot, window, on_server, nurse_a, monkeypatch):
    """The word search (until it runs on the server) says its refusal under the search box and the list
    shows what the filters let through; side windows say theirs; never a traceback or a dialog per key."""
    open_case(on_server, nurse_a)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: pytest.fail(f"no dialog: {a[2]}"))
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: told.append(a[2]))
    page = window.cases
    page.search.setText("Doe")
    page.reload()  # today the server refuses the words (another part may bring them there): either way no dialog
    assert page.case_model.rowCount() == 1
    assert page.search_note.isVisible() == ("does not run on the PostgreSQL server" in page.search_note.text())
    refusal = StoreError("searching the case list by words does not run on the PostgreSQL server yet")
    real = on_server.cases.list_cases

    def refusing(actor, search=None, **kw):
        if search:
            raise refusal
        return real(actor, search=search, **kw)

    monkeypatch.setattr(on_server.cases, "list_cases", refusing)
    page.search.setText("Do")
    page.reload()
    assert page.search_note.isVisible() and page.search.toolTip() == page.search_note.text()
    assert page.search_note.text() == ("✖ The word search does not work here: searching the case list by words "
                                       "does not run on the PostgreSQL server yet. The list below shows every "
                                       "case the filters let through.")
    assert page.case_model.rowCount() == 1  # the filters still apply
    page.search.clear()
    page.reload()
    assert not page.search_note.isVisible() and "Words in any order" in page.search.toolTip()
    window.show_worklist()
    window.show_dose_inbox()
    opened = [side for side in (window.worklist, window.dose_inbox) if side is not None]
    for side in opened:
        side.close()
    assert len(opened) + len(told) == 2 and all("cannot open here" in text for text in told)


def test_an_entry_from_another_workstation_shows_in_the_open_live_log(qtbot, window, on_server, nurse_a, room_b):
    services_b, doc = room_b
    pid = open_case(on_server, nurse_a).procedure_id
    window.open_case(pid)
    live = window.live
    _type_note(qtbot, live, "half-typed by the nurse")
    services_b.cases.record_event(doc, pid, EventKind.NOTE, {"text": "from room 2"})
    qtbot.waitUntil(lambda: _notes(live) == ["from room 2"], timeout=10000)
    assert live.model.rowCount() == 1
    assert live.form.isVisible() and live.form.inputs["text"].value() == "half-typed by the nurse"
    live.form.submit()  # the nurse's own entry: stored, shown once, the form gone
    assert _notes(live) == ["from room 2", "half-typed by the nurse"]
    assert live.model.rowCount() == 2


def test_a_case_another_workstation_creates_shows_in_the_case_list(qtbot, window, room_b):
    services_b, doc = room_b
    assert window.cases.case_model.rowCount() == 0
    pid = open_case(services_b, doc, "00999").procedure_id
    qtbot.waitUntil(lambda: window.cases.case_model.rowCount() == 1, timeout=10000)
    assert window.cases.case_model.row_object(0).procedure_id == pid


def test_own_saves_do_not_refresh_the_page_again(qtbot, window, on_server, nurse_a):
    pid = open_case(on_server, nurse_a).procedure_id
    window.open_case(pid)
    refreshed = []
    window.server.changed.connect(refreshed.append)
    _type_note(qtbot, window.live, "mine")
    window.live.form.submit()
    head = on_server.connection.head()
    # a change by nobody else: the listener heard the own save and said nothing
    qtbot.waitUntil(lambda: window.server._thread.watch._head == head, timeout=10000)
    assert refreshed == []


def test_a_stale_correction_is_refused_by_name(qtbot, window, on_server, nurse_a, room_b):
    services_b, doc = room_b
    pid = open_case(on_server, nurse_a).procedure_id
    ev = on_server.cases.record_event(nurse_a, pid, EventKind.NOTE, {"text": "first"})
    window.open_case(pid)
    live = window.live
    live.timeline.selectRow(0)
    live.correct_selected()
    editor = live.form.inputs["text"].editor
    editor.clear()
    qtbot.keyClicks(editor, "nurse's correction")
    qtbot.keyClicks(live.form.reason, "typo")
    services_b.cases.correct_event(doc, ev.event_id, {"text": "doctor's correction"}, "clarified")
    qtbot.waitUntil(lambda: _notes(live) == ["doctor's correction"], timeout=10000)
    assert live.form.inputs["text"].value() == "nurse's correction"  # the refresh kept what she typed
    live.form.submit()
    assert "changed meanwhile by doc" in live.form.messages.text()
    assert live.form.isVisible() and live.form.inputs["text"].value() == "nurse's correction"
    assert [e.data["text"] for e in on_server.cases.get_record(nurse_a, pid).current_events()] == \
        ["doctor's correction"]


def test_the_window_starts_on_an_empty_server_with_the_first_admin(qtbot, pg_db, monkeypatch):
    """``cathlog --db postgresql://...``: the first run creates the admin as on a file, the main window
    opens on the server, says where it is connected, and needs no backup folder."""
    from PySide6.QtWidgets import QApplication

    from cathlog import app
    from cathlog.ui import crash
    from cathlog.ui.first_run import FirstRunDialog

    monkeypatch.setattr(crash, "install", lambda path: None)
    monkeypatch.setattr(app, "_quiet_offscreen_warnings", lambda: None)

    def first_run(dialog):
        for field, text in ((dialog.username, "chief"), (dialog.display_name, "Chief Admin"),
                            (dialog.password, PASSWORD), (dialog.password_again, PASSWORD)):
            field.setText(text)
        dialog.ok_button.click()  # the admin; then the nurse and the physician skipped
        dialog.cancel_button.click()
        dialog.cancel_button.click()
        return dialog.result()

    seen = {}

    def run(_app):
        (window,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        qtbot.waitUntil(lambda: window.server.listening is True, timeout=10000)
        seen.update(actor=window.actor.username, line=window.server.label.text(), idle=window.idle_watch,
                    backups=window.housekeeping.backup_folder, banner=window.banner.text())
        window.close()
        return 0

    monkeypatch.setattr(FirstRunDialog, "exec", first_run)
    monkeypatch.setattr(QApplication, "exec", run)
    assert app.run_gui(["--db", pg_db.app_url]) == 0
    assert seen["actor"] == "chief" and seen["backups"] is None
    assert not seen["idle"]._timer.isActive()  # no idle lock over a window that is gone
    assert seen["line"] == f"Server: cathlog_app@local socket/{pg_db.name} — connected"
    assert seen["banner"].endswith(f" · cathlog_app@local socket/{pg_db.name}")


def test_a_server_that_cannot_be_reached_is_said_before_any_window(qtbot, tmp_path, monkeypatch):
    from cathlog import app
    from cathlog.ui import crash

    monkeypatch.setattr(crash, "install", lambda path: None)
    monkeypatch.setattr(app, "_quiet_offscreen_warnings", lambda: None)
    said = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: said.append((a[1], a[2])))
    url = f"postgresql://cathlog_app:secret@/cathlog?host={tmp_path}&port=9"
    assert app.run_gui(["--db", url]) == 1
    ((title, text),) = said
    assert title == "cathlog cannot open its database server"
    assert "cannot connect to the database server" in text and "secret" not in text


@pytest.fixture(scope="module")
def own_cluster():
    """A cluster of this module's own, stopped and started again by the outage test (the session's cluster
    is shared with every other test)."""
    from tests.pg import start_cluster

    cluster = start_cluster()
    yield cluster
    cluster.stop()


def _server(cluster, state: str) -> None:
    """Stop the whole server, or start it again on the same socket (tests/pg.py's settings)."""
    if state == "stop":
        cluster._run("pg_ctl", "-D", str(cluster.data), "-m", "fast", "-w", "stop")
        return
    options = (f"-c listen_addresses='' -c unix_socket_directories='{cluster.root}' -c port={cluster.port} "
               "-c max_connections=60 -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    cluster._run("pg_ctl", "-D", str(cluster.data), "-l", str(cluster.root / "server.log"), "-w", "-t", "60",
                 "-o", options, "start")


def test_the_server_gone_mid_case_refuses_at_once_keeps_the_input_and_says_so(qtbot, tmp_path, own_cluster, clock):
    database = own_cluster.new_database()
    services = Services(Store.open(database.app_url), clock, hasher=FAST_HASHER)
    try:
        admin = services.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
        services.auth.add_user(admin, "nurse", "Nina Nurse", Role.NURSE, PASSWORD)
        nurse = services.auth.sign_in("nurse", PASSWORD, workstation="cath-lab-1")
        pid = open_case(services, nurse).procedure_id
        win = MainWindow(services, nurse, services.store.label, settings=_settings(tmp_path))
        qtbot.addWidget(win)
        win.show()
        line = win.server.label
        qtbot.waitUntil(lambda: win.server.listening is True, timeout=10000)
        win.open_case(pid)
        live = win.live
        _type_note(qtbot, live, "heparin 5000 units given")
        _server(own_cluster, "stop")
        try:
            live.form.submit()
            # refused at once, by name; the input kept in its form; the status bar says so, no waiting
            assert "cannot be reached" in live.form.messages.text()
            assert live.form.isVisible() and live.form.inputs["text"].value() == "heparin 5000 units given"
            assert line.text().startswith("Server unreachable since ")
            assert line.text().endswith("— saves are refused, your input is kept")
            assert _notes(live) == []
        finally:
            _server(own_cluster, "start")
        qtbot.waitUntil(lambda: line.text().endswith("— connected"), timeout=15000)
        live.form.submit()
        assert not live.form.isVisible() and _notes(live) == ["heparin 5000 units given"]
        assert [e.data["text"] for e in services.cases.get_record(nurse, pid).current_events()] == \
            ["heparin 5000 units given"]
        win.close()
    finally:
        services.close()
        own_cluster.drop_database(database)


def test_without_its_listener_the_window_checks_every_few_seconds_and_says_so(qtbot, window, on_server, nurse_a,
                                                                             room_b, pg_cluster, pg_db):
    services_b, doc = room_b
    pid = open_case(on_server, nurse_a).procedure_id
    window.open_case(pid)
    line, listener = window.server.label, window.server._thread.watch.listener
    real_connect, refusing = listener.connect, [True]

    def connect():  # a listening connection the server will not give (say, a pooler in between)
        if refusing:
            raise DatabaseUnavailable("cannot listen for changes here")
        real_connect()

    listener.connect = connect
    window.server._poll.setInterval(100)
    with pg_cluster.admin() as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND "
                      "application_name = 'cathlog changes'", [pg_db.name])
    qtbot.waitUntil(lambda: "live updates lost, checking for changes every 5 s" in line.text(), timeout=10000)
    assert line.text().startswith("Server: cathlog_app@local socket/") and "cannot listen" in line.toolTip()
    qtbot.waitUntil(lambda: window.server._head is not None, timeout=5000)
    services_b.cases.record_event(doc, pid, EventKind.NOTE, {"text": "seen by polling"})
    qtbot.waitUntil(lambda: _notes(window.live) == ["seen by polling"], timeout=10000)
    refusing.clear()
    qtbot.waitUntil(lambda: line.text().endswith("— connected"), timeout=10000)
