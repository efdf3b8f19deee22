"""A generated benchmark file copied to a PostgreSQL server, to measure the same data there.

``benchmarks/generate.py`` clones cases at the SQL level without audit rows or seals, so
``cathlog migrate-db`` (which verifies the chain and every seal before and after) refuses such a
file; this copies it with the same code (``store/pg/migrate.copy``: every row, the case index
filled in the copying transaction) and skips only those verifications, then counts the rows on
both sides and has the owner analyze the tables (the planner's statistics).

    .venv/bin/python benchmarks/server_copy.py --from /tmp/bench100k.db \\
        --to postgresql://cathlog_owner@server/cathlog_bench
    .venv/bin/python benchmarks/server_copy.py --analyze --to postgresql://cathlog_owner@server/cathlog_bench

The server database must be empty with cathlog's schema (``cathlog server-install``). For benchmarks
only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cathlog.store.db import Store  # noqa: E402
from cathlog.store.pg import migrate  # noqa: E402
from cathlog.store.pg.engine import PostgresEngine  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", type=Path, help="the generated database file")
    parser.add_argument("--to", required=True, help="the server database, as its owner role")
    parser.add_argument("--analyze", action="store_true", help="only analyze the server's tables")
    args = parser.parse_args()
    target = PostgresEngine.connect(args.to)
    try:
        if not args.analyze:
            if args.source is None:
                parser.error("--from FILE is needed for a copy")
            store = Store.open(args.source, verify=False)
            try:
                t0 = time.perf_counter()
                counts = migrate.copy(store.engine, target)
                print(f"copied in {time.perf_counter() - t0:.0f} s: "
                      + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
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
