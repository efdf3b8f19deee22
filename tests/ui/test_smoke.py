"""Qt works on CI: the main window opens on a fresh database, the first-run
dialog creates the admin, sign-in refuses a wrong password in the dialog."""
from cathlog.ui.sign_in import FirstRunDialog, SignInDialog
from cathlog.ui.main_window import MainWindow
from cathlog.ui.case_list_model import CaseTableModel
from cathlog.ui.models import EventTableModel
from tests.conftest import PASSWORD


def test_main_window_opens_on_a_fresh_database(qtbot, services, admin):
    window = MainWindow(services, admin, "test.db")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.cases.case_model.rowCount() == 0
    assert "No cases yet" in window.cases.empty.text()


def test_case_list_search_and_record_view(qtbot, qtmodeltester, services, admin):
    services.demo.load(admin, 5, seed=3)
    window = MainWindow(services, admin, "test.db")
    qtbot.addWidget(window)
    window.show()
    assert window.cases.case_model.rowCount() == 5
    qtmodeltester.check(window.cases.case_model)
    target = window.cases.case_model.row_object(2)
    with qtbot.waitSignal(window.cases.cases_loaded, timeout=3000) as blocker:
        qtbot.keyClicks(window.cases.search, target.mrn)
    assert blocker.args == [1]
    with qtbot.waitSignal(window.cases.case_selected, timeout=3000):
        window.cases.case_view.selectRow(0)
    assert target.mrn in window.cases.header.text()
    assert window.cases.event_model.rowCount() >= 10
    qtmodeltester.check(window.cases.event_model)


def test_search_with_sql_metacharacters_matches_literally(qtbot, services, admin):
    services.demo.load(admin, 3, seed=4)
    window = MainWindow(services, admin, "test.db")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.cases.cases_loaded, timeout=3000) as blocker:
        qtbot.keyClicks(window.cases.search, "' OR 1=1 --")
    assert blocker.args == [0]
    with qtbot.waitSignal(window.cases.cases_loaded, timeout=3000) as blocker:
        window.cases.search.setText("%")
    assert blocker.args == [0]


def test_void_is_struck_through(qtbot, qtmodeltester, services, admin, nurse):
    from tests.helpers import open_case
    from PySide6.QtCore import Qt

    proc = open_case(services, nurse)
    ev = services.cases.record_event(nurse, proc.procedure_id, "note", {"text": "oops"})
    services.cases.void_event(nurse, ev.event_id, reason="wrong case")
    model = EventTableModel()
    model.set_rows(services.cases.get_record(nurse, proc.procedure_id).events)
    qtmodeltester.check(model)
    index = model.index(0, 2)
    assert model.data(index).startswith("VOID: oops")
    assert model.data(index, Qt.ItemDataRole.FontRole).strikeOut()
    assert "wrong case" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert CaseTableModel().rowCount() == 0


def test_first_run_dialog_creates_the_admin(qtbot, services):
    dialog = FirstRunDialog(services, "new.db")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username, "chief")
    qtbot.keyClicks(dialog.display_name, "Chief Admin")
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClicks(dialog.password_again, "different password")
    dialog._submit()
    assert "differ" in dialog.error.text() and dialog.actor is None
    assert dialog.password.text() == dialog.password_again.text() == ""  # both typed again after a refusal
    dialog.password.setText(PASSWORD)
    dialog.password_again.setText(PASSWORD)
    dialog._submit()
    assert dialog.actor.username == "chief" and services.auth.has_users()
    dialog.cancel_button.click()  # skip the nurse (tests/ui/test_first_run.py goes through every step)
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        dialog.cancel_button.click()  # skip the physician


def test_sign_in_dialog_says_why_and_clears_the_password(qtbot, services, admin):
    dialog = SignInDialog(services, "x.db")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username, "admin")
    qtbot.keyClicks(dialog.password, "wrong password")
    dialog._submit()
    assert "wrong user name or password" in dialog.error.text() and dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        dialog._submit()
    assert dialog.actor.username == "admin"
