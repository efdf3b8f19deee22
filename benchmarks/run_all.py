"""Every figure of docs/performance.md, each beside its physical floor measured in the same run.

    .venv/bin/python benchmarks/generate.py --procedures 100000 --out /tmp/bench.db
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/run_all.py --db /tmp/bench.db [--server]

Absolute times drift on a shared machine; the ratio of a figure to the floor measured minutes
apart on the same machine does not. The floors:
  - a bare durable commit of one row (WAL, synchronous=FULL, BEGIN IMMEDIATE), on the same disk;
  - a bare PySide6 window (process start to the first window shown);
  - the ``sqlite3`` shell printing the export's own per-table SELECTs as CSV
    (``apt-get install sqlite3``; without it that row says so and has no ratio);
  - for the GUI save (Enter to the row drawn), none: its target is one 16 ms frame;
  - with ``--server`` (PostgreSQL installed): the server's own bare durable commit (one row under
    cathlog's write lock), beside the entry saves on the server (``benchmarks/server.py``).
Prints the machine and date, then one row per figure: measured, floor, ratio, target. No asserts.
Works on a copy of nothing: it adds one benchmark case to the database given.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cathlog.services import Services  # noqa: E402
from save_case import pct  # noqa: E402 - benchmarks/save_case.py
import save_case  # noqa: E402
from cathlog.store import export_rows  # noqa: E402
from cathlog.store.db import Store  # noqa: E402

PASSWORD = "benchmark password"
ROWS: list[tuple[str, str, str, str, str]] = []


def report(name: str, value: str, floor: str = "", ratio: str = "", target: str = "") -> None:
    """One figure: printed at once, and again in the Markdown table at the end."""
    ROWS.append((name, value, floor, ratio, target))
    print(f"{name:<52} {value:>26} {floor:>30} {ratio:>12}   {target}", flush=True)


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform(terse=True)}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; load average {load:.1f}; "
            f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")


# --- floors -----------------------------------------------------------------------


def bare_commits(folder: Path, n: int = 300) -> list[float]:
    """One row per durable commit, the way cathlog commits (WAL, synchronous=FULL, BEGIN IMMEDIATE)."""
    path = folder / f"floor-{os.getpid()}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")

        def commit() -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (body) VALUES (?)", ("x" * 200,))
            conn.execute("COMMIT")
        return timed(commit, n)
    finally:
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


# --- figures ----------------------------------------------------------------------


def bench_queries(services: Services, admin) -> None:
    page = timed(lambda: services.cases.list_cases(admin, limit=100), 20)
    report("case list, first page (100 rows)", f"p50 {statistics.median(page):.1f} ms", target="< 50 ms")
    some = services.cases.list_cases(admin, limit=100)[50]
    newest_year = some.procedure_id[1:5]
    terms = [("MRN", some.mrn), ("a common family name", some.patient_name.split(",")[0]),
             ("a short prefix of many fields", "Jan"),
             ("a case-id year prefix, older year", f"P{int(newest_year) - 1}")]
    for label, term in terms:
        t = timed(lambda s=term: services.cases.list_cases(admin, search=s, limit=100), 10)
        report(f"search by {label} ({term!r})", f"p50 {statistics.median(t):.1f} ms", target="< 50 ms")


def bench_entries(services: Services, admin, folder: Path, entries: int = 300) -> str:
    nurse, procedure_id = save_case.open_case(services, admin, PASSWORD)
    kinds = save_case.KINDS
    floor50, floor99 = pct(bare_commits(folder))
    times = []
    for i in range(entries + 1):  # the session's first save, then a case growing to ``entries`` more
        kind, data = kinds[i % 3]
        t = time.perf_counter()
        services.cases.record_event(nurse, procedure_id, kind, data, confirm=True)
        times.append((time.perf_counter() - t) * 1000)
    time.sleep(1.5)  # the store's background WAL checkpoint (store/wal.py: 0.5 s after the last save) is done first
    after50, after99 = pct(bare_commits(folder))  # the floor again: the disk may have changed pace meanwhile
    floor50, floor99 = (floor50 + after50) / 2, (floor99 + after99) / 2
    floor = f"commit p50 {floor50:.2f} / p99 {floor99:.2f} ms"
    first, times = times[0], times[1:]
    report("entry save, the session's first (statements prepared, the case's pages read)", f"{first:.1f} ms",
           floor, f"{first / floor99:.1f}x p99", "(once per session)")
    # flat as the case grows: the last 40 saves (entries 262-301) cost what the first 40 cost; back to back,
    # so the background WAL checkpoint (after 250 commits without a pause) shares the disk with some of them
    for label, sample in (("the next 40 entries of a case (durable)", times[:40]),
                          (f"a case growing to {entries} more entries", times),
                          (f"the last 40 of those {entries}", times[-40:])):
        p50, p99 = pct(sample)
        report(f"entry save, {label}", f"p50 {p50:.1f} / p99 {p99:.1f} ms", floor,
               f"{p50 / floor50:.1f}x / {p99 / floor99:.1f}x", "p99 <= 2x, flat")
    return procedure_id


def bench_gui_entry(entries: int = 300) -> None:
    """Enter in the live log's form to the row on the timeline, the window drawn (benchmarks/gui_entry.py,
    its own process, offscreen). No floor: the target is one frame of a 60 Hz screen."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for kind in ("act", "note"):
        out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gui_entry.py"), "--entries", str(entries),
                              "--kind", kind], capture_output=True, text=True, env=env, check=True).stdout
        rows = {line.split()[0]: line.split() for line in out.splitlines() if line[:3] in ("p50", "p99")}
        report(f"GUI save at {entries} entries ({kind}), Enter -> row drawn",
               f"CPU p50 {rows['p50'][3]} / p99 {rows['p99'][3]} ms (wall {rows['p50'][1]} / {rows['p99'][1]})",
               target="p99 <= 16 ms (a frame)")


