"""The windows the main window opens beside itself: the follow-up worklist and the
dose-report inbox, one of each, of the signed-in user, closed at the lock (a locked
screen shows no patient); and what a received dose report changes on screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

if TYPE_CHECKING:
    from cathlog.ui.dose_inbox import DoseInboxWindow
    from cathlog.ui.main_window import MainWindow


def show_worklist(main: MainWindow) -> None:
    """The follow-up worklist, a window of its own beside the main one (one, of the signed-in user)."""
    from cathlog.ui.worklist import WorklistWindow

    window = main.worklist
    if window is not None and window.actor.username != main.actor.username:
        window.close()
        window = None
    if window is None:
        window = main.worklist = WorklistWindow(main.services, main.actor, main,
                                                temp_folder=main.housekeeping.temp_folder)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.open_case_requested.connect(main.open_case)
        main.locked.connect(window.close)  # a locked screen shows no patient
        window.destroyed.connect(lambda *_: setattr(main, "worklist", None) if main.worklist is window else None)
    window.show()
    window.activateWindow()  # brought to the front when already open


def show_dose_inbox(main: MainWindow) -> DoseInboxWindow:
    """The dose reports waiting for a case, a window of its own beside the main one."""
    from cathlog.ui.dose_inbox import DoseInboxWindow

    window = main.dose_inbox
    if window is not None and window.actor.username != main.actor.username:
        window.close()
        window = None
    if window is None:
        window = main.dose_inbox = DoseInboxWindow(main.services, main.actor, main)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.changed.connect(main._dose_changed)
        main.locked.connect(window.close)  # a locked screen shows no patient
        window.destroyed.connect(
            lambda *_: setattr(main, "dose_inbox", None) if main.dose_inbox is window else None)
    else:
        window.reload()
    window.show()
    window.activateWindow()
    return window


def import_dose(main: MainWindow) -> None:
    show_dose_inbox(main).import_files()


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
