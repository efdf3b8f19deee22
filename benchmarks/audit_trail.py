"""The audit viewer at scale (issue 18 item 6): first page and paging of a 4-million-row trail.

The trail of 100,000 procedures is about 4 million audit rows (40 entries a case, plus sign-ins,
views, reports, reviews). Logging 100,000 procedures through the services takes hours, so this
benchmark takes any database (``benchmarks/generate.py --procedures 2000`` is enough: the viewer
reads the audit table only) and fills its trail up to ``--rows`` with synthetic rows written
straight into the table by one SQL statement (about a minute):

  - 100,000 case ids, 40 rows each, in the order cases are logged, over five years up to now;
  - 40 users (24 nurses, 10 physicians, 5 technologists, an admin), one nurse per case;
  - actions in the proportions of a lab: record_event 70 %, view_record 10 %, correct_event 5 %,
    sign_in 3 %, ... down to one record export in 100,000 rows;
  - ``at`` follows ``seq`` but one row in 97 is two minutes early (a workstation's clock), so
    the date filters cannot assume that time and ``seq`` agree;
  - the hashes are placeholders: this chain does not verify (benchmarks only, never a real file).

Then it measures each class of the viewer's query through ``services.admin.audit_rows`` (the one
method the viewer and the command line share): the first page of 200 (newest first), the next
pages (keyset: ``before_seq`` = the last seq shown), and each filter, over the indexes of migrations
0016 and 0017 (opening the file migrates it).

    .venv/bin/python benchmarks/generate.py --procedures 2000 --out /tmp/audit.db
    .venv/bin/python benchmarks/audit_trail.py --db /tmp/audit.db --rows 4000000
    .venv/bin/python benchmarks/audit_trail.py --server --rows 4000000    # a throwaway PostgreSQL cluster
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cathlog.services import Services  # noqa: E402
from cathlog.store.db import Store  # noqa: E402

PASSWORD = "benchmark password"
PAGE = 200
SPAN_S = 5 * 365 * 86400

# (share in 10,000, action, names a case): the mix of a lab's trail
_MIX = ((6950, "record_event", True), (1000, "view_record", True), (500, "correct_event", True),
        (300, "sign_in", False), (250, "open_case", True), (250, "close_case", True),
        (200, "register_patient", False), (150, "write_report", True), (100, "print_report", True),
        (100, "save_review", True), (50, "sign", True), (50, "mark_reminder", True), (30, "void_event", True),
        (20, "export_case_list", False), (49, "addendum", True), (1, "set_setting", False))


def _action_sql() -> tuple[str, str]:
    """CASE expressions picking the action (and whether it names a case) from ``h``, 0-9999."""
    action, case, upto = ["CASE"], ["CASE"], 0
    for share, name, names_case in _MIX:
        upto += share
        action.append(f"WHEN h < {upto} THEN '{name}'")
        case.append(f"WHEN h < {upto} THEN {int(names_case)}")
    assert upto == 10_000
    return " ".join(action) + " END", " ".join(case) + " END"


def fill(conn, rows: int) -> int:
    """Append synthetic rows until the trail holds ``rows``; returns how many were added."""
    have, last = conn.execute("SELECT count(*), coalesce(max(seq), 0) FROM audit").fetchone()
    add = rows - have
    if add <= 0:
        return 0
    action, names_case = _action_sql()
    t0 = int(time.time()) - SPAN_S
    step = SPAN_S / add
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(f"""
INSERT INTO audit (seq, at, username, workstation, action, entity, entity_id, procedure_id, old_value,
                   new_value, reason, prev_hash, hash)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {add - 1}),
m AS (SELECT i, (i * 7919 + (i / 40) * 104729) % 10000 AS h, i / 40 AS c,
             {t0} + CAST(i * {step} AS INTEGER) - CASE WHEN i % 97 = 0 THEN 120 ELSE 0 END AS t FROM n),
r AS (SELECT *, {action} AS action, {names_case} AS names_case FROM m)
SELECT {last} + 1 + i,
       strftime('%Y-%m-%dT%H:%M:%SZ', t, 'unixepoch'),
       CASE WHEN action IN ('view_record', 'write_report', 'print_report', 'save_review', 'sign', 'addendum')
            THEN printf('dr%02d', (c * 31 + i) % 10 + 1)
            WHEN action = 'set_setting' THEN 'admin'
            WHEN action = 'correct_event' AND i % 3 = 0 THEN printf('tech%02d', c % 5 + 1)
            ELSE printf('nurse%02d', c % 24 + 1) END,
       printf('cathlab-%d', c % 3 + 1),
       CASE WHEN i % 100000 = 50000 THEN 'export' ELSE action END,
       CASE WHEN names_case THEN 'event' ELSE 'user' END,
       printf('%032x', i * 2654435761 % 4294967296 * 4294967296 + i),
       CASE WHEN names_case OR i % 100000 = 50000
            THEN 'P' || strftime('%Y%m%d', t, 'unixepoch') || printf('-A%07d', c) END,
       CASE WHEN action = 'correct_event' THEN '{{"act_s":250,"kind":"act"}}' END,
       CASE WHEN names_case THEN printf('{{"act_s":%d,"kind":"act","occurred_at":"%s"}}', 200 + h % 200,
                                        strftime('%Y-%m-%dT%H:%M:%SZ', t, 'unixepoch')) END,
       CASE WHEN action = 'correct_event' THEN 'typo in the reading' END,
       printf('%064x', {last} + i),
       printf('%064x', {last} + 1 + i)
