"""The shell's account menu and role-aware menus (issue 12 items 1 and 2): disabled items say why,
Lock now (Ctrl+L), Switch user, Sign out, Change my password, and a window title that says who is
signed in."""

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from cathlog.domain.enums import EventKind
from cathlog.ui.account import ChangePasswordDialog
from cathlog.ui.main_window import MainWindow
from cathlog.ui.sign_in import SignInDialog
from tests.conftest import PASSWORD
from tests.helpers import open_case


def _window(qtbot, tmp_path, services, actor):
    window = MainWindow(services, actor, "t.db",
                        settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    return window


def _action(window, menu_title, text):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == menu_title)
    return next(a for a in menu.actions() if a.text() == text)


def test_admin_sees_new_case_disabled_with_the_reason(qtbot, tmp_path, services, admin):
    window = _window(qtbot, tmp_path, services, admin)
    new_case = _action(window, "&File", "&New case…")
    assert not new_case.isEnabled() and new_case.toolTip() == "Only a nurse or physician opens cases"
    assert all(a.menu().toolTipsVisible() for a in window.menuBar().actions())
    assert window.windowTitle() == "cathlog — Ada Admin (admin)"


def test_nurse_may_open_cases_and_every_role_has_the_account_menu(qtbot, tmp_path, services, nurse):
    window = _window(qtbot, tmp_path, services, nurse)
    assert _action(window, "&File", "&New case…").isEnabled()
    account = [a.text() for a in next(a.menu() for a in window.menuBar().actions()
                                      if a.text() == "A&ccount").actions() if not a.isSeparator()]
    assert account == ["&Lock now", "S&witch user…", "Sign &out…", "&Change my password…"]
    assert _action(window, "A&ccount", "&Lock now").shortcut() == QKeySequence("Ctrl+L")


def test_ctrl_l_locks_now_and_the_same_user_unlocks(qtbot, tmp_path, services, nurse):
    window = _window(qtbot, tmp_path, services, nurse)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    window.cases.case_view.setFocus()
    seen = []

    def unlock():
        seen.append((window._lock_reason, window.windowTitle(), window.pages.isVisible()))
        return nurse

    window.ask_unlock = unlock
    with qtbot.waitSignal(window.unlocked, timeout=3000):
        qtbot.keyClick(window.cases.case_view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert seen == [("lock", "cathlog — locked", False)]
    assert window.pages.isVisible() and window.windowTitle() == "cathlog — Nina Nurse (nurse)"


def test_switch_user_gives_the_next_user_their_view_and_title(qtbot, tmp_path, services, nurse, physician):
    proc = open_case(services, nurse)
    window = _window(qtbot, tmp_path, services, nurse)
    window.open_case(proc.procedure_id)
    window.live.new_entry(EventKind.ACT)
    window.live.form.inputs["act_s"].editor.setText("27")
    reasons = []
    window.ask_unlock = lambda: reasons.append(window._lock_reason) or physician
    _action(window, "A&ccount", "S&witch user…").trigger()
    assert reasons == ["switch"] and window.actor.username == "doc"
    assert window.windowTitle() == "cathlog — Dr. Dora Doc (physician)" and "Dr. Dora Doc" in window.banner.text()
    assert window.live.form.kind is None and window.drafts["nurse"]["procedure_id"] == proc.procedure_id


def test_sign_out_returns_to_sign_in_and_keeps_the_half_typed_entry(qtbot, tmp_path, services, nurse, physician):
    proc = open_case(services, nurse)
    window = _window(qtbot, tmp_path, services, nurse)
    window.show()
    window.open_case(proc.procedure_id)
    window.live.new_entry(EventKind.ACT)
    window.live.form.inputs["act_s"].editor.setText("27")
    during = []
    window.ask_sign_in = lambda: during.append((window.isVisible(), window.windowTitle())) or physician
    _action(window, "A&ccount", "Sign &out…").trigger()
    assert during == [(False, "cathlog — signed out")]
    assert window.isVisible() and window.actor.username == "doc"
    assert window.windowTitle() == "cathlog — Dr. Dora Doc (physician)"
    window.ask_sign_in = lambda: nurse
    window.sign_out()
    assert window.windowTitle() == "cathlog — Nina Nurse (nurse)"
    assert window.live.form.kind is EventKind.ACT and window.live.form.inputs["act_s"].editor.text() == "27"


def test_sign_out_then_quitting_closes_the_window(qtbot, tmp_path, services, nurse):
    window = _window(qtbot, tmp_path, services, nurse)
    window.show()
    window.ask_sign_in = lambda: None  # cancelled and "Quit cathlog?" answered Yes
    window.sign_out()
    assert not window.isVisible()


def test_sign_out_uses_the_real_sign_in_dialog(qtbot, tmp_path, services, nurse, physician, monkeypatch):
    window = _window(qtbot, tmp_path, services, nurse)

    def exec_(dialog):
        assert dialog.focusWidget() in (None, dialog.username)
        dialog.username.setText("doc")
        dialog.password.setText(PASSWORD)
        dialog.ok_button.click()
        return dialog.result()

    monkeypatch.setattr(SignInDialog, "exec", exec_)
    window.sign_out()
    assert window.actor.username == "doc" and window.isVisible()


@pytest.mark.parametrize("who", ["admin", "nurse", "physician"])
def test_change_my_password_from_the_menu(qtbot, tmp_path, services, request, monkeypatch, who):
    actor = request.getfixturevalue(who)
    window = _window(qtbot, tmp_path, services, actor)
    shown = []

    def exec_(dialog):
        dialog.show()
        qtbot.waitExposed(dialog)
        shown.append(dialog.focusWidget() is dialog.old)
        for field, text in ((dialog.old, "not my password"), (dialog.new, "a fresh long password"),
                            (dialog.again, "a fresh long password")):
            qtbot.keyClicks(field, text)
            qtbot.keyClick(field, Qt.Key.Key_Return)
        shown.append(dialog.error.text())
        assert dialog.isVisible() and dialog.focusWidget() is dialog.old and dialog.new.text() == ""
        for field, text in ((dialog.old, PASSWORD), (dialog.new, "a fresh long password"),
                            (dialog.again, "a fresh long passwort")):
            field.setText(text)
        dialog.ok_button.click()
        shown.append(dialog.error.text())
        for field, text in ((dialog.old, PASSWORD), (dialog.new, "a fresh long password"),
                            (dialog.again, "a fresh long password")):
            qtbot.keyClicks(field, text)
        qtbot.keyClick(dialog.again, Qt.Key.Key_Return)
        return dialog.result()

    monkeypatch.setattr(ChangePasswordDialog, "exec", exec_)
    _action(window, "A&ccount", "&Change my password…").trigger()
    assert shown[0] is True and "old password is wrong" in shown[1] and "differ" in shown[2]
    assert window.statusBar().currentMessage() == "Your password was changed."
    assert services.auth.sign_in(actor.username, "a fresh long password").username == actor.username
