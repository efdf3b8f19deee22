"""First run and sign-in through the real dialogs (issue 12 items 1 and 3): the first run goes on to
the first nurse and physician (each may be skipped), the dialogs open on the first empty field,
Enter moves on and submits only a complete form, and cancelling asks before cathlog quits."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLayout, QMessageBox

from cathlog.domain.enums import Role
from cathlog.ui.idle_lock import LockDialog
from cathlog.ui.sign_in import QUIT_QUESTION, FirstRunDialog, SignInDialog
from tests.conftest import PASSWORD


def _show(qtbot, dialog):
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _type_and_enter(qtbot, dialog, text):
    """Type into whatever has focus, then press Enter there."""
    field = dialog.focusWidget()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    return field


def test_first_run_creates_admin_nurse_and_physician_from_the_keyboard(qtbot, services):
    dialog = _show(qtbot, FirstRunDialog(services, "new.db"))
    assert dialog.focusWidget() is dialog.username and "Step 1 of 3" in dialog.step_label.text()
    for text in ("chief", "Chief Admin", PASSWORD, PASSWORD):
        _type_and_enter(qtbot, dialog, text)
    assert dialog.actor is not None and dialog.actor.username == "chief" and dialog.isVisible()
    assert "Step 2 of 3" in dialog.step_label.text() and "Admin → Users and roles" in dialog.intro.text()
    assert dialog.cancel_button.text() == "Skip the nurse" and "'chief'" in dialog.done_label.text()
    assert dialog.focusWidget() is dialog.username and dialog.username.text() == ""
    for text in ("kwalsh", "RN Kate Walsh", PASSWORD, PASSWORD):
        _type_and_enter(qtbot, dialog, text)
    assert "Step 3 of 3" in dialog.step_label.text() and dialog.ok_button.text() == "Create physician"
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        for text in ("ddoc", "Dr. Dora Doc", PASSWORD, PASSWORD):
            _type_and_enter(qtbot, dialog, text)
    users = {u.username: (u.role, u.display_name) for u in services.auth.list_users(dialog.actor)}
    assert users == {"chief": (Role.ADMIN, "Chief Admin"), "kwalsh": (Role.NURSE, "RN Kate Walsh"),
                     "ddoc": (Role.PHYSICIAN, "Dr. Dora Doc")}
    assert dialog.created == [(Role.ADMIN, "chief"), (Role.NURSE, "kwalsh"), (Role.PHYSICIAN, "ddoc")]


def test_first_run_steps_can_be_skipped_and_a_refusal_stays_on_its_step(qtbot, services):
    dialog = _show(qtbot, FirstRunDialog(services, "new.db"))
    dialog.demo.setChecked(True)
    for field, text in ((dialog.username, "chief"), (dialog.password, PASSWORD), (dialog.password_again, PASSWORD)):
        field.setText(text)
    dialog.ok_button.click()
    assert dialog.step is Role.NURSE and not dialog.demo.isVisibleTo(dialog)
    assert "25 demo cases loaded" in dialog.done_label.text()
    dialog.username.setText("nurse")
    dialog.password.setText("short")
    dialog.password_again.setText("short")
    dialog.ok_button.click()
    assert dialog.step is Role.NURSE and "at least 8" in dialog.error.text() and dialog.error.isVisible()
    assert dialog.username.text() == "nurse" and dialog.password.text() == ""  # the name kept, passwords again
    dialog.cancel_button.click()  # skip the nurse
    assert dialog.step is Role.PHYSICIAN and not dialog.error.isVisible()
    qtbot.keyClick(dialog.username, Qt.Key.Key_Escape)  # Escape is Skip too, here: finishes
    assert dialog.result() == FirstRunDialog.DialogCode.Accepted and dialog.actor.username == "chief"
    users = [u.username for u in services.auth.list_users(dialog.actor)]
    assert "chief" in users and not {"nurse", "doc"} & set(users)
    assert len(services.cases.list_cases(dialog.actor)) == 25


def test_closing_the_window_after_the_admin_exists_signs_in_as_the_admin(qtbot, services):
    dialog = _show(qtbot, FirstRunDialog(services, "new.db"))
    for field in (dialog.password, dialog.password_again):
        field.setText(PASSWORD)
    dialog.username.setText("chief")
    dialog.ok_button.click()
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        dialog.close()
    assert dialog.actor.username == "chief"


def test_enter_moves_on_and_never_submits_a_half_form(qtbot, services, admin):
    dialog = _show(qtbot, SignInDialog(services, "x.db"))
    assert dialog.focusWidget() is dialog.username
    qtbot.keyClick(dialog.username, Qt.Key.Key_Return)  # empty: stays, nothing happens
    assert dialog.focusWidget() is dialog.username and dialog.isVisible() and not dialog.error.isVisible()
    _type_and_enter(qtbot, dialog, "admin")
    assert dialog.focusWidget() is dialog.password and dialog.isVisible()
    qtbot.keyClick(dialog.password, Qt.Key.Key_Enter)  # keypad Enter, still empty: stays
    assert dialog.isVisible() and dialog.actor is None
    _type_and_enter(qtbot, dialog, "wrong password")
    assert "wrong user name or password" in dialog.error.text() and dialog.focusWidget() is dialog.password
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        _type_and_enter(qtbot, dialog, PASSWORD)
    assert dialog.actor.username == "admin"


def test_tab_order_goes_through_the_fields_then_the_buttons(qtbot, services):
    dialog = _show(qtbot, SignInDialog(services, "x.db"))
    order = [dialog.username]
    widget = dialog.username
    for _ in range(3):
        widget = widget.nextInFocusChain()
        while not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) or not widget.isVisibleTo(dialog):
            widget = widget.nextInFocusChain()
        order.append(widget)
    assert order == [dialog.username, dialog.password, dialog.ok_button, dialog.cancel_button]


def test_a_filled_user_name_puts_focus_on_the_password(qtbot, services):
    dialog = _show(qtbot, SignInDialog(services, "x.db", username="nurse"))
    assert dialog.focusWidget() is dialog.password


@pytest.mark.parametrize("answer, stays", [(QMessageBox.StandardButton.No, True),
                                           (QMessageBox.StandardButton.Yes, False)])
def test_cancel_and_escape_ask_before_quitting(qtbot, services, monkeypatch, answer, stays):
    asked = []

    def question(parent, title, text, *args):
        asked.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    for dialog in (SignInDialog(services, "x.db"), FirstRunDialog(services, "new.db")):
        _show(qtbot, dialog)
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)
        assert dialog.isVisible() is stays
        if stays:
            dialog.cancel_button.click()
            assert dialog.isVisible()
            dialog.done(0)
    assert asked and all(QUIT_QUESTION in text for text in asked)


def test_sign_in_dialogs_are_fixed_to_their_contents(qtbot, services, nurse):
    """No resize handle: the window manager drew it as a stray line under the buttons."""
    for dialog in (SignInDialog(services, "x.db"), FirstRunDialog(services, "new.db"),
                   LockDialog(services, nurse, reason="idle")):
        _show(qtbot, dialog)
        assert dialog.layout().sizeConstraint() is QLayout.SizeConstraint.SetFixedSize
        assert dialog.minimumSize() == dialog.maximumSize()
        assert dialog.height() <= 730 and dialog.width() <= 1360
        dialog.done(0)


def test_lock_dialog_opens_on_the_password_and_enter_unlocks_only_when_filled(qtbot, services, nurse):
    dialog = _show(qtbot, LockDialog(services, nurse, reason="lock"))
    assert dialog.focusWidget() is dialog.password and dialog.username.text() == "nurse"
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.isVisible() and not dialog.error.isVisible()
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        _type_and_enter(qtbot, dialog, PASSWORD)
    assert dialog.actor.username == "nurse"


def test_switch_user_dialog_starts_empty_for_the_next_user(qtbot, services, nurse, physician):
    dialog = _show(qtbot, LockDialog(services, nurse, reason="switch"))
    assert dialog.username.text() == "" and dialog.focusWidget() is dialog.username
    assert dialog.unlock_button.text() == "Sign in"
    qtbot.keyClick(dialog.username, Qt.Key.Key_Escape)  # Escape never unlocks
    assert dialog.isVisible()
    _type_and_enter(qtbot, dialog, "doc")
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        _type_and_enter(qtbot, dialog, PASSWORD)
    assert dialog.actor.username == "doc"


@pytest.mark.parametrize("quit_answer", [QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No])
def test_start_up_never_quits_without_a_word(qtbot, tmp_path, monkeypatch, quit_answer):
    """Escape in the first-run dialog at start-up asks "Quit cathlog?"; No keeps the dialog open."""
    from cathlog import app
    from cathlog.ui import crash

    monkeypatch.setattr(crash, "install", lambda path: None)
    monkeypatch.setattr(app, "_quiet_offscreen_warnings", lambda: None)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or quit_answer)
    states = []

    def exec_(dialog):
        dialog.show()
        qtbot.waitExposed(dialog)
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)
        states.append(dialog.isVisible())
        dialog.done(0)
        return dialog.result()

    monkeypatch.setattr(FirstRunDialog, "exec", exec_)
    assert app.run_gui(["--db", str(tmp_path / "new.db")]) == 0
    assert len(asked) == 1 and QUIT_QUESTION in asked[0]
    assert states == [quit_answer == QMessageBox.StandardButton.No]


def test_the_database_opens_only_after_the_sign_in_window_is_drawn(qtbot, tmp_path, monkeypatch, admin):
    """Start-up (issue 18 item 5): the user sees the sign-in window first; the services and the
    file open right after it is drawn, while the user types, not before."""
    from cathlog import app
    from cathlog.ui import crash

    monkeypatch.setattr(crash, "install", lambda path: None)
    monkeypatch.setattr(app, "_quiet_offscreen_warnings", lambda: None)
    when_drawn = []

    def exec_(dialog):
        lazy = dialog._services
        dialog.first_painted.connect(lambda: when_drawn.append(lazy.opened))  # direct: at the paint itself
        dialog.show()
        qtbot.waitUntil(lambda: bool(when_drawn))
        qtbot.waitUntil(lambda: lazy.opened)  # then it opens, without anyone pressing a key
        dialog.done(0)
        return dialog.result()

    monkeypatch.setattr(SignInDialog, "exec", exec_)
    assert app.run_gui(["--db", str(tmp_path / "cathlog.db")]) == 0
    assert when_drawn == [False]
