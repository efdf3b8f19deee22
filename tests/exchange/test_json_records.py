"""The JSON record format: export -> import into an empty database -> export
gives the same bytes; a malformed file changes nothing and names the place."""

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from cathlog.domain.errors import RecordFormatError
from cathlog.exchange.json_records import parse_records, write_records
from cathlog.exchange.schema import schema_text
from cathlog.services import Services
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD, FakeClock
from tests.helpers import open_case
from tests.services.test_imports import fresh  # noqa: F401 - a fixture: a new database of the test's back end

pytestmark = pytest.mark.backends

ROOT = Path(__file__).resolve().parents[2]


def _fresh(tmp_path, name, clock):
    services = Services(Store.open(tmp_path / name), clock, hasher=FAST_HASHER)
    return services, services.auth.create_first_admin("admin", "Admin", PASSWORD)


def _export(services, admin, path):
    write_records(path, services.exchange.iter_records(admin))
    return path.read_bytes()


def _db_digest(services):
    rows = []
    for table, key in (("patient_versions", "row_id"), ("procedure_versions", "row_id"),
                       ("event_versions", "row_id"), ("audit", "seq"), ("import_jobs", "job_id")):
        rows.append([tuple(r) for r in services.store.engine.execute(f"SELECT * FROM {table} ORDER BY {key}")])
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_demo_round_trip_is_byte_identical(tmp_path, fresh):
    source, admin = fresh("a")
    source.demo.load(admin, 10, seed=7)
    first = _export(source, admin, tmp_path / "one.json")
    target, admin2 = fresh("b")
    records = parse_records(first, "one.json")
    assert target.exchange.import_records(admin2, records, "one.json") == 10
    second = _export(target, admin2, tmp_path / "two.json")
    assert first == second
    doc = json.loads(first)
    assert sorted(json.dumps(p, sort_keys=True) for p in doc["procedures"]) == \
        sorted(json.dumps(p, sort_keys=True) for p in json.loads(second)["procedures"])


def test_corrections_and_voids_survive_the_round_trip(tmp_path, services, nurse, admin, fresh):
    proc = open_case(services, nurse)
    ev = services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 228})
    services.cases.correct_event(nurse, ev.event_id, {"act_s": 282}, reason="typo")
    note = services.cases.record_event(nurse, proc.procedure_id, "note", {"text": "Zoë Müller — 李 ✓"})
    services.cases.void_event(nurse, note.event_id, reason="wrong case")
    first = _export(services, admin, tmp_path / "one.json")
    target, admin2 = fresh()
    target.exchange.import_records(admin2, parse_records(first, "one.json"), "one.json")
    assert _export(target, admin2, tmp_path / "two.json") == first
    record = target.cases.get_record(admin2, proc.procedure_id)
    assert [len(h.versions) for h in record.events] == [2, 2]
    assert record.events[1].current.voided


def test_export_matches_the_published_schema_file():
    assert (ROOT / "docs" / "procedure-record.schema.json").read_text(encoding="utf-8") == schema_text()


BAD_FILES = [
    (b"\xff\xfe{}", "line 1: not UTF-8"),
    (b'{"format": "cathlog-procedure-records", "format_version": 1, "procedures": [', "not valid JSON"),
    (b"[]", "is not of type 'object'"),
    (b'{"format": "other", "format_version": 1, "procedures": []}', "field format"),
    (b'{"format": "cathlog-procedure-records", "format_version": 2, "procedures": []}', "field format_version"),
]


@pytest.mark.parametrize("raw, words", BAD_FILES)
def test_malformed_files_are_refused_with_their_place(raw, words):
    with pytest.raises(RecordFormatError, match="bad.json") as info:
        parse_records(raw, "bad.json")
    assert words in str(info.value)


def _one_record(tmp_path, services, nurse, admin):
    proc = open_case(services, nurse)
    services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 250})
    services.cases.record_event(nurse, proc.procedure_id, "contrast", {"agent": "iohexol", "volume_ml": 40},
                                confirm=["agent:contrast_allergy"])
    return json.loads(_export(services, admin, tmp_path / "x.json"))


