"""The windows the main window opens beside itself: the follow-up worklist and the
dose-report inbox, one of each, of the signed-in user, closed at the lock (a locked
screen shows no patient); and what a received dose report changes on screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QMessageBox

from cathlog.domain.errors import CathlogError

if TYPE_CHECKING:
    from cathlog.ui.dose_inbox import DoseInboxWindow
    from cathlog.ui.main_window import MainWindow


def _side_window(main: MainWindow, attr: str, make: Callable[[], QMainWindow]) -> tuple[Any, bool]:
    """The open side window kept in ``main.<attr>`` (closed and made again when another user signed in
    since), or a new one: deleted on close, closed at the lock (a locked screen shows no patient) and
    forgotten when gone. Returns it and whether it is new."""
    window = getattr(main, attr)
    if window is not None and window.actor.username != main.actor.username:
        window.close()
        window = None
    if window is not None:
        return window, False
    try:
        window = make()
    except CathlogError as exc:  # a part not on the server yet, say: its refusal in words, no traceback
        QMessageBox.information(main, "cathlog", f"This window cannot open here: {exc}")
        return None, False
    setattr(main, attr, window)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    main.locked.connect(window.close)
    window.destroyed.connect(lambda *_: setattr(main, attr, None) if getattr(main, attr) is window else None)
    return window, True


def show_worklist(main: MainWindow) -> None:
    """The follow-up worklist, a window of its own beside the main one (one, of the signed-in user)."""
    from cathlog.ui.worklist import WorklistWindow

    window, new = _side_window(main, "worklist", lambda: WorklistWindow(
        main.services, main.actor, main, temp_folder=main.housekeeping.temp_folder))
    if window is None:
        return
    if new:
        window.open_case_requested.connect(main.open_case)
    window.show()
    window.activateWindow()  # brought to the front when already open


def show_dose_inbox(main: MainWindow) -> DoseInboxWindow | None:
    """The dose reports waiting for a case, a window of its own beside the main one (None when it
    cannot open here: the refusal was said)."""
    from cathlog.ui.dose_inbox import DoseInboxWindow

    window, new = _side_window(main, "dose_inbox", lambda: DoseInboxWindow(main.services, main.actor, main))
    if window is None:
        return None
    if new:
        window.changed.connect(main._dose_changed)
    else:
        window.reload()
    window.show()
    window.activateWindow()
    return window


def import_dose(main: MainWindow) -> None:
    window = show_dose_inbox(main)
    if window is not None:
        window.import_files()


def dose_received(main: MainWindow, message: str) -> None:
    main.statusBar().showMessage(f"Dose report: {message}", 15000)
    dose_changed(main)


def dose_changed(main: MainWindow) -> None:
    """A report was recorded or the inbox changed: the open case and the lists show it."""
    main.dose.refresh()
    if main.pages.currentWidget() is main.live and main.live.record is not None and not main.live.form.is_dirty():
        main.live.reload()
    window = main.dose_inbox
    if window is not None and window.isVisible():
        window.reload()
