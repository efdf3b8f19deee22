"""One flat-export pipeline: the rows streamed from SQL equal the rows derived
from whole records (identified and de-identified), filters are defined once,
the XLSX writer keeps typed cells, and the role check comes first."""

from dataclasses import replace

import pytest
from openpyxl import load_workbook

from cathlog.domain.enums import TeamRole
from cathlog.domain.errors import PermissionDenied
from cathlog.domain.flat_tables import CASES_TABLE, FILTERS, TABLE_BY_NAME, TABLES, ExportFilters
from cathlog.domain.records import TeamMember
from cathlog.exchange.spreadsheets import write_xlsx
from cathlog.store.records import get_patient
from tests.exchange.flat_reference import reference_tables
from tests.helpers import CORONARY, make_patient, open_case

pytestmark = pytest.mark.backends

FILTER_CASES = ({}, {"category": "venous"}, {"operator": "patel"}, {"operator": "ölz"}, {"status": "closed"},
                {"since": "2026-11-21T00:00:00Z"}, {"until": "2026-11-21T00:00:00Z", "category": "coronary"})


@pytest.fixture
def filled(services, admin, nurse):
    """Demo cases plus the awkward ones: corrections and voids with hostile reasons, formula-like text,
    a patient over 89 with two cases, a non-ASCII operator name."""
    services.demo.load(admin, 8, seed=6)
    proc = open_case(services, nurse)
    services.cases.record_event(nurse, proc.procedure_id, "note", {"text": "=HYPERLINK(\"http://x\",\"y\")"})
    stent = services.cases.record_event(nurse, proc.procedure_id, "device",
                                        {"device_type": "des", "state": "implanted", "lot": "+1234",
                                         "serial": "=SN-77", "udi": "(01)00884838002517(21)=SN-77",
                                         "expiry_date": "2027-03-31", "diameter_mm": 3.0})
    services.cases.record_event(nurse, proc.procedure_id, "inflation",
                                {"device_event_id": stent.event_id, "pressure_atm": 14.0, "duration_s": 20},
                                confirm=True)
    ev = services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 228})
    services.cases.correct_event(nurse, ev.event_id, {"act_s": 282}, reason="=typo")
    services.cases.void_event(nurse, ev.event_id, reason="@wrong")
    old = services.cases.register_patient(nurse, make_patient("OLD1", family_name="-Old", birth_date="1930-05-05"),
                                          confirm=True)
    team = [TeamMember("Dr. Ölz", TeamRole.PRIMARY_OPERATOR), TeamMember("RN B. Ünal", TeamRole.NURSE)]
    for _ in range(2):
        case = services.cases.open_case(nurse, old.patient_id, CORONARY, team=team)
        services.cases.record_event(nurse, case.procedure_id, "note", {"text": "+seen"})
    # after her cases: the exports show her as recorded for them, on both paths
    services.cases.update_patient(nurse, old.patient_id, {"weight_kg": 91.5, "family_name": "-Later"},
                                  reason="reweighed; name changed")


def _streamed(services, admin, filters, deidentified):
    return {table.name: list(rows) for table, rows in
            services.exchange.flat_tables(admin, filters, deidentified=deidentified)}


def _from_records(services, admin, filters, deidentified):
    records = list(services.exchange.iter_records(admin, **filters))
    # the same cases with each patient as now known: what the patients table lists
    now = [replace(r, patient=get_patient(services.store, r.patient.patient_id)) for r in records]
    if deidentified:
        records = list(services.exchange.deidentified(admin, iter(records)))
        now = list(services.exchange.deidentified(admin, iter(now)))
    return {table.name: rows for table, rows in reference_tables(records, [r.patient for r in now])}


@pytest.mark.parametrize("deidentified", [False, True], ids=["identified", "deidentified"])
def test_streamed_rows_equal_the_rows_of_the_records(services, admin, filled, deidentified):
    for filters in FILTER_CASES:
        streamed = _streamed(services, admin, filters, deidentified)
        expected = _from_records(services, admin, filters, deidentified)
        assert list(streamed) == [t.name for t in TABLES]
        for table in TABLES:
            got, want = streamed[table.name], expected[table.name]
            assert all(len(row) == len(table.columns) for row in got), table.name
            if table.kind is None:  # patients and procedures: the same order too (oldest case first)
                assert got == want, (filters, table.name)
            else:  # entries: in the order they were stored; compared with their types (repr)
                assert sorted(map(repr, got)) == sorted(map(repr, want)), (filters, table.name)
        assert streamed[CASES_TABLE.name], filters  # every filter case selects something


