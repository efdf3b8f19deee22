"""Cycles are collected on the GUI thread only (cathlog.ui.gui_gc): a worker
thread that allocates never runs the collector, so it can never delete a Qt
widget held in a garbage cycle (a crash seen once in CI)."""

from __future__ import annotations

import gc
import threading

import pytest

from cathlog.ui.gui_gc import GuiThreadCollector

pytestmark = pytest.mark.python_gc  # these tests install (or leave out) the collector themselves


class _Cycle:
    deleted_in: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.deleted_in.append(threading.current_thread().name)


def _garbage_then_allocate_in_a_worker() -> list[list[int]]:
    _Cycle.deleted_in.clear()
    _Cycle()  # unreachable at once, kept only by its cycle
    made: list[list[int]] = []

    def allocate() -> None:  # far past the youngest generation's threshold, as ReportLab does when it renders
        made.extend([i] for i in range(20 * gc.get_threshold()[0]))

    worker = threading.Thread(target=allocate, name="worker")
    worker.start()
    worker.join()
    return made


def test_without_the_collector_a_worker_thread_collects_the_gui_threads_garbage():
    assert gc.isenabled()
    _garbage_then_allocate_in_a_worker()
    gc.collect()
    assert _Cycle.deleted_in == ["worker"]  # the hazard the collector exists for


def test_with_the_collector_cycles_are_collected_on_the_gui_thread_when_due(qtbot, qapp):
    collector = GuiThreadCollector(qapp, interval_ms=10)
    try:
        assert not gc.isenabled()
        made = _garbage_then_allocate_in_a_worker()  # kept: the allocations stay counted, as in a real render
        assert _Cycle.deleted_in == []
        with qtbot.waitSignal(collector.timer.timeout, timeout=2000):
            pass
        qtbot.waitUntil(lambda: _Cycle.deleted_in == [threading.main_thread().name], timeout=2000)
        del made
    finally:
        collector.uninstall()
        collector.deleteLater()
    assert gc.isenabled()
