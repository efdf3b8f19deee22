"""Every figure of docs/performance.md, measured on one database.

    .venv/bin/python benchmarks/generate.py --procedures 100000 --out /tmp/bench.db
    .venv/bin/python benchmarks/run_all.py --db /tmp/bench.db

Prints a table of figures against their targets. No asserts: figures only.
Works on a copy of nothing: it adds one benchmark case to the database given.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cathlog.domain.enums import Role  # noqa: E402
from cathlog.domain.records import Patient  # noqa: E402
from cathlog.services import Services  # noqa: E402
from cathlog.store.db import Store  # noqa: E402

PASSWORD = "benchmark password"
ROWS: list[tuple[str, str, str]] = []


def report(name: str, value: str, target: str) -> None:
    ROWS.append((name, value, target))
    print(f"{name:<58}{value:>22}   {target}", flush=True)


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def bench_queries(services: Services, admin) -> None:
    page = timed(lambda: services.cases.list_cases(admin, limit=100), 20)
    report("case list, first page (100 rows)", f"p50 {statistics.median(page):.1f} ms", "< 50 ms")
    some = services.cases.list_cases(admin, limit=100)[50]
    mrn = timed(lambda: services.cases.list_cases(admin, search=some.mrn, limit=100), 10)
    report("search by MRN", f"p50 {statistics.median(mrn):.1f} ms", "< 50 ms")
    family = some.patient_name.split(",")[0]
    name = timed(lambda: services.cases.list_cases(admin, search=family, limit=100), 10)
    report(f"search by name ({family!r})", f"p50 {statistics.median(name):.1f} ms", "< 50 ms")


def bench_entries(services: Services, admin, entries: int = 300) -> str:
    services.auth.add_user(admin, f"bench{os.getpid()}", "Bench Nurse", Role.NURSE, PASSWORD)
    nurse = services.auth.sign_in(f"bench{os.getpid()}", PASSWORD)
    patient = services.cases.register_patient(nurse, Patient(f"BENCH{os.getpid()}", "Bench", "1950-01-01", "male",
                                                             weight_kg=80.0, creatinine_mg_dl=1.0))
    proc = services.cases.open_case(nurse, patient.patient_id, {"category": "coronary", "planned": ["stenting"],
                                                                 "indication": "sihd", "urgency": "elective"})
    kinds = [("act", {"act_s": 260}), ("contrast", {"agent": "iohexol", "volume_ml": 1.0}),
             ("note", {"text": "benchmark entry"})]
    times = timed(lambda: None, 0)
    for i in range(entries):
        kind, data = kinds[i % 3]
        t = time.perf_counter()
        services.cases.record_event(nurse, proc.procedure_id, kind, data, confirm=True)
        times.append((time.perf_counter() - t) * 1000)
    q = statistics.quantiles(times[:40], n=100)
    report("entry save, first 40 entries of a case (durable)", f"p50 {q[49]:.1f} / p99 {q[98]:.1f} ms",
           "p99 < 50 ms")
    q = statistics.quantiles(times, n=100)
    report(f"entry save, a case growing to {entries} entries", f"p50 {q[49]:.1f} / p99 {q[98]:.1f} ms",
           "p99 < 50 ms")
    return proc.procedure_id


def bench_pdf(services: Services, admin, big_case: str) -> None:
    from cathlog.reports import data, pdf

    small = services.cases.list_cases(admin, status="closed", limit=1)[0].procedure_id
    for label, pid in (("40", small), ("300", big_case)):
        record = services.cases.get_record(admin, pid)
        pdf.render_summary(data.build_summary(record, None, [], date.today()))  # fonts loaded once
        t = timed(lambda r=record: pdf.render_summary(data.build_summary(r, None, [], date.today())), 5)
        report(f"summary PDF, {len(record.events)}-entry case", f"p50 {statistics.median(t):.0f} ms",
               "< 300 ms at 40" if label == "40" else "(no target)")


def _peak_rss_mb(cmd: list[str], out: Path | None = None) -> tuple[float, float]:
    """Run a command; (seconds, peak RSS MB of the child)."""
    t = time.perf_counter()
    if out is not None:
        with out.open("wb") as fh:
            proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.PIPE)
    else:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - t, usage.ru_maxrss / 1024


def bench_export(db: Path) -> None:
    rows = int(subprocess.check_output(["sqlite3", str(db), "SELECT count(*) FROM event_versions"]).strip())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sql = "SELECT * FROM event_versions"
        s_time, s_mem = _peak_rss_mb(["sqlite3", "-csv", "-header", str(db), sql], tmp / "a.csv")
        u_time, u_mem = _peak_rss_mb([str(ROOT / ".venv/bin/sqlite-utils"), "query", str(db), sql, "--csv"],
                                     tmp / "b.csv")
        env = {**os.environ, "CATHLOG_USER": "admin", "CATHLOG_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "cathlog", "export", "--db", str(db), "--format", "csv",
                                 "--out", str(tmp / "c.zip")], env=env, stderr=subprocess.PIPE,
                                stdout=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        c_time, c_mem = time.perf_counter() - t, usage.ru_maxrss / 1024
    report("rows exported (entry versions)", f"{rows:,}", "")
    report("sqlite3 -csv", f"{rows / s_time:,.0f} rows/s, {s_mem:.0f} MB", "")
    report("sqlite-utils query --csv", f"{rows / u_time:,.0f} rows/s, {u_mem:.0f} MB", "")
    report("cathlog export --format csv (zip of tables)", f"{rows / c_time:,.0f} rows/s, {c_mem:.0f} MB",
           f"<= 2x sqlite3: {c_time / s_time:.1f}x")


STARTUP = """
import sys, time
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
if sys.argv[1] == "cathlog":  # what cathlog shows first: the sign-in window (the database opens behind it)
    from pathlib import Path
    from cathlog.app import LazyServices
    from cathlog.ui.sign_in import SignInDialog
    from cathlog.ui.theme import apply_theme
    apply_theme(app, "light")
    w = SignInDialog(LazyServices(Path(sys.argv[2])), sys.argv[2])
