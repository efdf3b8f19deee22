"""The physician's review screen: outcome and plan, reminders, signature, PDFs."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QPlainTextEdit, QTableWidgetItem

from cathlog.domain.enums import EventKind, ProcedureStatus
from cathlog.ui import review_text
from cathlog.ui.review import ReviewDialog
from tests.conftest import PASSWORD


def _venous_case(services, admin, physician):
    ids = services.demo.load(admin, 5, seed=5)
    pid = next(p for p in ids if services.cases.get_record(admin, p).procedure.category == "venous")
    if services.cases.get_record(admin, pid).procedure.status is ProcedureStatus.OPEN:
        services.cases.close_case(physician, pid)
    return pid


def answer_forms(monkeypatch, qtbot, *answers):
    """Each text form the dialog opens is filled through its real editors with the next answer
    ({field: text}, lines typed with Enter between them), then OK is clicked; None cancels it."""
    queue = list(answers)
    seen = []

    def run(form):
        seen.append(form)
        answer = queue.pop(0)
        if answer is None:
            qtbot.mouseClick(form.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
            return False
        for name, text in answer.items():
            editor = form.editors[name]
            editor.selectAll()
            qtbot.keyClick(editor, Qt.Key.Key_Delete)
            for i, line in enumerate(text.split("\n")):
                if i:
                    qtbot.keyClick(editor, Qt.Key.Key_Return)
                qtbot.keyClicks(editor, line)
        qtbot.mouseClick(form.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
        return form.result() == form.DialogCode.Accepted

    monkeypatch.setattr(review_text, "run", run)
    return seen


def _saved_review(qtbot, dialog):
    dialog.success.setCurrentIndex(dialog.success.findData(True))
    qtbot.keyClicks(dialog.residual, "10")
    row = dialog.plan.add_line()
    dialog.plan.cellWidget(row, 0).setCurrentText("rivaroxaban")
    for j, text in ((1, "20 mg once daily"), (2, "6")):
        dialog.plan.setItem(row, j, QTableWidgetItem(text))
    unit = dialog.plan.cellWidget(row, 3)
    unit.setCurrentIndex(unit.findData("months"))
    assert dialog.save_review()


@pytest.fixture
def review(qtbot, services, admin, physician):
    pid = _venous_case(services, admin, physician)
    dialog = ReviewDialog(services, physician, pid)
    qtbot.addWidget(dialog)
    return dialog


def test_review_accept_sign_and_save_pdfs(qtbot, review, services, physician, tmp_path, monkeypatch):
    pid = review.procedure_id
    _saved_review(qtbot, review)
    saved = services.review.get_review(physician, pid)
    assert saved.residual_stenosis_pct == 10 and saved.plan[0].duration_months == 6
    rules = [s.rule_id for s in review._suggestions]
    assert "R3" in rules and "R5" in rules and "R4" in rules
    review.suggested.selectRow(0)
    forms = answer_forms(monkeypatch, qtbot, {"reason": "not needed:\nseen in clinic"})
    review.dismiss_selected()
    assert isinstance(forms[0].editors["reason"], QPlainTextEdit)
    review.accept_all()
    assert review.suggested.rowCount() == 0 and review.accepted_table.rowCount() == len(rules)
    qtbot.keyClicks(review.password, PASSWORD)
    review.sign_button.click()
    assert "Signed" in review.message.text() and "valid" in review.signatures.text.text()
    assert services.cases.get_record(physician, pid).procedure.status is ProcedureStatus.SIGNED
    assert review.password.text() == ""
    paths = review.save_pdfs(str(tmp_path))
    assert [p.name.rsplit("-", 1)[1] for p in paths] == ["summary.pdf", "followup.pdf", "patient.pdf"]


def test_the_dialog_opens_on_the_first_outcome_field(qtbot, review):
    review.show()
    qtbot.waitExposed(review)
    qtbot.waitUntil(lambda: review.focusWidget() is review.success)


def test_enter_in_the_password_box_signs(qtbot, review, services, physician):
    _saved_review(qtbot, review)
    review.accept_all()
    qtbot.keyClicks(review.password, PASSWORD)
    qtbot.keyClick(review.password, Qt.Key.Key_Return)
    assert services.cases.get_record(physician, review.procedure_id).procedure.status is ProcedureStatus.SIGNED
    assert "Signed" in review.message.text() and review.password.text() == ""
    assert not review.sign_button.isEnabled() and review.addendum_button.isEnabled()


def test_a_wrong_password_is_said_and_its_text_kept(qtbot, review, services, physician):
    _saved_review(qtbot, review)
    qtbot.keyClicks(review.password, "wrong password")
    qtbot.keyClick(review.password, Qt.Key.Key_Return)
    assert "wrong user name or password" in review.message.text()
    assert review.password.text() == "wrong password" and review.password.selectedText() == "wrong password"
    assert services.cases.get_record(physician, review.procedure_id).procedure.status is ProcedureStatus.CLOSED


def test_unsaved_changes_are_not_signed(qtbot, review, services, physician):
    _saved_review(qtbot, review)
    review.residual.setText("30")
    qtbot.keyClicks(review.password, PASSWORD)
    qtbot.keyClick(review.password, Qt.Key.Key_Return)
    assert "not saved" in review.message.text()
    assert services.cases.get_record(physician, review.procedure_id).procedure.status is ProcedureStatus.CLOSED
    assert review.residual.text() == "30" and review.password.text() == PASSWORD  # nothing typed is lost


def test_accepting_a_reminder_keeps_unsaved_form_text(qtbot, review):
    _saved_review(qtbot, review)
    review.notes.setText("clinic in 6 weeks")
    review.suggested.selectRow(0)
    review.accept_selected()
    assert "Accepted" in review.message.text() and review.notes.text() == "clinic in 6 weeks"
    assert review.unsaved()


def test_a_reminder_is_edited_in_a_multi_line_form(qtbot, review, services, physician, monkeypatch):
    _saved_review(qtbot, review)
    review.suggested.selectRow(0)
    chosen = review._suggestions[0]
    forms = answer_forms(monkeypatch, qtbot, {"due_date": "2027-01-15", "text": "Duplex of the stent\nand the CFV",
                                              "reason": "clinic date fixed"})
    review.edit_selected()
    assert forms[0].editors["due_date"].text() == "2027-01-15"
    assert isinstance(forms[0].editors["text"], QPlainTextEdit)
    kept = next(r for r in services.review.reminders(physician, review.procedure_id) if r.rule_id == chosen.rule_id)
    assert (kept.due_date, kept.text) == ("2027-01-15", "Duplex of the stent\nand the CFV")


def test_an_empty_required_text_keeps_the_form_open(qtbot, review, monkeypatch):
    _saved_review(qtbot, review)
    review.suggested.selectRow(0)
    forms = answer_forms(monkeypatch, qtbot, {"reason": "  "}, None)
    review.dismiss_selected()
    assert "is needed" in forms[0].message.text() and forms[0].result() != forms[0].DialogCode.Accepted
    assert review.suggested.rowCount() == len(review._suggestions) and review.accepted_table.rowCount() == 0


def test_a_multi_line_addendum_round_trips(qtbot, review, services, physician, monkeypatch):
    _saved_review(qtbot, review)
    review.accept_all()
    qtbot.keyClicks(review.password, PASSWORD)
    qtbot.keyClick(review.password, Qt.Key.Key_Return)
    answer_forms(monkeypatch, qtbot, {"text": "Groin haematoma at 6 h.\nCompressed 20 min, resolved.",
                                      "reason": "late finding"})
    review.addendum_button.click()
    notes = [ev.data["text"] for ev in services.cases.get_record(physician, review.procedure_id)
             .current_events(EventKind.NOTE)]
    assert "ADDENDUM: Groin haematoma at 6 h.\nCompressed 20 min, resolved." in notes
    shown = review.signatures.text.text()
    assert "superseded by an addendum" in shown
    assert shown.index("Approved by") < shown.index("Addendum") < shown.index("Groin haematoma at 6 h.") \
        < shown.index("Compressed 20 min, resolved.")
    assert review.sign_button.isEnabled()  # the case needs a new signature


def test_nurse_sees_the_review_read_only(qtbot, services, admin, nurse, physician):
    pid = _venous_case(services, admin, physician)
    dialog = ReviewDialog(services, nurse, pid)
    qtbot.addWidget(dialog)
    assert not dialog.sign_button.isEnabled() and not dialog.save_button.isEnabled()
    qtbot.keyClicks(dialog.password, PASSWORD)  # disabled: takes nothing, signs nothing
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert services.cases.get_record(nurse, pid).procedure.status is ProcedureStatus.CLOSED
