"""What the entry-save benchmarks share (run_all.py on a file, server.py on a server): a new nurse's new case
to save into, the three kinds of entry saved in turn, and the p50/p99 of a sample."""

from __future__ import annotations

import os
import statistics

from cathlog.domain.enums import Role
from cathlog.domain.records import Patient

# The entries saved in turn: small ones, so the figure is the save itself, not the payload.
KINDS = [("act", {"act_s": 260}), ("contrast", {"agent": "iohexol", "volume_ml": 1.0}),
         ("note", {"text": "benchmark entry"})]


def pct(times: list[float]) -> tuple[float, float]:
    """p50 and p99 of ``times``."""
    q = statistics.quantiles(times, n=100)
    return q[49], q[98]


def open_case(services, admin, password: str):
    """A new nurse (named after this process) signed in, and a new case of a new patient: (nurse, case id)."""
    name = f"bench{os.getpid()}"
    services.auth.add_user(admin, name, "Bench Nurse", Role.NURSE, password)
    nurse = services.auth.sign_in(name, password)
    patient = services.cases.register_patient(nurse, Patient(f"BENCH{os.getpid()}", "Bench", "1950-01-01", "male",
                                                             weight_kg=80.0, creatinine_mg_dl=1.0))
    proc = services.cases.open_case(nurse, patient.patient_id, {"category": "coronary", "planned": ["stenting"],
                                                                 "indication": "sihd", "urgency": "elective"})
    return nurse, proc.procedure_id
