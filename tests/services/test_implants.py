"""The patient's implants across cases (issue 11 item 13), through the services:
a later case retrieves the filter an earlier one left; the worklist, the implant
list and the implant card follow; a failed attempt keeps the window open."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from cathlog.domain.errors import ValidationError
from cathlog.reports.make import report_bytes
from tests.helpers import TEAM, make_patient

pytestmark = pytest.mark.backends

VENOUS = {"category": "venous", "planned": ["ivc_filter_placement"], "indication": "pe_prophylaxis",
          "urgency": "elective"}
RETRIEVAL = {**VENOUS, "planned": ["ivc_filter_retrieval"]}
FILTER = {"device_type": "ivc_filter_retrievable", "manufacturer": "Cook", "model": "Günther Tulip",
          "diameter_mm": 30.0, "state": "implanted", "lot": "FL123", "serial": "SN-F1", "gtin": "08809630000839"}


def _case(services, actor, clock, details, days_later=0):
    clock.advance(days=days_later)
    return services.cases.start_case(actor, make_patient("IVC-1"), details, team=TEAM)


def _text(pdf: bytes) -> str:
    """The PDF's text without line breaks or spaces (table cells wrap anywhere): compare
    with a word's spaces removed too."""
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "").replace(" ", "")


def _filter_windows(services, physician):
    return [r for r in services.review.worklist(physician, "2100-01-01") if r.rule_id == "R3"]


@pytest.fixture
def placed(services, nurse, clock):
    first = _case(services, nurse, clock, VENOUS)
    filt = services.cases.record_event(nurse, first.procedure_id, "device", FILTER)
    services.cases.record_event(nurse, first.procedure_id, "device", {**FILTER, "device_type": "des", "serial": "x",
                                                                       "state": "wasted"})
    return first, filt


def test_the_patients_implants_across_cases(services, nurse, clock, placed):
    first, filt = placed
    pid = first.patient_id
    assert [i.event.event_id for i in services.implants.in_place(nurse, pid)] == [filt.event_id]
    assert services.implants.match(nurse, pid, serial="SN-F1", gtin=FILTER["gtin"]).event.event_id == filt.event_id
    second = _case(services, nurse, clock, RETRIEVAL, days_later=40)
    assert second.patient_id == pid
    services.cases.record_event(nurse, second.procedure_id, "device",
                                {**FILTER, "state": "retrieved", "removes_event_id": filt.event_id})
    assert services.implants.in_place(nurse, pid) == ()
    (imp,) = services.implants.of_patient(nurse, pid)
    assert imp.removal is not None and imp.removal.procedure_id == second.procedure_id
    assert f"retrieved on 2026-12-31 (case {second.procedure_id})" == imp.status


def test_a_removal_names_an_implant_of_the_same_patient_still_in_place(services, nurse, clock, placed):
    first, filt = placed
    other = services.cases.start_case(nurse, make_patient("OTHER-2"), RETRIEVAL, team=TEAM)
    with pytest.raises(ValidationError, match="not an implant of this patient"):
        services.cases.record_event(nurse, other.procedure_id, "device",
                                    {**FILTER, "state": "retrieved", "removes_event_id": filt.event_id})
    second = _case(services, nurse, clock, RETRIEVAL, days_later=40)
    services.cases.record_event(nurse, second.procedure_id, "device",
                                {**FILTER, "state": "retrieved", "removes_event_id": filt.event_id})
    with pytest.raises(ValidationError, match="already retrieved on"):
        services.cases.record_event(nurse, second.procedure_id, "device",
                                    {**FILTER, "state": "explanted", "removes_event_id": filt.event_id})


def test_retrieval_closes_the_filter_window(services, nurse, physician, clock, placed):
    first, filt = placed
    assert {r.procedure_id for r in _filter_windows(services, physician)} == {first.procedure_id}
    second = _case(services, nurse, clock, RETRIEVAL, days_later=40)
    failed = services.cases.record_event(nurse, second.procedure_id, "device",
                                         {**FILTER, "state": "retrieval_failed", "removes_event_id": filt.event_id})
    windows = _filter_windows(services, physician)
    assert len(windows) == 2 and all("failed; the filter is still in place" in r.text for r in windows)
    assert all(second.procedure_id in r.text for r in windows)
    services.cases.record_event(nurse, second.procedure_id, "device",
                                {**FILTER, "state": "retrieved", "removes_event_id": filt.event_id})
    assert _filter_windows(services, physician) == []
    # the implant card of the later case says what became of it
    card = _text(report_bytes(services, physician, second.procedure_id, "patient"))
    assert "SN-F1" in card and f"retrievedon2026-12-31(case{second.procedure_id})" in card and "FL123" in card
    assert failed.data["state"] == "retrieval_failed"


def test_a_voided_retrieval_reopens_the_window(services, nurse, physician, clock, placed):
    first, filt = placed
    second = _case(services, nurse, clock, RETRIEVAL, days_later=40)
    done = services.cases.record_event(nurse, second.procedure_id, "device",
                                       {**FILTER, "state": "retrieved", "removes_event_id": filt.event_id})
    assert _filter_windows(services, physician) == []
    services.cases.void_event(nurse, done.event_id, "wrong patient's filter")
    assert len(_filter_windows(services, physician)) == 2
    assert [i.event.event_id for i in services.implants.in_place(nurse, first.patient_id)] == [filt.event_id]


def test_summary_and_card_print_every_identifier(services, nurse, physician, clock):
    case = _case(services, nurse, clock, VENOUS)
    services.cases.record_event(nurse, case.procedure_id, "device", {
        **FILTER, "expiry_date": "2028-03-31", "udi": "(01)08809630000839(17)280331(10)FL123(21)SN-F1"})
    for kind in ("patient", "summary"):
        text = _text(report_bytes(services, physician, case.procedure_id, kind))
        for word in ("Günther Tulip", "Cook", "30 mm", "FL123", "SN-F1", "2028-03-31", "(01)08809630000839"):
            assert word.replace(" ", "") in text, (kind, word)
