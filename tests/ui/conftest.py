"""GUI tests leave no window behind: a test that ends with a visible top-level
widget it made (and did not hand to ``qtbot.addWidget``) fails, so one test's
window cannot steal focus or events from the next. And, as in the app, Python's
cycle collector runs on the GUI thread only (cathlog.ui.gui_gc)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QWidget

from cathlog.ui.gui_gc import GuiThreadCollector


def _flush_deletes() -> None:
    """Run pending deleteLater()s (processEvents alone leaves them for the event loop)."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


def visible_windows() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def leaked_windows(before: list[QWidget]) -> list[QWidget]:
    """The visible top-level widgets that were not open before (pending deletes run first)."""
    _flush_deletes()
    return [w for w in visible_windows() if not any(w is b for b in before)]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.cathlog_call_failed = report.failed
    return report


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread(request, qapp):
    """As cathlog.app does: no worker thread (the preview's renderer, the background check) may collect a
    cycle that holds a widget. Torn down last: what the test left is collected here, on this thread."""
    if request.node.get_closest_marker("python_gc"):
        yield
        return
    collector = GuiThreadCollector(qapp)
    yield
    collector.uninstall()
    collector.deleteLater()


@pytest.fixture(autouse=True)
def no_leaked_windows(request, qapp):
    """Autouse fixtures are set up before, so torn down after, the test's own; and
    pytest-qt closes the widgets given to qtbot.addWidget before any fixture teardown.
    What is still visible here was left open by the test."""
    before = visible_windows()
    yield
    leaked = leaked_windows(before)
    if leaked:
        names = ", ".join(f"{type(w).__name__}({w.objectName() or w.windowTitle()!r})" for w in leaked)
        for w in leaked:  # do not let them disturb the next test
            w.close()
            w.deleteLater()
        _flush_deletes()
        # A failed test's traceback keeps its widgets alive: its failure is the news, not them.
        if not getattr(request.node, "cathlog_call_failed", False):
            pytest.fail(f"the test left {len(leaked)} window(s) open: {names}; "
                        "register them with qtbot.addWidget() or close them", pytrace=False)