def bench_pdf(services: Services, admin, big_case: str) -> None:
    from cathlog.reports import data, pdf

    small = services.cases.list_cases(admin, status="closed", limit=1)[0].procedure_id
    for label, pid in (("40", small), ("300", big_case)):
        record = services.cases.get_record(admin, pid)
        pdf.render_summary(data.build_summary(record, None, [], date.today()))  # fonts loaded once
        wall, cpu = [], []
        for _ in range(15):
            t, c = time.perf_counter(), time.process_time()
            pdf.render_summary(data.build_summary(record, None, [], date.today()))
            wall.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        report(f"summary PDF, {len(record.events)}-entry case", f"p50 {statistics.median(wall):.0f} ms, "
               f"CPU {statistics.median(cpu):.0f} ms", target="<= 30 ms at 40" if label == "40" else "(no target)")


def _hwm_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), MB; 0 once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")), 0.0)


def _run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a command to its end; (seconds, peak RSS MB of the command). The peak is read from
    /proc while it runs: the rusage of wait4 would count this benchmark's own memory, which the
    child holds between fork and exec."""
    errors = tempfile.TemporaryFile()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors, env=env)
    peak = 0.0
    while True:
        pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, _hwm_mb(proc.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - t
    with errors:
        if status != 0:
            errors.seek(0)
            raise RuntimeError(f"{cmd[0]} failed: {errors.read().decode(errors='replace')[-2000:]}")
    return seconds, peak


def _cathlog(db: Path, *args: str) -> tuple[float, float]:
    env = {**os.environ, "CATHLOG_USER": "admin", "CATHLOG_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    return _run([sys.executable, "-m", "cathlog", *args, "--db", str(db)], env)


# An export as the GUI runs it: the file opened with the cheap checks only (the GUI runs quick_check
# in the background), signed in, then cathlog.exchange.export, audit row included. The command line
# checks the whole file first (PRAGMA quick_check); bench_csv measures that path on its own too.
EXPORT = """
import sys
from pathlib import Path
from cathlog.exchange.export import export
from cathlog.services import Services
from cathlog.store.db import Store
services = Services(Store.open(Path(sys.argv[1]), verify=False))
since = sys.argv[5] + "T00:00:00Z" if len(sys.argv) > 5 else None
export(services, services.auth.sign_in("admin", sys.argv[2]), sys.argv[4], Path(sys.argv[3]), {"since": since})
"""


def _export(db: Path, out: Path, fmt: str = "csv", since: str | None = None) -> tuple[float, float]:
    return _run([sys.executable, "-c", EXPORT, str(db), PASSWORD, str(out), fmt, *([since] if since else [])],
                {**os.environ, "PYTHONPATH": str(ROOT)})


def bench_csv(db: Path) -> None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute("SELECT (SELECT count(*) FROM event_versions) + (SELECT count(*) FROM current_procedures) "
                        "+ (SELECT count(*) FROM current_patients)").fetchone()[0]
    conn.close()
    with tempfile.TemporaryDirectory(dir=db.parent) as tmp:
        out = Path(tmp)
        c_time, c_mem = _export(db, out / "c.zip")
        measured = f"{c_time:.1f} s, {rows / c_time:,.0f} rows/s, {c_mem:.0f} MB"
        shell = shutil.which("sqlite3")
        if shell is None:
            report("CSV export, every table (zip)", measured, "no sqlite3 shell: apt-get install sqlite3", "-",
                   "<= 1.3x, constant memory")
            return
        setup, queries = export_rows.shell_queries()
        script = [*(s + ";" for s in setup), ".headers on", ".mode csv"]
        for table, sql in queries:
            script += [f".once {out / (table.name + '.csv')}", sql + ";"]
        (out / "floor.sql").write_text("\n".join(script) + "\n", encoding="utf-8")
        floor = [shell, "-bail", "-readonly", str(db), f".read {out / 'floor.sql'}"]
        s_time, s_mem = _run(floor)
        s2_time, s2_mem = _run(floor)  # then cathlog again: neither gains much from the cache the other warmed
        c2_time, c2_mem = _export(db, out / "d.zip")
        q_time, _ = _run([shell, "-readonly", str(db), "PRAGMA quick_check"])
        cli_time, _ = _cathlog(db, "export", "--format", "csv", "--out", str(out / "e.zip"))
    c_time, c_mem = min(c_time, c2_time), max(c_mem, c2_mem)
    s_time, s_mem = min(s_time, s2_time), max(s_mem, s2_mem)
    report(f"CSV export, {rows:,} rows (zip of 14 tables)", f"{c_time:.1f} s, {rows / c_time:,.0f} rows/s, "
           f"{c_mem:.0f} MB", f"sqlite3 shell {s_time:.1f} s, {s_mem:.0f} MB", f"{c_time / s_time:.2f}x",
           "<= 1.3x, constant memory")
    report("  the same from the command line, which first checks the whole file", f"{cli_time:.1f} s",
           f"shell quick_check {q_time:.1f} + export floor {s_time:.1f} s", f"{cli_time / (q_time + s_time):.2f}x")


def bench_other_exports(db: Path, share: float) -> None:
    """XLSX, JSON and FHIR over the newest cases (``share`` of them): rows per second."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    starts = [r[0] for r in conn.execute("SELECT started_at FROM current_procedures ORDER BY started_at")]
    since = starts[int(len(starts) * (1 - share))][:10]
    cases, entries = conn.execute(
        "SELECT count(*), (SELECT count(*) FROM event_versions AS e JOIN current_procedures AS c "
        "ON c.procedure_id = e.procedure_id WHERE c.started_at >= ?) FROM current_procedures "
        "WHERE started_at >= ?", (since, since)).fetchone()
    patients = conn.execute("SELECT count(DISTINCT patient_id) FROM current_procedures WHERE started_at >= ?",
                            (since,)).fetchone()[0]
    conn.close()
    rows = entries + cases + patients
    with tempfile.TemporaryDirectory(dir=db.parent) as tmp:
        for fmt in ("xlsx", "json", "fhir"):
            seconds, mem = _export(db, Path(tmp, f"x.{fmt}"), fmt, since)
            report(f"{fmt.upper()} export, cases since {since} ({cases:,})",
                   f"{rows / seconds:,.0f} rows/s, {cases / seconds:,.0f} cases/s, {mem:.0f} MB",
                   target=f"{seconds:.1f} s for {rows:,} rows")


