"""The follow-up worklist at scale (issue 12 item 10, issue 18 item 6: first page within 50 ms
at 100,000 procedures).

Takes a database made by ``benchmarks/generate.py`` (every case closed, none reviewed, one in
five with a retrievable IVC filter) and gives it reviewed cases: the reminder rules' own
suggestions for each template case, shifted to each clone's date, accepted (SQL level, like the
clones; no audit rows) for the cases without a filter and for half of those with one; most
reminders due more than 90 days ago marked done. Then it times the first build of the worklist
table, the first page under each preset and filter, "more", and the refresh after one new entry.

    .venv/bin/python benchmarks/worklist.py --db /tmp/bench100k.db

On a PostgreSQL server (``--db postgresql://...``): run it on the file first (that adds the reviews),
copy the file with ``benchmarks/server_copy.py``, then run it on the server's URL.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cathlog.domain.worklist import WorklistQuery, WorkOrder, WorkState  # noqa: E402
from cathlog.rules import reminders as reminder_rules  # noqa: E402
from cathlog.services import Services  # noqa: E402
from cathlog.store.db import Store  # noqa: E402

PASSWORD = "benchmark password"


def add_reviews(services: Services, admin, seed: int = 1) -> int:
    if services.store.engine.scalar("SELECT count(*) FROM reminder_versions"):
        return 0
    conn = services.store.db.conn  # a file: the server gets them by the copy
    rng = random.Random(seed)
    templates = {}
    for (pid,) in conn.execute("SELECT procedure_id FROM current_procedures WHERE procedure_id NOT LIKE '%-B%'"):
        record = services.cases.get_record(admin, pid)
        day = date.fromisoformat(record.procedure.started_at[:10])
        templates[(record.procedure.category, record.procedure.indication, record.procedure.indication_detail)] = [
            (s, (date.fromisoformat(s.due_date) - day).days) for s in reminder_rules.suggest(record)]
    rows = []
    today = date.today()
    sql = ("SELECT procedure_id, started_at, category, indication, indication_detail FROM current_procedures "
           "WHERE procedure_id LIKE '%-B%'")
    for pid, started, category, indication, detail in conn.execute(sql).fetchall():
        suggestions = templates.get((category, indication, detail), [])
        has_filter = any(s.rule_id == "R3" for s, _ in suggestions)
        if has_filter and rng.random() < 0.5:
            continue  # left unreviewed: its filter windows are pending
        day = date.fromisoformat(started[:10])
        for s, offset in suggestions:
            due = (day + timedelta(days=offset)).isoformat()
            rid = f"{rng.getrandbits(128):032x}"
            base = [rid, pid, s.rule_id, due, due, s.title, s.text, s.source]
            rows.append(base + [1, "accepted", f"{started[:10]}T12:00:00Z", "demo.physician", None])
            if date.fromisoformat(due) < today - timedelta(days=90) and rng.random() < 0.9:
                rows.append(base + [2, "done", f"{due}T12:00:00Z", "demo.physician", "seen in clinic"])
    with services.store.write():
        conn.executemany("INSERT INTO reminder_versions (reminder_id, procedure_id, rule_id, due_date, suggested_due, "
                         "title, text, source, version, status, changed_at, changed_by, reason) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("ANALYZE")
    return len(rows)


def timed(fn, runs: int = 7) -> tuple[float, float, object]:
    """(first run ms, median of the further runs ms, last result)."""
    t0 = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - t0) * 1000
    rest = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        rest.append((time.perf_counter() - t0) * 1000)
    return first, statistics.median(rest), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="a database file or a postgresql:// URL")
    args = parser.parse_args()
    services = Services(Store.open(args.db))
    admin = services.auth.sign_in("admin", PASSWORD, workstation="bench")
    conn = services.store.engine
    procedures = conn.scalar("SELECT count(DISTINCT procedure_id) FROM procedure_versions")
    print(f"{services.store.backend}: {services.store.label}")
    t0 = time.perf_counter()
    added = add_reviews(services, admin)
    print(f"{procedures} procedures; {added} reminder versions added in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    rebuilt = services.followup.refresh()
    print(f"first build of the worklist table: {rebuilt} cases in {time.perf_counter() - t0:.1f} s; "
          f"{conn.scalar('SELECT count(*) FROM worklist_items')} rows, "
          f"{conn.scalar('SELECT count(*) FROM worklist_items WHERE pending = 1')} pending")
    if services.store.backend == "sqlite":
        conn.execute("ANALYZE")  # on a server: its owner (or autovacuum) analyzes; server_copy.py --analyze
    today = date.today()
    soon = (today + timedelta(days=30)).isoformat()
    operator = services.followup.operators(admin)[0]
    queries = {
        "overdue + next 30 days (default)": WorklistQuery(due_to=soon),
        "overdue": WorklistQuery(due_to=(today - timedelta(days=1)).isoformat()),
        "next 30 days": WorklistQuery(due_from=today.isoformat(), due_to=soon),
        "any date, open": WorklistQuery(),
        "any date, every status": WorklistQuery(states=tuple(WorkState)),
        "done, soonest first": WorklistQuery(states=(WorkState.DONE,), order=WorkOrder.DUE),
        "rule R5, overdue + 30 days": WorklistQuery(due_to=soon, rule_id="R5"),
        "rule R7 (creatinine), any": WorklistQuery(rule_id="R7"),
        f"operator {operator}": WorklistQuery(due_to=soon, operator=operator),
        "range 2025-01-01..2025-03-31, soonest first": WorklistQuery(due_from="2025-01-01", due_to="2025-03-31",
                                                                      order=WorkOrder.DUE),
    }
    print(f"{'first page (200 rows) of':52} {'first':>8} {'median':>8}  rows  more")
    for name, query in queries.items():
        first, median, page = timed(lambda q=query: services.followup.page(admin, q))
        print(f"{name:52} {first:7.1f}ms {median:7.1f}ms {len(page.items):5} {page.more!s:>5}")
    query = queries["any date, every status"]
    page = services.followup.page(admin, query)
    first, median, more = timed(lambda: services.followup.page(admin, query, page.items[-1]))
    print(f"{'more (the next 200 rows)':52} {first:7.1f}ms {median:7.1f}ms {len(more.items):5}")
    pid = conn.scalar("SELECT procedure_id FROM event_versions ORDER BY row_id DESC LIMIT 1")  # a case with entries
    with services.store.write():  # one new entry version, as a save would add (SQL level: timing only)
        row = conn.execute("SELECT * FROM event_versions WHERE procedure_id = ? ORDER BY row_id LIMIT 1",
                           [pid]).fetchone()
        cols = [d[0] for d in conn.execute("SELECT * FROM event_versions LIMIT 0").description]
        new = dict(zip(cols, row), reason="benchmark correction")
        del new["row_id"]
        cols.remove("row_id")
        new["version"] = conn.execute("SELECT max(version) + 1 FROM event_versions WHERE event_id = ?",
                                      [new["event_id"]]).fetchone()[0]
        conn.execute(f"INSERT INTO event_versions ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                     [new[c] for c in cols])
    t0 = time.perf_counter()
    page = services.followup.page(admin, queries["overdue + next 30 days (default)"])
    print(f"first page after one new entry (incremental refresh): {(time.perf_counter() - t0) * 1000:.1f} ms")
    services.store.close()


if __name__ == "__main__":
    main()