@pytest.mark.parametrize("mutate, words", [
    (lambda d: d["procedures"][0]["events"][0]["versions"][0]["data"].update(act_s=5000),
     "record 1 (procedure P20261121-"),
    (lambda d: d["procedures"][0]["events"][0]["versions"][0]["data"].update(act_s=5000),
     "field events[0].versions[0].data.act_s: 5000 is greater than the maximum of 1100"),
    (lambda d: d["procedures"][0]["patient"].update(weight_kg="heavy"), "field patient.weight_kg"),
    (lambda d: d["procedures"][0]["patient"].pop("mrn"), "'mrn' is a required property"),
    (lambda d: d["procedures"][0]["events"][1]["versions"][0]["data"].update(colour="red"), "colour"),
    (lambda d: d["procedures"][0].update(category="dental"), "field category"),
])
def test_bad_field_names_record_and_field(tmp_path, services, nurse, admin, mutate, words):
    doc = _one_record(tmp_path, services, nurse, admin)
    mutate(doc)
    with pytest.raises(RecordFormatError) as info:
        parse_records(json.dumps(doc).encode(), "cases.json")
    assert words in str(info.value) and str(info.value).startswith("cases.json: ")


def test_a_bad_record_imports_nothing(tmp_path, services, nurse, admin, fresh):
    open_case(services, nurse, "A")
    open_case(services, nurse, "B")
    doc = json.loads(_export(services, admin, tmp_path / "x.json"))
    # Passes the schema but breaks a rule the importer checks: an access site that is a vein, typed artery.
    doc["procedures"][1]["events"] = [{"event_id": "e" * 32, "kind": "access", "versions": [{
        "version": 1, "occurred_at": "2026-11-21T09:00:00Z", "recorded_at": "2026-11-21T09:00:00Z",
        "recorded_by": "n", "workstation": "w", "voided": False,
        "data": {"site": "jugular", "side": "right", "vessel_type": "artery", "sheath_fr": 6}}]}]
    target, admin2 = fresh()
    before = _db_digest(target)
    with pytest.raises(RecordFormatError, match=r"x.json: record 2 \(procedure .*\): .*is a vein"):
        target.exchange.import_records(admin2, parse_records(json.dumps(doc).encode(), "x.json"), "x.json")
    assert _db_digest(target) == before


def test_importing_twice_is_refused_and_changes_nothing(tmp_path, services, nurse, admin):
    open_case(services, nurse)
    raw = _export(services, admin, tmp_path / "x.json")
    before = _db_digest(services)
    with pytest.raises(RecordFormatError, match="already in the database"):
        services.exchange.import_records(admin, parse_records(raw, "x.json"), "x.json")
    assert _db_digest(services) == before


def test_bom_is_accepted(tmp_path, services, nurse, admin):
    open_case(services, nurse)
    raw = _export(services, admin, tmp_path / "x.json")
    assert len(parse_records(b"\xef\xbb\xbf" + raw, "x.json")) == 1


# --- property: any valid record survives the round trip ------------------------

names = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
                max_size=30).map(str.strip).filter(bool)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(family=names, note=names, act=st.integers(50, 1100), volume=st.integers(1, 3000).map(lambda v: v / 10),
       kerma=st.floats(0, 30000).map(lambda v: round(v, 1)), voided=st.booleans())
def test_round_trip_property(tmp_path_factory, family, note, act, volume, kerma, voided):
    from tests.helpers import make_patient, CORONARY

    tmp = tmp_path_factory.mktemp("rt")
    clock = FakeClock()
    src, admin = _fresh(tmp, "a.db", clock)
    src.auth.add_user(admin, "n", "N", "nurse", PASSWORD)
    nurse = src.auth.sign_in("n", PASSWORD)
    patient = src.cases.register_patient(nurse, make_patient("X1", family_name=family), confirm=True)
    proc = src.cases.open_case(nurse, patient.patient_id, CORONARY)
    clock.advance(minutes=3)
    src.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": act})
    src.cases.record_event(nurse, proc.procedure_id, "contrast", {"agent": "iodixanol", "volume_ml": volume},
                           confirm=True)
    src.cases.record_event(nurse, proc.procedure_id, "radiation", {"air_kerma_mgy": kerma}, confirm=True)
    ev = src.cases.record_event(nurse, proc.procedure_id, "note", {"text": note},
                                occurred_at=clock.now - timedelta(minutes=1))
    if voided:
        src.cases.void_event(nurse, ev.event_id, reason="test")
    first = _export(src, admin, tmp / "1.json")
    dst, admin2 = _fresh(tmp, "b.db", clock)
    dst.exchange.import_records(admin2, parse_records(first, "1.json"), "1.json")
    assert _export(dst, admin2, tmp / "2.json") == first
