"""A demo database with one case whose text a spreadsheet would evaluate or mangle."""

from __future__ import annotations

from cathlog.domain.enums import TeamRole
from cathlog.domain.records import TeamMember
from tests.helpers import CORONARY, make_patient

HOSTILE_OPERATOR = "=2+3"
HOSTILE_MRN = "-EVIL01"
ZERO_MRN = "00123"
GTIN = "00812345678906"
SERIAL = "0000417"
LOT = "+1234"
NOTE = "@SUM(A1:A2)"


def hostile_lab(services, admin, nurse, n: int = 30) -> list[str]:
    """``n`` demo cases, one case of MRN ``-EVIL01`` operated by ``=2+3`` and one of MRN
    ``00123``, each with a device of a zero-led GTIN and serial; returns the two case ids."""
    services.demo.load(admin, n, seed=14)
    ids = []
    for mrn in (HOSTILE_MRN, ZERO_MRN):
        patient = services.cases.register_patient(nurse, make_patient(mrn, family_name="-Old"))
        proc = services.cases.open_case(nurse, patient.patient_id, CORONARY,
                                        team=[TeamMember(HOSTILE_OPERATOR, TeamRole.PRIMARY_OPERATOR)])
        services.cases.record_event(nurse, proc.procedure_id, "device",
                                    {"device_type": "des", "state": "implanted", "lot": LOT, "serial": SERIAL,
                                     "gtin": GTIN, "diameter_mm": 3.0})
        services.cases.record_event(nurse, proc.procedure_id, "note", {"text": NOTE})
        ids.append(proc.procedure_id)
    return ids
