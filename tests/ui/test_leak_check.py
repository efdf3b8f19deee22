"""The leaked-window check of tests/ui/conftest.py sees what it should."""

from PySide6.QtWidgets import QDialog, QLabel, QMainWindow

from tests.ui.conftest import leaked_windows, visible_windows


def test_a_window_left_open_is_seen_and_a_closed_one_is_not(qtbot):
    before = visible_windows()
    label = QLabel("left open")
    label.show()
    assert leaked_windows(before) == [label]
    label.close()
    assert leaked_windows(before) == []


def test_a_dialog_goes_with_its_window(qtbot):
    before = visible_windows()
    window = QMainWindow()
    window.show()
    dialog = QDialog(window)
    dialog.show()
    assert {id(w) for w in leaked_windows(before)} == {id(window), id(dialog)}
    window.close()
    window.deleteLater()
    del window, dialog
    assert leaked_windows(before) == []
