"""How long a nurse's save waits while a large import runs in another process.

    .venv/bin/python benchmarks/import_contention.py [--procedures 6000]

Builds a record file of N procedures (demo cases cloned under new ids and
MRNs), starts `cathlog import` on it in a child process, and meanwhile saves
one entry every 20 ms into an open case from this process. Prints the
import's duration and the saves' p50/p99/max wait in ms. Figures, no asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cathlog.domain.enums import Role  # noqa: E402
from cathlog.domain.records import Patient  # noqa: E402
from cathlog.exchange.json_records import write_records  # noqa: E402
from cathlog.services import Services  # noqa: E402
from cathlog.store.db import Store  # noqa: E402

PASSWORD = "benchmark password"


def build_file(folder: Path, procedures: int) -> Path:
    services = Services(Store.open(folder / "source.db"))
    admin = services.auth.create_first_admin("admin", "Admin", PASSWORD)
    services.demo.load(admin, 50, seed=3)
    write_records(folder / "demo.json", services.exchange.iter_records(admin))
    services.store.close()
    doc = json.loads((folder / "demo.json").read_text())
    base = doc["procedures"]
    out = []
    for i in range(procedures):
        template = base[i % len(base)]
        text = json.dumps(template)
        for ev in template["events"]:  # new entry ids, and every reference to them
            text = text.replace(ev["event_id"], f"{i:08x}" + ev["event_id"][8:])
        proc = json.loads(text)
        proc["procedure_id"] = f"IMP{i:06d}"
        proc["patient"]["mrn"] = f"IMP{i:06d}"
        out.append(proc)
    doc["procedures"] = out
    path = folder / "big.json"
    path.write_text(json.dumps(doc))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procedures", type=int, default=6000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        big = build_file(folder, args.procedures)
        print(f"record file: {args.procedures} procedures, {big.stat().st_size / 1e6:.0f} MB "
              f"(built in {time.perf_counter() - t0:.1f} s)")
        db = folder / "live.db"
        services = Services(Store.open(db))
        admin = services.auth.create_first_admin("admin", "Admin", PASSWORD)
        services.auth.add_user(admin, "nurse", "Nurse", Role.NURSE, PASSWORD)
        nurse = services.auth.sign_in("nurse", PASSWORD)
        patient = services.cases.register_patient(nurse, Patient("LIVE1", "Live", "1950-01-01", "male",
                                                                 weight_kg=80.0))
        proc = services.cases.open_case(nurse, patient.patient_id, {
            "category": "coronary", "planned": ["stenting"], "indication": "sihd", "urgency": "elective"})
        env = {**os.environ, "CATHLOG_USER": "admin", "CATHLOG_PASSWORD": PASSWORD}
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "cathlog", "import", "--db", str(db), str(big)],
                                 cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        waits = []
        while child.poll() is None:
            t = time.perf_counter()
            services.cases.record_event(nurse, proc.procedure_id, "note", {"text": "during import"})
            waits.append((time.perf_counter() - t) * 1000)
            time.sleep(0.02)
        import_s = time.perf_counter() - start
        output = child.stdout.read().strip() if child.stdout else ""
        waits.sort()
        q = statistics.quantiles(waits, n=100) if len(waits) >= 2 else [waits[0]] * 99
        print(f"import: {import_s:.1f} s, exit {child.returncode}: {output[-200:]}")
        print(f"nurse saves during the import: {len(waits)}")
        print(f"{'metric':<28}{'ms':>9}")
        for name, value in (("save p50", q[49]), ("save p99", q[98]), ("save max", waits[-1])):
            print(f"{name:<28}{value:>9.1f}")
        services.store.close()


if __name__ == "__main__":
    main()
