"""Who is signed in at the main window: the idle lock and Lock now, Switch user,
Sign out and Change my password. The same user finds everything as it was; another
user gets their own view, and a half-typed entry is kept for its author alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog

from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.ui.account import ChangePasswordDialog
from cathlog.ui.idle_lock import LockDialog
from cathlog.ui.sign_in import SignInDialog

if TYPE_CHECKING:
    from cathlog.ui.main_window import MainWindow


def ask_unlock(window: MainWindow) -> Actor | None:
    """The lock dialog (tests replace this)."""
    dialog = LockDialog(window.services, window.actor, window, reason=window._lock_reason)
    dialog.exec()
    return dialog.actor


def lock(window: MainWindow, reason: str = "idle") -> None:
    """Hide the pages until someone signs in: the same user finds everything as it was, another
    gets their own view (``switch_user``). ``reason``: idle (the idle lock), lock (Lock now) or
    switch (Switch user)."""
    if window.idle_watch is not None:
        window.idle_watch.locked = True  # no second lock on top of this one
    window._lock_reason = reason
    window.pages.hide()
    window.setWindowTitle("cathlog — locked")
    window.locked.emit()
    actor = None
    while actor is None:
        actor = window.ask_unlock()
    if actor.username != window.actor.username:
        window.switch_user(actor)
    window.pages.show()
    window.setWindowTitle(window._title())
    if window.idle_watch is not None:
        window.idle_watch.unlocked()
    window.unlocked.emit(window.actor.username)


def ask_sign_in(window: MainWindow) -> Actor | None:
    """The sign-in dialog after Sign out, or None when cancelled and quitting was confirmed
    (tests replace this)."""
    dialog = SignInDialog(window.services, window.db_label)
    return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None


def sign_out(window: MainWindow) -> None:
    """Sign out: the window goes and the sign-in dialog comes back; whoever signs in next gets
    their own view (a half-typed entry is kept for its author, as at the lock). Cancelling the
    sign-in asks whether to quit, and quitting closes the window."""
    if window.idle_watch is not None:
        window.idle_watch.locked = True
    window.locked.emit()
    window.hide()
    window.setWindowTitle("cathlog — signed out")
    actor = window.ask_sign_in()
    if actor is None:
        window.close()
        return
    if actor.username != window.actor.username:
        window.switch_user(actor)
    window.setWindowTitle(window._title())
    window.show()
    if window.idle_watch is not None:
        window.idle_watch.unlocked()
    window.unlocked.emit(window.actor.username)
    window.statusBar().showMessage(f"Signed in as {window.actor.display_name}", 5000)


def change_password(window: MainWindow) -> None:
    dialog = ChangePasswordDialog(window.services, window.actor, window)
    dialog.exec()
    if dialog.changed:
        window.statusBar().showMessage("Your password was changed.", 10000)


def switch_user(window: MainWindow, actor: Actor) -> None:
    """Another user's own view; the previous user's half-typed entry is kept for them alone."""
    draft = window.live.form.draft() if window.live.form.isVisible() or window.live.form.kind else None
    if draft:
        window.drafts[window.actor.username] = draft
    old = window.live
    window.actor = actor
    window.live = window._make_live(actor)
    window.pages.insertWidget(1, window.live)
    window.pages.removeWidget(old)
    old.deleteLater()
    window._set_banner()
    window._menus()
    window.setWindowTitle(window._title())
    window.pages.setCurrentIndex(0)
    window.cases.set_actor(actor)
    window.dose.set_actor(actor)
    mine = window.drafts.pop(actor.username, None)
    if mine:
        try:
            window.open_case(mine["procedure_id"])
            if window.live.record is not None:
                window.live.form.restore_draft(window.live.record, mine)
        except CathlogError:
            pass
