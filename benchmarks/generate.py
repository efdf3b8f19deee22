"""Synthetic data at scale: N procedures of about 40 entries each.

Five template cases (one per demo type, padded to ~40 entries with ACTs,
contrast, radiation readings and notes) are logged through the services, so
they pass every check; they are then cloned at the SQL level with new ids,
MRNs, names and dates spread over the past years. The clones skip the audit
trail (it plays no part in the figures measured) — this database is for
benchmarks only. With ``--sealed`` every cloned row is sealed and each batch of
2,000 clones gets one audit row binding its seals, so the file verifies
(``cathlog check``) and can move to a server with ``cathlog migrate-db``.

    .venv/bin/python benchmarks/generate.py --procedures 100000 --out /tmp/bench100k.db [--sealed]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cathlog.domain.records import utc_iso  # noqa: E402
from cathlog.services import Services  # noqa: E402
from cathlog.services.demo import FAMILY, GIVEN_F, GIVEN_M, OPERATORS  # noqa: E402
from cathlog.store import audit, search, seals  # noqa: E402
from cathlog.store.db import Store  # noqa: E402

PASSWORD = "benchmark password"
_REF = re.compile(r"[0-9a-f]{32}")


def _pad_templates(services: Services, admin, ids: list[str]) -> None:
    """Bring each template case to ~40 entries (reopened, padded, closed again)."""
    nurse_name = "demo.nurse"
    from cathlog.domain.records import Actor
    from cathlog.domain.enums import Role

    nurse = Actor(nurse_name, "Demo Nurse", Role.NURSE, "bench")
    for pid in ids:
        record = services.cases.get_record(admin, pid)
        if record.procedure.status.value == "closed":
            services.cases.reopen_case(nurse, pid, reason="benchmark padding")
        start = datetime.fromisoformat(record.procedure.started_at.replace("Z", "+00:00"))
        n = len(record.events)
        i = 0
        with services.store.write():
            while n < 40:
                when = start + timedelta(minutes=60 + i)
                kind, data = [("act", {"act_s": 250 + i % 50}), ("contrast", {"agent": "iohexol", "volume_ml": 5.0}),
                              ("note", {"text": f"Benchmark note {i}"}),
                              ("radiation", {"fluoro_time_s": 600 + 30 * i})][i % 4]
                services.cases.record_event(nurse, pid, kind, data, occurred_at=when, confirm=True)
                n += 1
                i += 1
        services.cases.close_case(nurse, pid)


def _seal_batch(store: Store, batch_mrn: list[tuple[str, str]], marks: dict[str, int], count: int) -> None:
    """Seal the rows one flush inserted and bind them with one audit row (inside its write transaction),
    as the store does for each save: the file then verifies and can move to a server."""
    conn = store.db.conn
    key = seals.write_key(store)
    seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM audit").fetchone()[0]
    cursors = [(table, conn.execute(f"SELECT * FROM {table} WHERE row_id > ?", [marks[table]]))  # noqa: S608
               for table in ("patient_versions", "procedure_versions", "event_versions")]
    cursors.append(("patient_mrns", conn.execute(
        f"SELECT * FROM patient_mrns WHERE mrn_norm IN ({', '.join('?' * len(batch_mrn))})",  # noqa: S608
        [m for m, _ in batch_mrn])))
    for table, cur in cursors:
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, values)) for values in cur.fetchall()]
        conn.executemany("INSERT INTO seals (tbl, rid, version, seq, row_hash) VALUES (?, ?, ?, ?, ?)",
                         [(table, *_ident(table, row), seq, seals.row_hash(key, table, row)) for row in rows])
    audit.append(store, at=utc_iso(datetime.now(timezone.utc)), username="admin", workstation="benchmark",
                 action="benchmark_clone", entity="database", entity_id="benchmark", new={"cloned_procedures": count},
                 reason="benchmark clones (benchmarks/generate.py --sealed)")


def _ident(table: str, row: dict) -> tuple[str, int]:
    id_col, version_col, _ = seals.TABLES[table]
    return str(row[id_col]), (row[version_col] if version_col else 0)


def generate(out: Path, procedures: int, seed: int = 1, sealed: bool = False) -> None:
    if out.exists():
        raise SystemExit(f"{out} exists; remove it first")
    t0 = time.perf_counter()
    services = Services(Store.open(out))
    admin = services.auth.create_first_admin("admin", "Admin", PASSWORD)
    ids = services.demo.load(admin, 5, seed=seed)
    _pad_templates(services, admin, ids)
    conn = services.store.db.conn
    rng = random.Random(seed)
    proc_cols = [r[1] for r in conn.execute("PRAGMA table_info(procedure_versions)") if r[1] != "row_id"]
    pat_cols = [r[1] for r in conn.execute("PRAGMA table_info(patient_versions)") if r[1] != "row_id"]
    ev_cols = [r[1] for r in conn.execute("PRAGMA table_info(event_versions)") if r[1] != "row_id"]
    templates = []
    for pid in ids:
        proc = dict(zip(proc_cols, conn.execute(
            f"SELECT {', '.join(proc_cols)} FROM current_procedures WHERE procedure_id = ?", [pid]).fetchone()))
        pat = dict(zip(pat_cols, conn.execute(
            f"SELECT {', '.join(pat_cols)} FROM current_patients WHERE patient_id = ?", [proc["patient_id"]]).fetchone()))
        events = [dict(zip(ev_cols, r)) for r in conn.execute(
            f"SELECT {', '.join(ev_cols)} FROM event_versions WHERE procedure_id = ? ORDER BY row_id", [pid])]
        templates.append((proc, pat, events))
    now = datetime.now(timezone.utc)
    span_days = 5 * 365

    def shift(ts: str, delta: timedelta) -> str:
        return utc_iso(datetime.fromisoformat(ts.replace("Z", "+00:00")) + delta)

    batch_p, batch_pat, batch_mrn, batch_ev = [], [], [], []

    def flush() -> None:
        with services.store.write():
            marks = {table: conn.execute(f"SELECT coalesce(max(row_id), 0) FROM {table}").fetchone()[0]  # noqa: S608
                     for table in ("patient_versions", "procedure_versions", "event_versions")}
            conn.executemany(f"INSERT INTO patient_versions ({', '.join(pat_cols)}) VALUES "
                             f"({', '.join('?' * len(pat_cols))})", batch_pat)
            conn.executemany("INSERT INTO patient_mrns (mrn_norm, patient_id) VALUES (?, ?)", batch_mrn)
            conn.executemany(f"INSERT INTO procedure_versions ({', '.join(proc_cols)}) VALUES "
                             f"({', '.join('?' * len(proc_cols))})", batch_p)
            conn.executemany(f"INSERT INTO event_versions ({', '.join(ev_cols)}) VALUES "
                             f"({', '.join('?' * len(ev_cols))})", batch_ev)
            if sealed:
                _seal_batch(services.store, batch_mrn, marks, len(batch_p))
        for batch in (batch_p, batch_pat, batch_mrn, batch_ev):
            batch.clear()

    for n in range(procedures):
        proc, pat, events = templates[n % len(templates)]
        start = now - timedelta(days=rng.uniform(1, span_days))
        start = start.replace(second=0, microsecond=0)
        delta = start - datetime.fromisoformat(proc["started_at"].replace("Z", "+00:00"))
        patient_id = f"{rng.getrandbits(128):032x}"
        mrn = f"B{n:08d}"
        female = rng.random() < 0.45
        p = dict(pat, patient_id=patient_id, version=1, mrn=mrn, mrn_norm=mrn.casefold(),
                 family_name=rng.choice(FAMILY), given_name=rng.choice(GIVEN_F if female else GIVEN_M),
                 sex="female" if female else "male", reason=None)
        batch_pat.append([p[c] for c in pat_cols])
        batch_mrn.append((mrn.casefold(), patient_id))
        procedure_id = f"P{start:%Y%m%d}-B{n:07d}"
        team = json.dumps([{"name": rng.choice(OPERATORS), "role": "primary_operator"},
                           {"name": "RN K. Walsh", "role": "nurse"}])
        q = dict(proc, procedure_id=procedure_id, version=1, patient_id=patient_id, started_at=utc_iso(start),
                 team=team, patient_version=1, changed_at=utc_iso(start), reason=None)
        batch_p.append([q[c] for c in proc_cols])
        id_map: dict[str, str] = {}
        for ev in events:
            new_id = id_map.setdefault(ev["event_id"], f"{rng.getrandbits(128):032x}")
            data = _REF.sub(lambda m: id_map.get(m.group(0), m.group(0)), ev["data"])
            e = dict(ev, event_id=new_id, procedure_id=procedure_id, data=data,
                     occurred_at=shift(ev["occurred_at"], delta), recorded_at=shift(ev["occurred_at"], delta))
            batch_ev.append([e[c] for c in ev_cols])
        if len(batch_p) >= 2000:
            flush()
    if batch_p:
        flush()
    with services.store.write():  # the clones bypassed the store code that keeps the case index in step
        search.rebuild(conn)
    conn.execute("ANALYZE")
    services.store.close()
    size = out.stat().st_size
    print(f"{procedures} procedures written to {out} in {time.perf_counter() - t0:.0f} s; "
          f"{size / 1e6:.0f} MB, {size / max(procedures, 1):.0f} bytes per procedure")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Generate a benchmark database.")
    parser.add_argument("--procedures", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sealed", action="store_true",
                        help="seal the clones and bind them in the audit chain (for cathlog check and migrate-db)")
    args = parser.parse_args()
    generate(args.out, args.procedures, args.seed, args.sealed)
