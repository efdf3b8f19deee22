"""Idle lock (S3): a fake monotonic clock drives it; the draft is kept for its
author only."""

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from cathlog.domain.enums import EventKind
from cathlog.ui.idle_lock import IdleWatch
from cathlog.ui.main_window import MainWindow
from tests.helpers import open_case


class Monotonic:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def _window(qtbot, tmp_path, services, actor, watch):
    win = MainWindow(services, actor, "t", settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                     idle_watch=watch)
    qtbot.addWidget(win)
    return win


def test_locks_after_the_idle_time_not_before(qtbot, tmp_path, services, nurse):
    clock = Monotonic()
    watch = IdleWatch(300, clock=clock, check_ms=60_000)
    fired = []
    watch.idle.connect(lambda: fired.append(clock.t))
    clock.t += 299
    watch.check()
    assert not fired
    clock.t += 1
    watch.check()
    watch.check()
    assert fired == [1300.0]  # once
    watch.unlocked()
    clock.t += 100
    watch.check()
    assert len(fired) == 1
    watch.stop()


def test_same_user_unlocks_and_finds_the_draft(qtbot, tmp_path, services, nurse):
    clock = Monotonic()
    watch = IdleWatch(300, clock=clock, check_ms=60_000)
    proc = open_case(services, nurse)
    win = _window(qtbot, tmp_path, services, nurse, watch)
    win.open_case(proc.procedure_id)
    win.live.new_entry(EventKind.ACT)
    win.live.form.inputs["act_s"].editor.setText("27")  # half typed
    win.ask_unlock = lambda: nurse
    clock.t += 301
    with qtbot.waitSignal(win.unlocked, timeout=3000) as blocker:
        watch.check()
    assert blocker.args == ["nurse"]
    assert win.live.form.inputs["act_s"].editor.text() == "27"
    watch.stop()


def test_another_user_gets_their_own_view_and_the_draft_waits(qtbot, tmp_path, services, nurse, physician):
    clock = Monotonic()
    watch = IdleWatch(300, clock=clock, check_ms=60_000)
    proc = open_case(services, nurse)
    win = _window(qtbot, tmp_path, services, nurse, watch)
    win.open_case(proc.procedure_id)
    win.live.new_entry(EventKind.ACT)
    win.live.form.inputs["act_s"].editor.setText("27")
    win.ask_unlock = lambda: physician
    clock.t += 301
    watch.check()
    assert win.actor.username == "doc" and win.pages.currentIndex() == 0
    assert win.live.form.kind is None  # the nurse's half-typed ACT is not shown to the physician
    assert "Dr. Dora Doc" in win.banner.text()
    win.ask_unlock = lambda: nurse
    clock.t += 301
    watch.check()
    assert win.actor.username == "nurse"
    assert win.live.form.kind is EventKind.ACT and win.live.form.inputs["act_s"].editor.text() == "27"
    watch.stop()


def test_typing_and_the_mouse_in_a_window_count_as_activity(qtbot):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtWidgets import QLineEdit

    clock = Monotonic()
    watch = IdleWatch(300, clock=clock, check_ms=60_000)
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    edit.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWindow() is edit.windowHandle())
    start = watch.last_activity
    clock.t += 200
    qtbot.keyClick(edit.windowHandle(), Qt.Key.Key_A)  # as the platform delivers it: to the window first
    assert watch.last_activity == start + 200
    clock.t += 50
    qtbot.mouseClick(edit.windowHandle(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert watch.last_activity == start + 250
    watch.stop()