elif sys.argv[1] == "main":  # after the password: the main window with the case list
    from PySide6.QtCore import QSettings
    from cathlog.services import Services
    from cathlog.store.db import Store
    from cathlog.ui.main_window import MainWindow
    from cathlog.ui.theme import apply_theme
    apply_theme(app, "light")
    services = Services(Store.open(sys.argv[2], verify=False))  # as cathlog.app does
    actor = services.auth.sign_in("admin", sys.argv[3])
    w = MainWindow(services, actor, "bench", settings=QSettings(sys.argv[4], QSettings.Format.IniFormat))
else:
    w = QMainWindow()
w.show()
app.processEvents()
print(time.perf_counter() - t0)
"""


def bench_startup(db: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        def run(kind: str) -> float:
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", STARTUP, kind, str(db), PASSWORD, f"{tmp}/s.ini"], env=env,
                           check=True, capture_output=True)
            return time.perf_counter() - t
        bare = statistics.median(run("bare") for _ in range(5))
        app = statistics.median(run("cathlog") for _ in range(5))
        main_window = statistics.median(run("main") for _ in range(3))
    report("start-up to the sign-in window (whole process)", f"{app * 1000:.0f} ms vs bare {bare * 1000:.0f} ms",
           f"<= 1.5x bare: {app / bare:.2f}x")
    report("start-up to the main window, signed in (whole process)", f"{main_window * 1000:.0f} ms",
           "(includes the Argon2id password check)")


def main() -> None:
    parser = argparse.ArgumentParser(description="cathlog benchmarks")
    parser.add_argument("--db", type=Path, required=True, help="a database made by benchmarks/generate.py")
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    work = args.db
    services = Services(Store.open(work))
    admin = services.auth.sign_in("admin", PASSWORD)
    procedures = services.store.db.conn.execute("SELECT count(DISTINCT procedure_id) FROM procedure_versions").fetchone()[0]
    print(f"database: {work} ({procedures:,} procedures, {work.stat().st_size / 1e6:.0f} MB); machine: "
          f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    report("database bytes per procedure", f"{work.stat().st_size / procedures:,.0f}", "")
    bench_queries(services, admin)
    big = bench_entries(services, admin)
    bench_pdf(services, admin, big)
    services.store.close()
    bench_startup(work)
    if not args.skip_export:
        bench_export(work)


if __name__ == "__main__":
    main()
