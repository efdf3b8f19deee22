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


def _main_window(qtbot, services, nurse, tmp_path):
    from PySide6.QtCore import QSettings

    from cathlog.ui.main_window import MainWindow

    QSettings().remove("window/main")  # a first opening: no size left by an earlier test
    window = MainWindow(services, nurse, "cathlog.db",
                        settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    return window


def test_the_main_window_uses_most_of_a_large_screen(qtbot, monkeypatch, services, nurse, tmp_path):
    monkeypatch.setattr(screen_fit, "available_geometry", lambda window: QRect(0, 0, 1920, 1040))
    window = _main_window(qtbot, services, nurse, tmp_path)
    assert window.width() >= 0.85 * 1920 and window.height() >= 0.85 * 1040
    assert window.width() <= 1920 - screen_fit.FRAME_ALLOWANCE.width()
    assert window.height() <= 1040 - screen_fit.FRAME_ALLOWANCE.height()


def test_the_main_window_still_fits_a_laptop_and_keeps_the_users_size(qtbot, monkeypatch, services, nurse, tmp_path):
    monkeypatch.setattr(screen_fit, "available_geometry", lambda window: QRect(0, 0, 1366, 728))
    window = _main_window(qtbot, services, nurse, tmp_path)
    assert window.width() <= 1366 - screen_fit.FRAME_ALLOWANCE.width()
    assert window.height() <= 728 - screen_fit.FRAME_ALLOWANCE.height()
    monkeypatch.setattr(screen_fit, "available_geometry", lambda window: QRect(0, 0, 1920, 1040))
    window.show()
    qtbot.waitExposed(window)
    window.resize(1100, 700)  # the user's choice wins over the share of the screen next time
    window.close()
    from PySide6.QtCore import QSettings

    from cathlog.ui.main_window import MainWindow

    again = MainWindow(services, nurse, "cathlog.db",
                       settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert again.size() == QSize(1100, 700)


def test_a_share_of_the_screen_is_a_share(qtbot):
    import pytest

    window = QWidget()
    qtbot.addWidget(window)
    with pytest.raises(ValueError, match="from 0 to 1"):
        fit_window(window, "test-share", (400, 300), screen_share=1.5)
