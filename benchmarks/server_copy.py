"""A generated benchmark file copied to a PostgreSQL server, to measure the same data there.

``benchmarks/generate.py`` clones cases at the SQL level without audit rows or seals, so
``cathlog migrate-db`` (which verifies the chain and every seal before and after) refuses such a
file. This copies the same tables in the same order as ``store/pg/migrate.copy`` but with
PostgreSQL's COPY protocol (migrate-db's batched INSERTs copied about 500 rows a second on the loaded machine: hours for
4 million entries), fills the case index as migrate-db does, in the same transaction, counts the rows
on both sides (``migrate.compare``) and has the owner analyze the tables (the planner's statistics).

    .venv/bin/python benchmarks/server_copy.py --from /tmp/bench100k.db \\
        --to postgresql://cathlog_owner@server/cathlog_bench
    .venv/bin/python benchmarks/server_copy.py --analyze --to postgresql://cathlog_owner@server/cathlog_bench

``--lists`` copies only what the case list and the worklist read (the entries: devices only).

The server database must be empty with cathlog's schema (``cathlog server-install``). For benchmarks
only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cathlog.store import search  # noqa: E402
from cathlog.store.db import Store  # noqa: E402
from cathlog.store.pg import migrate  # noqa: E402
from cathlog.store.pg.engine import PostgresEngine  # noqa: E402


# --lists: what the case list and the worklist read (no audit trail, no seals, of the entries only the
# devices, which the worklist's IVC filter windows come from): minutes instead of an hour on a shared machine.
LISTS = {"users": "", "settings": "", "patient_versions": "", "patient_mrns": "", "procedure_versions": "",
         "event_versions": "WHERE kind = 'device'", "review_versions": "", "reminder_versions": "",
         "signature_events": ""}


def copy(source, target: PostgresEngine, only: dict[str, str] | None = None) -> dict[str, int]:
    """migrate.copy's tables, order and row numbers, by COPY (one transaction, under the write lock)."""
    counts = {}
    with target.write():
        for table, order in migrate.COPIED.items():
            if only is not None and table not in only:
                continue
            where = only[table] if only is not None else ""
            names = [d[0] for d in source.execute(f"SELECT * FROM {table} LIMIT 0").description]
            with target.conn.cursor().copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as pipe:
                counts[table] = 0
                for row in source.execute(f"SELECT {', '.join(names)} FROM {table} {where} ORDER BY {order}"):
                    pipe.write_row(row)
                    counts[table] += 1
            print(f"  {table}: {counts[table]:,}", flush=True)
        for table, column in migrate._IDENTITY.items():
            target.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                           f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)")
        t0 = time.perf_counter()
        indexed = search.rebuild(target)
        print(f"  case index: {indexed:,} cases in {time.perf_counter() - t0:.1f} s", flush=True)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", type=Path, help="the generated database file")
    parser.add_argument("--to", required=True, help="the server database, as its owner role")
    parser.add_argument("--analyze", action="store_true", help="only analyze the server's tables")
    parser.add_argument("--lists", action="store_true",
                        help="only what the case list and the worklist read (entries: the devices only)")
    args = parser.parse_args()
    target = PostgresEngine.connect(args.to)
    try:
        if not args.analyze:
            if args.source is None:
                parser.error("--from FILE is needed for a copy")
            store = Store.open(args.source, verify=False)
            try:
                t0 = time.perf_counter()
                counts = copy(store.engine, target, LISTS if args.lists else None)
                print(f"copied in {time.perf_counter() - t0:.0f} s")
                if not args.lists:
                    problems = migrate.compare(store.engine, target)
                    print("counts agree" if not problems else "; ".join(problems))
            finally:
                store.close()
        t0 = time.perf_counter()
        target.execute("ANALYZE")
        print(f"analyzed in {time.perf_counter() - t0:.1f} s")
    finally:
        target.close()


if __name__ == "__main__":
    main()
