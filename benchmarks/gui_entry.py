"""Time the whole GUI path of an entry: Enter in the form -> validate ->
durable commit -> the row on the timeline, the panels refreshed, the form
closed and the window painted again. Offscreen.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_entry.py [--entries N] [--kind act|note] [--phases]

--phases adds the CPU time of each phase of a save (the services' save, the page's refresh, the rest of
the Enter, Qt's pending layouts, then the paint and the rest of the event-loop turn).

The application is set up as cathlog's own start sets it up (Fusion style, default
theme, the cycle collector on a GUI-thread timer). The form is opened and drawn
before the clock starts, as it is while a nurse
types (until 2026-12-03 the form was opened and closed within one event-loop
turn, so Qt never laid the window out for it and the re-layout of the
timeline when the form closes on Enter was not measured).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from cathlog.domain.enums import EventKind, Role  # noqa: E402
from cathlog.services import Services  # noqa: E402
from cathlog.store.db import Store  # noqa: E402
from cathlog.ui import gui_gc  # noqa: E402
from cathlog.ui.lab_settings import DEFAULT_THEME  # noqa: E402
from cathlog.ui.main_window import MainWindow  # noqa: E402
from cathlog.ui.theme import apply_theme  # noqa: E402


class Phases:
    """CPU time of each phase of a save, by wrapping the services' save and the page's refresh; the
    rest of the Enter up to Qt's event loop, then Qt's pending layouts (LayoutRequest events sent
    first), then the paint and whatever else the event loop does."""

    def __init__(self, live) -> None:
        self.times: dict[str, list[float]] = {}
        self._last = time.process_time()
        cases, page = live.services.cases, live
        for owner, name, label in ((cases, "record_event", "services save"), (page, "entry_stored", "page refresh")):
            self._wrap(owner, name, label)

    def _wrap(self, owner, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def timed(*a, **k):
            self.mark("enter")
            try:
                return inner(*a, **k)
            finally:
                self.mark(label)

        setattr(owner, name, timed)

    def start(self) -> None:
        self._last = time.process_time()

    def mark(self, label: str) -> None:
        now = time.process_time()
        self.times.setdefault(label, []).append((now - self._last) * 1000)
        self._last = now

    def report(self) -> None:
        print("CPU per phase, per save (ms; enter = the form's checks before the save and its closing after)")
        print(f"{'':<16}{'p50':>8}{'p99':>8}{'mean':>8}")
        for label, values in self.times.items():
            per_save = len(values) // self.count if label == "enter" else 1
            sums = [sum(values[i:i + per_save]) for i in range(0, len(values), per_save)]
            q = statistics.quantiles(sums, n=100)
            print(f"{label:<16}{q[49]:8.2f}{q[98]:8.2f}{statistics.fmean(sums):8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100)
    parser.add_argument("--kind", choices=("act", "note"), default="act",
                        help="every entry an ACT (the ACT panel's trend grows with the case) or a note")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the timed part to FILE")
    parser.add_argument("--phases", action="store_true",
                        help="also print the CPU time of each phase: the services save, the page's refresh, the "
                             "rest of the Enter (form closed, message, selection), Qt's layout, Qt's paint")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    # as cathlog.app.run_gui sets the application up: the Fusion style, the lab's default theme, and
    # Python's cycle collector run by a timer on the GUI thread instead of inside whatever allocates
    app.setStyle("Fusion")
    apply_theme(app, DEFAULT_THEME)
    gui_gc.install(app)
    with tempfile.TemporaryDirectory() as tmp:
        services = Services(Store.open(Path(tmp) / "gui.db"))
        admin = services.auth.create_first_admin("admin", "Admin", "benchmark password")
        services.demo.load(admin, 50, seed=2)
        services.auth.add_user(admin, "nurse", "Nurse", Role.NURSE, "benchmark password")
        nurse = services.auth.sign_in("nurse", "benchmark password")
        window = MainWindow(services, nurse, "bench", settings=QSettings(str(Path(tmp) / "s.ini"),
                                                                         QSettings.Format.IniFormat))
        window.show()
        case = next(c for c in window.cases.case_model._rows if c.status == "open")
        window.open_case(case.procedure_id)
        live = window.live
        phases = Phases(live) if args.phases else None
        profiler = cProfile.Profile() if args.profile else None
        times, cpu = [], []  # wall and this process's CPU time: on a shared machine the CPU time drifts less
        for i in range(args.entries):
            if args.kind == "act":
                live.new_entry(EventKind.ACT)
                live.form.inputs["act_s"].editor.setText(str(250 + i % 40))
            else:
                live.new_entry(EventKind.NOTE)
                live.form.inputs["text"].editor.setPlainText(f"benchmark note {i}")
            app.processEvents()  # the form is shown and drawn while the nurse types
            before = live.model.rowCount()
            t, c = time.perf_counter(), time.process_time()
            if phases:
                phases.start()
            if profiler:
                profiler.enable()
            live.form.submit()
            if phases:
                phases.mark("enter")
                QApplication.sendPostedEvents(None, int(QEvent.Type.LayoutRequest))
                phases.mark("qt layout")
            app.processEvents()
            if phases:
                phases.mark("qt paint")
            if profiler:
                profiler.disable()
            assert live.model.rowCount() == before + 1
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        if profiler:
            profiler.dump_stats(args.profile)
        q = statistics.quantiles(times, n=100)
        qc = statistics.quantiles(cpu, n=100)
        print(f"GUI entry path (submit -> row on timeline), {args.entries} {args.kind} entries, case grows from "
              f"{before + 1 - args.entries} rows")
        print(f"{'':<6}{'wall':>8}    {'CPU':>8}    (load average {os.getloadavg()[0]:.1f})")
        for name, value, value_cpu in (("p50", q[49], qc[49]), ("p95", q[94], qc[94]), ("p99", q[98], qc[98]),
                                       ("max", max(times), max(cpu))):
            print(f"{name:<6}{value:8.2f} ms {value_cpu:8.2f} ms")
        if phases:
            phases.count = args.entries
            phases.report()
        window.close()
        services.store.close()
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of Qt objects: figures are printed, nothing else to do


if __name__ == "__main__":
    main()
