"""The physician's review screen: outcome and plan, reminders, signature, PDFs."""

from PySide6.QtWidgets import QInputDialog, QTableWidgetItem
from cathlog.domain.enums import ProcedureStatus
from cathlog.ui.review import ReviewDialog
from tests.conftest import PASSWORD


def _venous_case(services, admin, physician):
    ids = services.demo.load(admin, 5, seed=5)
    pid = next(p for p in ids if services.cases.get_record(admin, p).procedure.category == "venous")
    if services.cases.get_record(admin, pid).procedure.status is ProcedureStatus.OPEN:
        services.cases.close_case(physician, pid)
    return pid


def test_review_accept_sign_and_save_pdfs(qtbot, services, admin, physician, tmp_path, monkeypatch):
    pid = _venous_case(services, admin, physician)
    dialog = ReviewDialog(services, physician, pid)
    qtbot.addWidget(dialog)
    dialog.success.setCurrentIndex(dialog.success.findData(True))
    qtbot.keyClicks(dialog.residual, "10")
    row = dialog.plan.add_line()
    dialog.plan.cellWidget(row, 0).setCurrentText("rivaroxaban")
    for j, text in ((1, "20 mg once daily"), (2, "6")):
        dialog.plan.setItem(row, j, QTableWidgetItem(text))
    unit = dialog.plan.cellWidget(row, 3)
    unit.setCurrentIndex(unit.findData("months"))
    assert dialog.save_review()
    review = services.review.get_review(physician, pid)
    assert review.residual_stenosis_pct == 10 and review.plan[0].duration_months == 6
    rules = [s.rule_id for s in dialog._suggestions]
    assert "R3" in rules and "R5" in rules and "R4" in rules
    dialog.suggested.selectRow(0)
    answers = iter([("not needed: seen in clinic", True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))
    dialog.dismiss_selected()
    dialog.accept_all()
    assert dialog.suggested.rowCount() == 0 and dialog.accepted_table.rowCount() == len(rules)
    qtbot.keyClicks(dialog.password, "wrong password")
    dialog.sign()
    assert "wrong user name or password" in dialog.message.text() and dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, PASSWORD)
    dialog.sign()
    assert "Signed" in dialog.message.text() and "valid" in dialog.signatures.text()
    assert services.cases.get_record(physician, pid).procedure.status is ProcedureStatus.SIGNED
    paths = dialog.save_pdfs(str(tmp_path))
    assert [p.name.rsplit("-", 1)[1] for p in paths] == ["summary.pdf", "followup.pdf", "patient.pdf"]


def test_bad_plan_input_is_refused_with_a_message(qtbot, services, admin, physician):
    pid = _venous_case(services, admin, physician)
    dialog = ReviewDialog(services, physician, pid)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.residual, "150")
    assert not dialog.save_review()
    assert "residual stenosis" in dialog.message.text()
    dialog.residual.setText("ten")
    assert not dialog.save_review() and "whole number" in dialog.message.text()
    assert services.review.get_review(physician, pid) is None


def test_nurse_sees_the_review_read_only(qtbot, services, admin, nurse, physician):
    pid = _venous_case(services, admin, physician)
    dialog = ReviewDialog(services, nurse, pid)
    qtbot.addWidget(dialog)
    assert not dialog.sign_button.isEnabled() and not dialog.save_button.isEnabled()
