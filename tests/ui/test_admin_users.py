"""Users and roles (issue 12 item 12): buttons act only on a visibly selected row, the
selection follows the same user after every reload, and an account created by mistake
is removed (never deleted) while it has recorded nothing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from cathlog.domain.enums import Role
from cathlog.ui.admin import UsersDialog
from tests.conftest import PASSWORD


class Boxes:
    """Stands in for the user at every QMessageBox: records each box shown and clicks
    the button named in ``answers`` (in turn)."""

    def __init__(self, monkeypatch, *answers: str):
        self.shown: list[dict] = []
        self.answers = list(answers)
        monkeypatch.setattr(QMessageBox, "exec", lambda box: self._exec(box))

    def _exec(self, box: QMessageBox) -> int:
        self.shown.append({"title": box.windowTitle(), "text": box.text(),
                           "default": box.defaultButton().text() if box.defaultButton() else None,
                           "escape": box.escapeButton().text() if box.escapeButton() else None})
        wanted = self.answers.pop(0)
        next(b for b in box.buttons() if b.text() == wanted).click()
        return 0


def answer(monkeypatch, *answers):
    """Replace QInputDialog's prompts with ``answers``, in turn, each (text, ok)."""
    queue = list(answers)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: queue.pop(0))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: queue.pop(0))
    return queue


def _row_of(dialog, username):
    return next(i for i in range(dialog.table.rowCount()) if dialog.table.item(i, 0).text() == username)


def _click_row(qtbot, dialog, username):
    row = _row_of(dialog, username)
    rect = dialog.table.visualRect(dialog.table.model().index(row, 1))
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


@pytest.fixture
def dialog(qtbot, services, admin):
    for name, full, role in (("kwalsh", "Kate Walsh", Role.NURSE), ("bchen", "Bo Chen", Role.PHYSICIAN)):
        services.auth.add_user(admin, name, full, role, PASSWORD)
    d = UsersDialog(services, admin)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def test_buttons_wait_for_a_selected_row_and_say_why(qtbot, dialog):
    assert dialog.selected_user() is None and "No user selected" in dialog.selection_line.text()
    for button in dialog.per_user:
        assert not button.isEnabled() and "Select a row" in button.toolTip()
    assert dialog.add_button.isEnabled()
    # the current cell alone (keyboard focus without a selection) is no selection
    dialog.table.selectionModel().setCurrentIndex(dialog.table.model().index(0, 0),
                                                  QItemSelectionModel.SelectionFlag.NoUpdate)
    assert dialog.selected_user() is None and not dialog.role_button.isEnabled()
    _click_row(qtbot, dialog, "kwalsh")
    assert dialog.selected_user().username == "kwalsh"
    assert "Selected: kwalsh (Kate Walsh, nurse, active)" == dialog.selection_line.text()
    assert all(b.isEnabled() and not b.toolTip() for b in dialog.per_user)
    assert dialog.table.selectionBehavior() == dialog.table.SelectionBehavior.SelectRows
    assert len(dialog.table.selectionModel().selectedIndexes()) == 4  # the whole row shows as selected


def test_the_selection_follows_the_same_user_after_each_change(qtbot, dialog, services, monkeypatch):
    _click_row(qtbot, dialog, "kwalsh")
    answer(monkeypatch, ("physician", True), ("trained", True))
    qtbot.mouseClick(dialog.role_button, Qt.MouseButton.LeftButton)
    assert dialog.selected_user().username == "kwalsh" and dialog.selected_user().role is Role.PHYSICIAN
    answer(monkeypatch, ("left the unit", True))
    qtbot.mouseClick(dialog.active_button, Qt.MouseButton.LeftButton)
    assert dialog.selected_user().username == "kwalsh" and not dialog.selected_user().active
    assert dialog.active_button.text() == "Enable"
    answer(monkeypatch, (PASSWORD + "!", True))
    qtbot.mouseClick(dialog.password_button, Qt.MouseButton.LeftButton)
    assert dialog.selected_user().username == "kwalsh" and "reset" in dialog.message.text()
    # a new user sorts before kwalsh: the new one is selected, not whoever lands on the old row
    answer(monkeypatch, ("aadams", True), ("Al Adams", True), ("nurse", True), (PASSWORD, True))
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.selected_user().username == "aadams" and _row_of(dialog, "aadams") == 0
    # a refused change keeps the selection and says why
    _click_row(qtbot, dialog, "admin")
    answer(monkeypatch, ("only admin", True))
    qtbot.mouseClick(dialog.active_button, Qt.MouseButton.LeftButton)
    assert "last active admin" in dialog.message.text() and dialog.selected_user().username == "admin"


def test_a_user_created_by_mistake_is_removed_after_a_confirmation_defaulting_to_no(qtbot, dialog, services,
                                                                                     admin, monkeypatch):
    services.auth.sign_in("bchen", PASSWORD)  # signing in records nothing
    _click_row(qtbot, dialog, "bchen")
    boxes = Boxes(monkeypatch, "No")
    answer(monkeypatch)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    (box,) = boxes.shown
    assert box["default"] == "No" and box["escape"] == "No"
    assert "has recorded nothing" in box["text"] and "never given to anyone else" in box["text"]
    assert _row_of(dialog, "bchen") is not None  # No: nothing happened
    boxes.answers.append("Remove")
    answer(monkeypatch, ("typed the wrong name", True))
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert "bchen" not in [dialog.table.item(i, 0).text() for i in range(dialog.table.rowCount())]
    assert dialog.selected_user() is None and not dialog.remove_button.isEnabled()
    assert "was removed" in dialog.message.text()
    (row,) = services.admin.audit_rows(admin, action="remove_user")
    assert row.entity_id == "bchen" and row.reason == "typed the wrong name"


def test_a_user_who_recorded_something_is_not_removed_and_is_told_why(qtbot, dialog, services, admin,
                                                                       monkeypatch):
    nurse = services.auth.sign_in("kwalsh", PASSWORD)
    with services.store.write():
        services.auth.audit(nurse, "record_event", "event", "e1", procedure_id="P1")
    _click_row(qtbot, dialog, "kwalsh")
    boxes = Boxes(monkeypatch)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert boxes.shown == []  # refused before any question
    assert "cannot be removed" in dialog.message.text() and "record_event" in dialog.message.text()
    assert "disable it instead" in dialog.message.text() and dialog.selected_user().username == "kwalsh"