STARTUP = """
import os, sys, time
t0 = time.perf_counter()
from PySide6.QtCore import QEvent, QObject


class FirstPaint(QObject):  # the moment the window is first drawn: what the user waits for
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(time.perf_counter() - t0, flush=True)
            os._exit(0)
        return False


paint = FirstPaint()
if sys.argv[1] == "cathlog":  # cathlog's own start (cathlog.app.run_gui) up to its sign-in window drawn
    from cathlog.ui import sign_in
    exec_ = sign_in._Base.exec

    def drawn(self):
        self.installEventFilter(paint)
        return exec_(self)
    sign_in._Base.exec = drawn
    from cathlog.app import run_gui
    run_gui(["--db", sys.argv[2]])
elif sys.argv[1] == "open":  # what opens behind the sign-in window: the services imported, the file opened
    from cathlog.services import Services
    Services.open(sys.argv[2], create=True, verify=False).close()
    print(time.perf_counter() - t0, flush=True)
    os._exit(0)
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
if sys.argv[1] == "main":  # after the password: the main window with the case list
    from PySide6.QtCore import QSettings
    from cathlog.services import Services
    from cathlog.store.db import Store
    from cathlog.ui.main_window import MainWindow
    from cathlog.ui.theme import apply_theme
    apply_theme(app, "light")
    services = Services(Store.open(sys.argv[2], verify=False))  # as cathlog.app does
    actor = services.auth.sign_in("admin", sys.argv[3])
    w = MainWindow(services, actor, "bench", settings=QSettings(sys.argv[4], QSettings.Format.IniFormat))
else:  # the floor: a bare PySide6 window
    w = QMainWindow()
w.installEventFilter(paint)
w.show()
app.exec()
"""


