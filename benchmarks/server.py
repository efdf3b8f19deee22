"""cathlog on a PostgreSQL server: the move of a lab, the entry save against the server's own bare durable
commit measured in the same run, and the case list (every filter and sort it offers) at scale.

    .venv/bin/python benchmarks/generate.py --procedures 100000 --out /tmp/bench.db --sealed
    .venv/bin/python benchmarks/server.py --from /tmp/bench.db            # a throwaway durable cluster
    .venv/bin/python benchmarks/server.py --db postgresql://OWNER@HOST/DB  # a server of your own

Without ``--db`` it starts a throwaway cluster (``tests/pg.py``) with fsync and synchronous commit **on**,
reached over its Unix socket, and removes it afterwards. ``--db`` names an empty cathlog database
(``cathlog server-install``) as its owner role: the floor's table is made in a schema of its own and
dropped at the end. ``--from FILE`` first moves that file there with ``cathlog migrate-db`` (timed; the file
must verify: generate it with ``--sealed``) and runs ``ANALYZE``; without it 200 demo cases are loaded.
``--direct`` copies only what the case list and a save read, with COPY (``migrate-db`` checks every entry
row against the server's payload CHECK: hours at 100,000 procedures).
The floor: one 200-byte row per transaction, opened with cathlog's write lock
(``pg_advisory_xact_lock``) as cathlog opens every write, committed durably. Prints one row per figure,
with wall and CPU times (this process's CPU: the server's own work is in its processes); no asserts.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # cathlog and tests (the throwaway cluster)

from cathlog.domain.enums import Role  # noqa: E402
from cathlog.services import Services  # noqa: E402
from save_case import pct  # noqa: E402 - benchmarks/save_case.py
import save_case  # noqa: E402
from cathlog.store.db import Store  # noqa: E402
from cathlog.store.engine import LOCK_KEY  # noqa: E402

PASSWORD = "benchmark password"
Report = Callable[..., None]


def _plain_report(name: str, value: str, floor: str = "", ratio: str = "", target: str = "") -> None:
    print(f"{name:<58} {value:>34} {floor:>30} {ratio:>12}   {target}", flush=True)


def backend_cpu_ms(engine) -> Callable[[], float]:
    """The CPU time (ms) the server process serving ``engine`` has used so far, from Linux's schedstat
    (nanoseconds on a core); a function reading it again, or one returning 0.0 where it cannot be read
    (a server on another machine)."""
    pid = engine.scalar("SELECT pg_backend_pid()")
    path = Path(f"/proc/{pid}/schedstat")
    if not path.exists():
        return lambda: 0.0
    return lambda: int(path.read_text().split()[0]) / 1e6


def bare_commits(owner_url: str, n: int = 300) -> list[float]:
    """One 200-byte row per durable transaction, under cathlog's write lock, in a scratch schema (ms)."""
    import psycopg

    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS cathlog_bench_floor CASCADE")
        conn.execute("CREATE SCHEMA cathlog_bench_floor")
        conn.execute("CREATE TABLE cathlog_bench_floor.t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                     "body text NOT NULL)")
        times = []
        try:
            for _ in range(n):
                t = time.perf_counter()
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
                    conn.execute("INSERT INTO cathlog_bench_floor.t (body) VALUES (%s)", ["x" * 200])
                times.append((time.perf_counter() - t) * 1000)
        finally:
            conn.execute("DROP SCHEMA cathlog_bench_floor CASCADE")
    return times


def move(file: Path, owner_url: str, report: Report) -> None:
    """``cathlog migrate-db --from FILE --to URL``, as a lab runs it: wall time and the client's CPU."""
    env = dict(os.environ, CATHLOG_USER="admin", CATHLOG_PASSWORD=PASSWORD)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cathlog", "migrate-db", "--from", str(file), "--to", owner_url],
                          env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"migrate-db failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(done.stdout.strip(), flush=True)
    report(f"move of the file to the server (migrate-db: copy + verify), {file.stat().st_size / 1e6:,.0f} MB",
           f"{wall:,.0f} s wall, {cpu:,.0f} s client CPU")