FROM r""")
    conn.execute("COMMIT")
    conn.execute("ANALYZE audit")
    return add


def fill_server(owner_url: str, rows: int) -> int:
    """The same synthetic trail on a PostgreSQL server, written as its owner role (the runtime role may
    only append through cathlog): the same mix, clocks and placeholder hashes as :func:`fill`."""
    import psycopg

    action, names_case = _action_sql()
    with psycopg.connect(owner_url) as conn:
        have, last = conn.execute("SELECT count(*), coalesce(max(seq), 0) FROM audit").fetchone()
        add = rows - have
        if add <= 0:
            return 0
        t0 = int(time.time()) - SPAN_S
        step = SPAN_S / add
        stamp = "to_char(to_timestamp(t) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        conn.execute(f"""
INSERT INTO audit (seq, at, username, workstation, action, entity, entity_id, procedure_id, old_value,
                   new_value, reason, prev_hash, hash)
WITH m AS (SELECT i, (i * 7919 + (i / 40) * 104729) % 10000 AS h, i / 40 AS c,
                  {t0} + (i * {step})::bigint - CASE WHEN i % 97 = 0 THEN 120 ELSE 0 END AS t
           FROM generate_series(0::bigint, {add - 1}) AS i),
r AS (SELECT *, {action} AS action, ({names_case}) = 1 AS names_case FROM m)
SELECT {last} + 1 + i, {stamp},
       CASE WHEN action IN ('view_record', 'write_report', 'print_report', 'save_review', 'sign', 'addendum')
            THEN format('dr%s', lpad(((c * 31 + i) % 10 + 1)::text, 2, '0'))
            WHEN action = 'set_setting' THEN 'admin'
            WHEN action = 'correct_event' AND i % 3 = 0 THEN format('tech%s', lpad((c % 5 + 1)::text, 2, '0'))
            ELSE format('nurse%s', lpad((c % 24 + 1)::text, 2, '0')) END,
       format('cathlab-%s', c % 3 + 1),
       CASE WHEN i % 100000 = 50000 THEN 'export' ELSE action END,
       CASE WHEN names_case THEN 'event' ELSE 'user' END,
       lpad(to_hex(i), 32, '0'),
       CASE WHEN names_case OR i % 100000 = 50000
            THEN 'P' || to_char(to_timestamp(t) AT TIME ZONE 'UTC', 'YYYYMMDD') || format('-A%s', lpad(c::text, 7, '0')) END,
       CASE WHEN action = 'correct_event' THEN '{{"act_s":250,"kind":"act"}}' END,
       CASE WHEN names_case THEN format('{{"act_s":%s,"kind":"act","occurred_at":"%s"}}', 200 + h % 200, {stamp}) END,
       CASE WHEN action = 'correct_event' THEN 'typo in the reading' END,
       lpad(to_hex({last} + i), 64, '0'),
       lpad(to_hex({last} + 1 + i), 64, '0')
