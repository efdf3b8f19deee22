"""Windows open within the screen and come back at the size their user left them (issue 12, item 6)."""

from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QWidget

from cathlog.ui import screen_fit
from cathlog.ui.screen_fit import SMALLEST_SCREEN, fit_window


def test_a_big_preferred_size_is_bounded_by_a_small_screen(qtbot, monkeypatch):
    monkeypatch.setattr(screen_fit, "available_geometry", lambda window: QRect(0, 0, 1366, 728))
    window = QWidget()
    qtbot.addWidget(window)
    fit_window(window, "test-big", (1600, 1000))
    assert window.width() <= 1366 - screen_fit.FRAME_ALLOWANCE.width()
    assert window.height() <= 728 - screen_fit.FRAME_ALLOWANCE.height()


def test_the_users_size_is_remembered_and_still_bounded(qtbot, monkeypatch):
    monkeypatch.setattr(screen_fit, "available_geometry", lambda window: QRect(0, 0, 1920, 1040))
    first = QWidget()
    qtbot.addWidget(first)
    fit_window(first, "test-remember", (700, 500))
    first.show()
    qtbot.waitExposed(first)
    first.resize(900, 640)
    first.close()
    again = QWidget()
    qtbot.addWidget(again)
    fit_window(again, "test-remember", (700, 500))
    assert again.size() == QSize(900, 640)
    monkeypatch.setattr(screen_fit, "available_geometry", lambda window: QRect(0, 0, 800, 600))
    small = QWidget()
    qtbot.addWidget(small)
    fit_window(small, "test-remember", (700, 500))
    assert small.height() <= 600 - screen_fit.FRAME_ALLOWANCE.height()


def test_the_smallest_screen_is_a_1366x768_laptop():
    assert SMALLEST_SCREEN.width() == 1366 and SMALLEST_SCREEN.height() < 768