def direct_copy(file: Path, owner_url: str, report: Report) -> None:
    """What the case list and the worklist read of ``file`` into the server with COPY, as the owner, the
    case index filled (``benchmarks/server_copy.py --lists``): a benchmark's short cut where ``migrate-db``
    would take hours (see docs/performance.md). The audit trail, the seals and most entries stay behind, so
    this copy does not verify and is for the case list and the save figures only."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import server_copy

    from cathlog.store.pg.engine import PostgresEngine

    source = Store.open(file, verify=False, read_only=True)
    target = PostgresEngine.connect(owner_url)
    t = time.perf_counter()
    try:
        counts = server_copy.copy(source.engine, target, server_copy.LISTS)
        target.execute("ANALYZE")
    finally:
        target.close()
        source.close()
    report("direct copy of what the case list reads (COPY, the case index filled; no audit trail, no seals)",
           f"{time.perf_counter() - t:,.0f} s wall", target=", ".join(f"{k} {v:,}" for k, v in counts.items()))


def bench_saves(services: Services, admin, owner_url: str, report: Report, entries: int = 300) -> None:
    """Entry saves into one new case through the services, between two runs of the floor."""
    nurse, procedure_id = save_case.open_case(services, admin, PASSWORD)
    kinds = save_case.KINDS
    floor50, floor99 = pct(bare_commits(owner_url))
    server_cpu = backend_cpu_ms(services.store.engine)
    times, cpu = [], []  # wall; CPU of this process and of its server process together
    for i in range(entries):
        kind, data = kinds[i % 3]
        t, c, b = time.perf_counter(), time.process_time(), server_cpu()
        services.cases.record_event(nurse, procedure_id, kind, data, confirm=True)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000 + server_cpu() - b)
    after50, after99 = pct(bare_commits(owner_url))
    floor50, floor99 = (floor50 + after50) / 2, (floor99 + after99) / 2
    floor = f"commit p50 {floor50:.2f} / p99 {floor99:.2f} ms"
    for label, sample, sample_cpu in (("first 40 entries of a case", times[:40], cpu[:40]),
                                      (f"a case growing to {entries} entries", times, cpu),
                                      (f"entries {entries - 39}-{entries} of that case", times[-40:], cpu[-40:])):
        p50, p99 = pct(sample)
        report(f"server: entry save, {label}",
               f"p50 {p50:.1f} / p99 {p99:.1f} ms (CPU p50 {statistics.median(sample_cpu):.1f} / p99 "
               f"{pct(sample_cpu)[1]:.1f})", floor,
               f"{p50 / floor50:.1f}x / {p99 / floor99:.1f}x", "p99 <= 2x (SQLite's target)")


def case_list_cases(services: Services, admin) -> list[tuple[str, dict]]:
    """Every filter and sort the case list offers (not the word search), as the screen asks: 200 rows."""
    rooms = services.cases.case_rooms(admin)
    newest = services.cases.list_cases(admin, limit=1)[0].started_at
    year = newest[:4]
    cases: list[tuple[str, dict]] = [("first page (newest first)", {})]
    for sort in ("procedure_id", "patient", "mrn", "category", "status", "operator", "room"):
        cases.append((f"sorted by {sort}", {"sort": sort, "descending": False}))
    cases.append(("sorted by started_at, oldest first", {"descending": False}))
    cases.append(("sorted by patient, descending", {"sort": "patient", "descending": True}))
    cases.append(("status: open", {"status": "open"}))
    cases.append(("status: closed", {"status": "closed"}))
    if rooms:
        cases.append((f"room: {rooms[0]}", {"room": rooms[0]}))
    cases.append((f"dates: the year {year}", {"since": f"{year}-01-01T00:00:00Z", "until": f"{year}-12-31T23:59:59Z"}))
    cases.append(("dates: one day", {"since": newest[:10] + "T00:00:00Z", "until": newest[:10] + "T23:59:59Z"}))
    cases.append(("waiting for my signature (closed, unsigned by me; a physician)", {"waiting_for_me": True}))
    cases.append(("status closed, sorted by patient", {"status": "closed", "sort": "patient", "descending": False}))
    cases.append(("page 3 (offset 400)", {"offset": 400}))
    return cases


def bench_case_list(services: Services, admin, report: Report, repeat: int = 7) -> None:
    """Each query ``repeat`` times: the median wall time, and the median CPU time of this process and
    its server process together (the machine is shared: the CPU time drifts less)."""
    name = f"doc{os.getpid()}"
    services.auth.add_user(admin, name, "Dr. Bench", Role.PHYSICIAN, PASSWORD)
    physician = services.auth.sign_in(name, PASSWORD)
    server_cpu = backend_cpu_ms(services.store.engine)
    procedures = services.store.engine.scalar("SELECT count(DISTINCT procedure_id) FROM procedure_versions")
    rooms = services.cases.case_rooms(admin)
    t = time.perf_counter()
    services.cases.case_rooms(admin)
    report("server: the room filter's list", f"{(time.perf_counter() - t) * 1000:.1f} ms ({len(rooms)} rooms)")
    for label, kwargs in case_list_cases(services, admin):
        wall, cpu = [], []
        who = physician if kwargs.get("waiting_for_me") else admin
        for _ in range(repeat):
            t, c, b = time.perf_counter(), time.process_time(), server_cpu()
            rows = services.cases.list_cases(who, limit=200, **kwargs)
            wall.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000 + server_cpu() - b)
        report(f"server: case list at {procedures:,}, {label}",
               f"p50 {statistics.median(wall):.1f} ms, CPU {statistics.median(cpu):.1f} ms ({len(rows)} rows)",
               target="< 50 ms")


def run(report: Report, *, source: Path | None, db: str | None, entries: int = 300, repeat: int = 7,
        direct: bool = False) -> None:
    """The server figures; a throwaway durable cluster unless ``db`` names one (owner URL)."""
    cluster = None
    try:
        if db is None:
            from tests.pg import start_cluster

            cluster = start_cluster(durable=True)
            database = cluster.new_database()
            owner_url, app_url = database.owner_url, database.app_url
            print(f"server: a throwaway PostgreSQL cluster (durable: fsync and synchronous_commit on) in "
                  f"{cluster.root}, Unix socket", flush=True)
        else:
            owner_url = app_url = db
        if source is not None:
            (direct_copy if direct else move)(source, owner_url, report)
            import psycopg

            t = time.perf_counter()
            with psycopg.connect(owner_url, autocommit=True) as conn:
                conn.execute("ANALYZE")
            report("  then ANALYZE (the planner's statistics)", f"{time.perf_counter() - t:.1f} s")
        services = Services(Store.open(app_url))
        try:
            if source is None:
                admin = services.auth.create_first_admin("admin", "Admin", PASSWORD)
                services.demo.load(admin, 200, seed=1)
            else:
                admin = services.auth.sign_in("admin", PASSWORD)
            bench_saves(services, admin, owner_url, report, entries)
            bench_case_list(services, admin, report, repeat)
        finally:
            services.store.close()
    finally:
        if cluster is not None:
            cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path,
                        help="a sealed database file (generate.py --sealed) moved to the server first")
    parser.add_argument("--db", help="postgresql://OWNER@HOST/DB: an empty cathlog database (default: a "
                                     "throwaway durable local cluster)")
    parser.add_argument("--direct", action="store_true",
                        help="copy only the case list's tables with COPY instead of migrate-db (hours at 100,000)")
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=7, help="runs of each case-list query (median shown)")
    args = parser.parse_args()
    run(_plain_report, source=args.source, db=args.db, entries=args.entries, repeat=args.repeat,
        direct=args.direct)


if __name__ == "__main__":
    main()
