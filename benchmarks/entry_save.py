"""Time saving one log entry through the services: validate, version row,
audit row, one durable (fsync'd, WAL, synchronous=FULL) commit.

    .venv/bin/python benchmarks/entry_save.py [--entries N] [--background-cases M] [--server | --db URL]

Prints p50/p95/p99/max in ms, wall and CPU (this process's), and on a file the bare durable commit of one row
measured on the same disk before and after the saves (``run_all.bare_commits``), with the ratio. A plain
script, not a test: figures, no asserts. ``--server``: the same on
PostgreSQL, a throwaway local cluster (tests/pg.py) with fsync and synchronous commit on, over its Unix
socket (a lab's network adds its round trips: about 4 per save). ``--db postgresql://ROLE@HOST/DB``: the same
on a server of your own (an empty cathlog database: ``cathlog server-install``). ``benchmarks/server.py``
measures the server's bare durable commit beside the saves, the case list at scale and the move of a file.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # cathlog and tests (--server)
from cathlog.domain.enums import Role  # noqa: E402
from cathlog.domain.records import Patient  # noqa: E402
from cathlog.services import Services  # noqa: E402
from cathlog.store.db import Store  # noqa: E402
from run_all import bare_commits  # noqa: E402 - benchmarks/run_all.py: the floor, one way


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=400)
    parser.add_argument("--background-cases", type=int, default=200, help="demo cases already in the database")
    parser.add_argument("--server", action="store_true", help="on PostgreSQL (a throwaway durable local cluster)")
    parser.add_argument("--db", help="postgresql://ROLE@HOST/DB: an empty cathlog database on a server of yours")
    args = parser.parse_args()
    cluster = None
    if args.server:
        from tests.pg import start_cluster

        cluster = start_cluster(durable=True)
    try:
        run(args, cluster)
    finally:
        if cluster is not None:
            cluster.stop()


def run(args: argparse.Namespace, cluster: object) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            target: object = args.db
        else:
            target = cluster.new_database().app_url if cluster is not None else Path(tmp) / "bench.db"  # type: ignore[attr-defined]
        services = Services(Store.open(target))
        admin = services.auth.create_first_admin("admin", "Admin", "benchmark password")
        t0 = time.perf_counter()
        services.demo.load(admin, args.background_cases, seed=1)
        demo_s = time.perf_counter() - t0
        services.auth.add_user(admin, "nurse", "Nurse", Role.NURSE, "benchmark password")
        nurse = services.auth.sign_in("nurse", "benchmark password")
        patient = services.cases.register_patient(nurse, Patient("BENCH1", "Bench", "1950-01-01", "male",
                                                                 weight_kg=80.0))
        proc = services.cases.open_case(nurse, patient.patient_id, {
            "category": "coronary", "planned": ["stenting"], "indication": "sihd", "urgency": "elective"})
        kinds = [("act", {"act_s": 260}), ("contrast", {"agent": "iohexol", "volume_ml": 5.0}),
                 ("note", {"text": "benchmark entry"}),
                 ("medication", {"drug": "nitroglycerin", "dose": 100.0, "dose_unit": "mcg", "route": "ia"})]
        on_file = cluster is None and not args.db
        floor = bare_commits(Path(tmp)) if on_file else []
        times, cpu = [], []
        for i in range(args.entries):
            kind, data = kinds[i % len(kinds)]
            c, t = time.process_time(), time.perf_counter()
            services.cases.record_event(nurse, proc.procedure_id, kind, data, confirm=True)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        if on_file:
            floor += bare_commits(Path(tmp))
        times.sort()
        q, qc = statistics.quantiles(times, n=100), statistics.quantiles(cpu, n=100)
        print(f"database: {args.background_cases} demo cases (loaded in {demo_s:.1f} s), then {args.entries} "
              f"entries into one case (the case grows to {args.entries} entries)")
        qf = statistics.quantiles(floor, n=100) if floor else None
        print(f"{'metric':<28}{'wall ms':>9}{'CPU ms':>9}" + (f"{'floor ms':>10}{'ratio':>8}" if qf else ""))
        for name, i in (("entry save p50", 49), ("entry save p95", 94), ("entry save p99", 98)):
            extra = f"{qf[i]:>10.2f}{q[i] / qf[i]:>7.1f}x" if qf else ""
            print(f"{name:<28}{q[i]:>9.2f}{qc[i]:>9.2f}{extra}")
        print(f"{'entry save max':<28}{times[-1]:>9.2f}{max(cpu):>9.2f}")
        services.store.close()  # first: pages still in the WAL (checkpointed in the background) count too
        if on_file:
            size = (Path(tmp) / "bench.db").stat().st_size
            print(f"{'database bytes':<28}{size:>9}")


if __name__ == "__main__":
    main()
