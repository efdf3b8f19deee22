"""The case list's every sort, both ways, the same on SQLite and on the server (issue 17): ties broken by
the start in the same direction, a case without a room or an operator sorted as empty, and the filters
with a sort. The server reads its pages from its case index (``store/pg/search.py``), as a file reads its own."""

from __future__ import annotations

import pytest

from cathlog.domain.enums import TeamRole
from cathlog.domain.records import TeamMember
from tests.helpers import CORONARY, make_patient

pytestmark = pytest.mark.backends

# family, given, MRN, room, primary operator (None: the case has none)
CASES = [("Brown", "Ann", "M300", "Cath Lab 2", "Dr. C. Osei"),
         ("Andersson", "Lars", "M100", None, "Dr. A. Patel"),
         ("Brown", "Zoe", "M200", "cath lab 1", None),
         ("Cole", "Ben", "M050", "Cath Lab 1", "Dr. A. Patel")]


def _cases(services, nurse, clock):
    made = []
    for family, given, mrn, room, operator in CASES:
        patient = services.cases.register_patient(nurse, make_patient(mrn, family_name=family, given_name=given))
        team = [TeamMember(operator, TeamRole.PRIMARY_OPERATOR)] if operator else []
        made.append(services.cases.open_case(nurse, patient.patient_id, dict(CORONARY, room=room), team=team))
        clock.advance(minutes=20)
    services.cases.close_case(nurse, made[1].procedure_id)
    return [c.procedure_id for c in made]


def _expected(ids, sort, descending):
    rows = [dict(zip(("family", "given", "mrn", "room", "operator"), c), id=i, n=n)
            for n, (c, i) in enumerate(zip(CASES, ids))]
    key = {"started_at": lambda r: r["n"], "procedure_id": lambda r: r["id"],
           "patient": lambda r: f"{r['family']}, {r['given']}".lower(), "mrn": lambda r: r["mrn"],
           "category": lambda r: "coronary", "status": lambda r: "closed" if r["n"] == 1 else "open",
           "operator": lambda r: (r["operator"] or "").lower(), "room": lambda r: (r["room"] or "").lower()}[sort]
    return [r["id"] for r in sorted(rows, key=lambda r: (key(r), r["n"]), reverse=descending)]


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("sort", ["started_at", "procedure_id", "patient", "mrn", "category", "status", "operator",
                                  "room"])
def test_every_sort_both_ways_ties_by_the_start_as_on_sqlite(services, nurse, clock, sort, descending):
    ids = _cases(services, nurse, clock)
    listed = [c.procedure_id for c in services.cases.list_cases(nurse, sort=sort, descending=descending)]
    assert listed == _expected(ids, sort, descending)


def test_filters_with_a_sort_and_pages(services, nurse, clock):
    ids = _cases(services, nurse, clock)
    by_patient = _expected(ids, "patient", False)
    assert [c.procedure_id for c in services.cases.list_cases(nurse, status="open", sort="patient",
                                                                descending=False)] == \
        [i for i in by_patient if i != ids[1]]
    assert [c.procedure_id for c in services.cases.list_cases(nurse, room="CATH LAB 1", sort="mrn",
                                                                descending=False)] == [ids[3], ids[2]]  # M050, M200
    assert services.cases.case_rooms(nurse) == ["Cath Lab 1", "Cath Lab 2"]  # each room as its newest case has it
    pages = [services.cases.list_cases(nurse, sort="operator", descending=False, limit=2, offset=o) for o in (0, 2)]
    assert [c.procedure_id for page in pages for c in page] == _expected(ids, "operator", False)