def bench_startup(db: Path, runs: int = 7) -> None:
    """Whole processes, each to its first window drawn; cathlog's runs interleaved with the bare window's."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               "PYTHONPATH": str(ROOT)}

        def run(kind: str) -> float:
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", STARTUP, kind, str(db), PASSWORD, f"{tmp}/s.ini"], env=env,
                           check=True, capture_output=True)
            return time.perf_counter() - t
        bare, app = [], []
        for _ in range(runs):  # interleaved, so a busy moment weighs on both
            bare.append(run("bare"))
            app.append(run("cathlog"))
        bare_s, app_s = statistics.median(bare), statistics.median(app)
        opened = statistics.median(run("open") for _ in range(3))
        main_window = statistics.median(run("main") for _ in range(3))
    report("start-up to the sign-in window drawn (whole process)", f"{app_s * 1000:.0f} ms",
           f"bare window {bare_s * 1000:.0f} ms", f"{app_s / bare_s:.2f}x", "<= 1.2x")
    report("  behind it: services imported and the file opened", f"{opened * 1000:.0f} ms",
           target="(after the window is drawn, while the user types)")
    report("start-up to the main window, signed in", f"{main_window * 1000:.0f} ms", f"bare window "
           f"{bare_s * 1000:.0f} ms", f"{main_window / bare_s:.2f}x", "(includes the Argon2id password check)")


def bench_audit(db: Path) -> None:
    """The audit viewer at scale (benchmarks/audit_trail.py fills a trail to 4 million rows): the first
    page and the slowest class, through the one service method the viewer and the command line share."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import audit_trail

    services = Services(Store.open(db, verify=False))
    try:
        rows = services.store.db.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
        indexed = [r[0] for r in services.store.db.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit' AND sql IS NOT NULL")]
        found = audit_trail.measure(services, services.auth.sign_in("admin", PASSWORD))
    finally:
        services.store.close()
    first = next(warm for label, _, _, warm in found if label.startswith("first page"))
    worst = max((f for f in found if not f[0].startswith(("count", "the viewer", "  More"))), key=lambda f: f[3])
    label = f"audit viewer, first page of 200 of {rows:,} rows"
    report(label, f"p50 {first:.1f} ms", target="< 50 ms")
    report(f"  slowest filter: {worst[0].strip()} (indexes: {', '.join(indexed)})", f"p50 {worst[3]:.1f} ms",
           target="< 50 ms")
    gui = next(f for f in found if f[0].startswith("the viewer"))
    report("  the viewer opened and shown (GUI, offscreen)", f"p50 {gui[3]:.1f} ms", target="< 50 ms")


def bench_server(source: Path | None, direct: bool) -> None:
    """The server figures beside their floor (benchmarks/server.py), when PostgreSQL is installed."""
    from tests.pg import pg_bin

    if pg_bin() is None:
        report("server figures", "skipped: PostgreSQL is not installed (apt-get install postgresql)")
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import server

    server.run(report, source=source, db=None, direct=direct)


def main() -> None:
    parser = argparse.ArgumentParser(description="cathlog benchmarks")
    parser.add_argument("--db", type=Path, required=True, help="a database made by benchmarks/generate.py")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--audit-db", type=Path, help="a database whose trail benchmarks/audit_trail.py filled")
    parser.add_argument("--server", action="store_true",
                        help="also the PostgreSQL figures (benchmarks/server.py) on a throwaway durable cluster")
    parser.add_argument("--server-from", type=Path,
                        help="with --server: a sealed file (generate.py --sealed) moved there first; default 200 "
                             "demo cases")
    parser.add_argument("--server-direct", action="store_true",
                        help="with --server-from: copy the case list's tables with COPY instead of migrate-db")
    parser.add_argument("--export-share", type=float, default=0.05,
                        help="share of the newest cases exported as XLSX, JSON and FHIR (default 0.05)")
    args = parser.parse_args()
    work = args.db.resolve()
    services = Services(Store.open(work))
    admin = services.auth.sign_in("admin", PASSWORD)
    procedures = services.store.db.conn.execute("SELECT count(DISTINCT procedure_id) FROM procedure_versions"
                                                ).fetchone()[0]
    print(f"machine: {machine()}")
    print(f"database: {work} ({procedures:,} procedures, {work.stat().st_size / 1e6:.0f} MB)")
    print(f"{'figure':<52} {'measured':>26} {'floor (same run)':>30} {'ratio':>12}   target")
    report("database bytes per procedure", f"{work.stat().st_size / procedures:,.0f}")
    big = bench_entries(services, admin, work.parent)
    bench_queries(services, admin)
    bench_pdf(services, admin, big)
    services.store.close()
    bench_gui_entry()
    bench_startup(work)
    if args.audit_db:
        bench_audit(args.audit_db)
    if args.server:
        bench_server(args.server_from, args.server_direct)
    if not args.skip_export:
        bench_csv(work)
        bench_other_exports(work, args.export_share)
    print("\n| figure | ratio to the floor | measured | floor, same run | target |\n|---|---|---|---|---|")
    for name, value, floor, ratio, target in ROWS:
        print(f"| {name} | {ratio} | {value} | {floor} | {target} |")


if __name__ == "__main__":
    main()