FROM r""")
        conn.execute("ANALYZE audit")
    return add


def _ms(fn, repeat: int = 9) -> tuple[float, float]:
    """(first run, median of the following runs), ms."""
    out = []
    for _ in range(repeat + 1):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out[0], statistics.median(out[1:])


def measure(services: Services, admin) -> list[tuple[str, int, float, float]]:
    conn = services.store.engine
    newest = services.admin.audit_rows(admin, newest_first=True, limit=1)[0]
    mid_case = conn.execute("SELECT procedure_id FROM audit WHERE seq = ?", [newest.seq // 2]).fetchone()[0] \
        or conn.execute("SELECT procedure_id FROM audit WHERE procedure_id IS NOT NULL AND seq > ? LIMIT 1",
                        [newest.seq // 2]).fetchone()[0]
    day = newest.at[:10]
    old_day = conn.execute("SELECT at FROM audit WHERE seq = ?", [newest.seq // 3]).fetchone()[0][:10]
    old_month = old_day[:7]
    year = str(int(day[:4]) - 2)
    month_end = f"{old_month[:4]}-{int(old_month[5:]) + 1:02d}" if old_month[5:] != "12" else f"{int(old_month[:4]) + 1}-01"
    classes = [
        ("first page, no filter", {}),
        ("a user (a nurse, 4 % of rows)", {"username": "nurse07"}),
        ("a rare user (the admin)", {"username": "admin"}),
        ("an action, common (record_event)", {"action": "record_event"}),
        ("an action, rare (export: 1 in 100,000)", {"action": "export"}),
        ("an action nobody took (a typo)", {"action": "exprot"}),
        ("one case", {"procedure_id": mid_case}),
        ("one day, today", {"since": f"{day}T00:00:00Z", "until": f"{day}T23:59:59Z"}),
        (f"one day, {old_day}", {"since": f"{old_day}T00:00:00Z", "until": f"{old_day}T23:59:59Z"}),
        (f"one month, {old_month}", {"since": f"{old_month}-01T00:00:00Z", "until": f"{month_end}-01T00:00:00Z"}),
        (f"one year, {year}", {"since": f"{year}-01-01T00:00:00Z", "until": f"{int(year) + 1}-01-01T00:00:00Z"}),
        (f"one local year, {year} (UTC+1)", {"since": f"{int(year) - 1}-12-31T23:00:00Z",
                                             "until": f"{year}-12-31T23:00:00Z"}),
        (f"a half year, {year}-03-15 to 09-15", {"since": f"{year}-03-15T00:00:00Z",
                                                 "until": f"{year}-09-15T00:00:00Z"}),
        (f"a user on {old_day}", {"username": "nurse07", "since": f"{old_day}T00:00:00Z",
                                  "until": f"{old_day}T23:59:59Z"}),
        ("a physician's views (user and action)", {"username": "dr03", "action": "view_record"}),
    ]
    out = []
    for label, filters in classes:
        page: list = []

        def first(f=filters) -> None:
            page[:] = services.admin.audit_rows(admin, **f, newest_first=True, limit=PAGE + 1)
        cold, warm = _ms(first)
        out.append((label, len(page[:PAGE]), cold, warm))
        if len(page) > PAGE:
            before = page[PAGE - 1].seq
            _, nxt = _ms(lambda f=filters, b=before: services.admin.audit_rows(
                admin, **f, before_seq=b, newest_first=True, limit=PAGE + 1))
            out.append(("  the next page (More)", PAGE, nxt, nxt))
    # a page deep in the trail: the 10,000th row back, then its next page
    deep = newest.seq - 10_000
    _, warm = _ms(lambda: services.admin.audit_rows(admin, before_seq=deep, newest_first=True, limit=PAGE + 1))
    out.append(("a page 10,000 rows back (50 pages of More)", PAGE, warm, warm))
    _, warm = _ms(lambda: services.admin.audit_count(admin), repeat=3)
    out.append(("count of every row (export's dialog title)", 0, warm, warm))
    out += _gui(services, admin)
    return out


def _gui(services: Services, admin) -> list[tuple[str, int, float, float]]:
    """The viewer itself (offscreen): made, filled with the newest page and shown; then More."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from cathlog.ui.admin import AuditDialog

    app = QApplication.instance() or QApplication([])
    opened, more = [], []
    for _ in range(6):
        t = time.perf_counter()
        dialog = AuditDialog(services, admin)
        dialog.show()
        app.processEvents()
        opened.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        dialog.load_more()
        app.processEvents()
        more.append((time.perf_counter() - t) * 1000)
        dialog.close()
        dialog.deleteLater()
        app.processEvents()
    return [("the viewer opened and shown, newest page (GUI)", dialog.table.rowCount() - PAGE, opened[0],
             statistics.median(opened[1:])),
            ("  More (GUI: the next 200 rows added)", PAGE, more[0], statistics.median(more[1:]))]


def main() -> None:
    parser = argparse.ArgumentParser(description="audit viewer at scale")
    parser.add_argument("--db", type=Path, help="a cathlog file (benchmarks/generate.py)")
    parser.add_argument("--server", action="store_true",
                        help="on PostgreSQL instead: a throwaway local cluster (tests/pg.py), a new lab in it")
    parser.add_argument("--rows", type=int, default=4_000_000, help="fill the trail up to this many rows")
    args = parser.parse_args()
    if args.server == (args.db is not None):
        parser.error("give --db FILE or --server")
    cluster = None
    if args.server:
        from tests.pg import start_cluster

        cluster = start_cluster(durable=True)
        database = cluster.new_database()
        services = Services(Store.open_server(database.app_url))
        services.auth.create_first_admin("admin", "Admin", PASSWORD)
        where = "a local PostgreSQL cluster"
    else:
        services = Services(Store.open(args.db, verify=False))
        where = str(args.db)
    engine = services.store.engine
    try:
        t = time.perf_counter()
        added = fill_server(database.owner_url, args.rows) if args.server else fill(services.store.db.conn, args.rows)
        if added:
            print(f"added {added:,} synthetic audit rows in {time.perf_counter() - t:.0f} s")
        admin = services.auth.sign_in("admin", PASSWORD)
        total = engine.scalar("SELECT max(seq) FROM audit")
        indexes = [r[0] for r in engine.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'audit' ORDER BY 1" if args.server else
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit' AND sql IS NOT NULL "
            "ORDER BY name").fetchall()]
        print(f"{where}: {total:,} audit rows; indexes on audit: {', '.join(indexes)}")
        print(f"{'class (newest first, page of 200)':<48} {'rows':>5} {'first run':>10} {'median':>10}")
        for label, n, cold, warm in measure(services, admin):
            print(f"{label:<48} {n:>5} {cold:>8.1f} ms {warm:>7.1f} ms", flush=True)
    finally:
        services.store.close()
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
