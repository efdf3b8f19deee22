"""Every window and dialog fits the screen it opens on, and comes back at the size its user left it.

A window asks for a preferred size; it opens at that size bounded by the screen's available geometry (the
screen minus task bars), or at the size the user last left it when that still fits. A window may also ask
for a share of the screen (the main window: most of a large screen), taken when larger than its preferred
size. The size (and, for the main window, whether it was maximized) is kept per computer in QSettings under
``window/<key>``.

The smallest screen cathlog is made for is 1366x768; ``SMALLEST_SCREEN`` is what is left of it for a window
(task bar and title bar taken off). Every top-level window's layout must fit in it: tests/ui/test_screen_fit.py
checks each one.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

SMALLEST_SCREEN = QSize(1366, 730)  # a 1366x768 laptop screen, less a task bar and a title bar
FRAME_ALLOWANCE = QSize(16, 40)  # the window manager's frame and title bar around the client area


def available_geometry(window: QWidget) -> QRect:
    """The usable part of the screen the window is on, or the primary screen's before it is shown.

    Not ``QWidget.screen()`` on a window not yet shown: with PySide6 6.11 that left a dangling screen
    behind, and a later widget crashed in ``QGuiApplication::screenAt`` (found by bisecting a segfault)."""
    handle = window.windowHandle()
    screen = handle.screen() if handle is not None else None
    return (screen or QGuiApplication.primaryScreen()).availableGeometry()


def bounded(size: QSize, available: QRect) -> QSize:
    """``size`` made no larger than the available area less the window frame."""
    return QSize(min(size.width(), available.width() - FRAME_ALLOWANCE.width()),
                 min(size.height(), available.height() - FRAME_ALLOWANCE.height()))


class _Keeper(QObject):
    """Sizes its window at once (so Qt centres it with its real size), restores the maximized state when it
    is first shown, and keeps its size when it is hidden."""

    def __init__(self, window: QWidget, key: str, preferred: QSize, screen_share: float):
        super().__init__(window)
        self._target, self.key = window, f"window/{key}"
        self.shown = False
        settings = QSettings()
        saved = settings.value(f"{self.key}/size")
        available = available_geometry(window)
        size = saved if isinstance(saved, QSize) and saved.isValid() else \
            preferred.expandedTo(QSize(int(available.width() * screen_share), int(available.height() * screen_share)))
        window.resize(bounded(size, available))  # Qt keeps it at least its layout's minimum
        self.maximized = settings.value(f"{self.key}/maximized", False, type=bool)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is getattr(self, "_target", None):  # (None while Qt tears the pair down)
            if event.type() == QEvent.Type.Show and not self.shown:
                self.shown = True
                if self.maximized:
                    self._target.setWindowState(self._target.windowState() | Qt.WindowState.WindowMaximized)
            elif event.type() in (QEvent.Type.Hide, QEvent.Type.Close) and self.shown:
                self.keep()
        return False

    def keep(self) -> None:
        settings = QSettings()
        maximized = self._target.isMaximized()
        settings.setValue(f"{self.key}/maximized", maximized)
        if not maximized:
            settings.setValue(f"{self.key}/size", self._target.size())


def fit_window(window: QWidget, key: str, preferred: QSize | tuple[int, int], *,
               screen_share: float = 0.0) -> None:
    """Open ``window`` at ``preferred`` (or the user's last size) bounded by its screen; remember its size.

    ``key`` names the window in the settings (e.g. "main", "review"): one key per kind of window.
    ``screen_share`` (0 to 1): on a first opening, the window takes at least this share of the available
    width and height (a large screen is used, a small one is not overrun: the result is still bounded).
    """
    if not 0.0 <= screen_share <= 1.0:
        raise ValueError(f"screen_share is a share of the screen, from 0 to 1 (got {screen_share})")
    size = preferred if isinstance(preferred, QSize) else QSize(*preferred)
    _Keeper(window, key, size, screen_share)
