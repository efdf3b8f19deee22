"""Python's cycle collector runs on the GUI thread only.

Python collects reference cycles in whichever thread happens to allocate when a
generation's threshold is crossed. cathlog runs Python on worker threads (the
review's summary preview renders with ReportLab, the background check, the
restore reader), so a cycle holding a closed dialog could be collected there,
and Qt would then delete a widget off the GUI thread: a crash (seen once in CI,
a pytest worker killed while the preview rendered). So automatic collection is
switched off and a timer on the GUI thread collects each generation when
Python's own thresholds say it is due, as calibre and pyqtgraph do.
Reference counting (which frees almost everything) is unaffected.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500  # how often the GUI thread looks at the collector's counters


class GuiThreadCollector(QObject):
    """While installed, cycles are collected by :meth:`collect_due`, on the GUI thread."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect_due)
        self.timer.start()

    def collect_due(self) -> int:
        """Collect the oldest generation whose count has passed its threshold; the number of objects freed."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                return gc.collect(generation)
        return 0

    def uninstall(self) -> None:
        """Collect everything now (on this thread) and give collection back to Python."""
        self.timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()


def install(parent: QObject) -> GuiThreadCollector:
    """Collect on the GUI thread for as long as ``parent`` (the application) lives."""
    return GuiThreadCollector(parent)