def test_the_awkward_cases_are_in_the_comparison(services, admin, filled):
    plain = _streamed(services, admin, {}, False)
    deid = _streamed(services, admin, {}, True)
    assert "'-Later" in {row[1] for row in plain["patients"]}  # formula-like family name, neutralized
    assert {row[3] for row in plain["events_act"]} == {"true", "false"}  # corrected entries are there
    assert "'=typo" in {row[5] for row in plain["events_act"]}
    # born 1930, treated 2026: over 89, so the birth year moves to make the age 90 (it used to stay 1930)
    assert "1936-01-01" in {row[3] for row in deid["patients"]}
    assert "1930-05-05" in {row[3] for row in plain["patients"]}
    assert not any("Ölz" in str(row) for row in deid["procedures"])
    # device numbers and entry references: keyed pseudonyms on both paths (formula-like source values too)
    names = TABLE_BY_NAME["events_device"].column_names
    plain_devices = [dict(zip(names, row)) for row in plain["events_device"]]
    deid_devices = [dict(zip(names, row)) for row in deid["events_device"]]
    assert {"'+1234", "'=SN-77"} <= {d["lot"] for d in plain_devices} | {d["serial"] for d in plain_devices}
    ours = [d for d in deid_devices if d["serial"]]
    assert len(ours) == 1 and ours[0]["serial"].startswith("S") and ours[0]["lot"].startswith("L")
    assert ours[0]["udi"] is None and ours[0]["expiry_date"] is None
    inflation = TABLE_BY_NAME["events_inflation"]
    refs = {row[inflation.index("device_event_id")] for row in deid["events_inflation"]}
    assert refs and refs <= {d["event_id"] for d in deid_devices}  # links survive, pseudonymised
    assert refs.isdisjoint({d["event_id"] for d in plain_devices})
    assert len(_streamed(services, admin, {"operator": "ÖLZ"}, False)["procedures"]) == 2


def test_operator_filter_folds_case_beyond_ascii_on_both_paths(services, admin, filled):
    flat = _streamed(services, admin, {"operator": "ÖLZ"}, False)["procedures"]
    records = list(services.exchange.iter_records(admin, operator="ÖLZ"))
    assert len(flat) == len(records) == 2
    assert [r.procedure.procedure_id for r in records] == [row[0] for row in flat]


def test_filters_are_one_definition():
    assert [f.name for f in FILTERS] == list(ExportFilters.__dataclass_fields__)
    assert ExportFilters.of({"category": "venous"}) == ExportFilters(category="venous")
    assert ExportFilters.of({"operator": "  "}).given() == []  # a blank operator selects everything
    with pytest.raises(ValueError, match="unknown export filter"):
        ExportFilters.of({"categroy": "venous"})


def test_xlsx_keeps_booleans_and_numbers_typed(tmp_path, services, admin, filled):
    out = tmp_path / "a.xlsx"
    assert write_xlsx(out, services.exchange.flat_tables(admin, deidentified=True)) == 11
    book = load_workbook(out, read_only=True)
    rows = list(book["events_act"].iter_rows(values_only=True))
    current, voided, act = (rows[0].index(c) for c in ("current", "voided", "act_s"))
    assert {r[current] for r in rows[1:]} == {True, False} and {r[voided] for r in rows[1:]} == {True, False}
    assert all(isinstance(r[act], int) for r in rows[1:])
    book.close()


def test_the_role_check_comes_before_any_row(services, nurse):
    with pytest.raises(PermissionDenied):
        services.exchange.flat_tables(nurse)  # not only once the rows are read
    with pytest.raises(PermissionDenied):
        services.exchange.iter_records(nurse)


def test_the_record_paths_show_the_patient_as_recorded_for_the_case(services, admin, filled):
    """JSON, FHIR and XLSX read whole records: a later change to the patient belongs to later cases."""
    records = [r for r in services.exchange.iter_records(admin) if r.patient.mrn == "OLD1"]
    assert len(records) == 2
    assert {r.patient.family_name for r in records} == {"-Old"}
    assert all(r.patient.version < 2 or r.patient.weight_kg != 91.5 for r in records)
