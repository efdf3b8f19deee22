"""The case's DICOM identifiers (issue 15, migration 0014): accession number, Study Instance UID,
requested procedure: validated by the data dictionary and again by the database."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from cathlog.domain.errors import ValidationError
from cathlog.exchange.json_records import read_records, write_records
from tests.helpers import CORONARY, make_patient, open_case

pytestmark = pytest.mark.backends
UID = "1.2.826.0.1.3680043.8.498.12345678901234567890"


def test_a_case_opened_with_worklist_identifiers_keeps_them(services, nurse):
    details = {**CORONARY, "accession_number": "ACC-0042", "study_instance_uid": UID,
               "requested_procedure": "Coronary angiography"}
    proc = open_case(services, nurse, details=details)
    stored = services.cases.get_record(nurse, proc.procedure_id).procedure
    assert (stored.accession_number, stored.study_instance_uid, stored.requested_procedure) == \
        ("ACC-0042", UID, "Coronary angiography")


@pytest.mark.parametrize("field, value", [
    ("study_instance_uid", "1.2.03.4"), ("study_instance_uid", "1.2..3"), ("study_instance_uid", "1.2.3."),
    ("study_instance_uid", "1.2.a"), ("study_instance_uid", "1." + "2" * 63),
    ("accession_number", "A" * 17), ("requested_procedure", "x" * 65),
])
def test_bad_identifiers_are_refused_naming_the_field(services, nurse, field, value):
    patient = services.cases.register_patient(nurse, make_patient())
    with pytest.raises(ValidationError, match=field.replace("_", " ").capitalize().split()[0]):
        services.cases.open_case(nurse, patient.patient_id, {**CORONARY, field: value})
    assert services.cases.list_cases(nurse) == []


@pytest.mark.parametrize("value", ["1.2.03.4", "1..2", ".1", "1.", "01.2", "1.2.x", "1." + "2" * 63])
def test_the_database_refuses_a_bad_uid_too(services, nurse, value):
    proc = open_case(services, nurse)
    engine = services.store.engine  # raw SQL on either back end, below the store's own checks
    row = engine.one("SELECT * FROM procedure_versions")
    row.update(version=2, reason="test", study_instance_uid=value)
    del row["row_id"]
    cols = ", ".join(row)
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.CheckViolation)):
        engine.execute(f"INSERT INTO procedure_versions ({cols}) VALUES ({', '.join('?' * len(row))})",
                       list(row.values()))
    assert proc.procedure_id


def test_identifiers_travel_in_the_record_format(services, nurse, tmp_path):
    details = {**CORONARY, "accession_number": "ACC-1", "study_instance_uid": UID}
    proc = open_case(services, nurse, details=details)
    record = services.cases.get_record(nurse, proc.procedure_id)
    path = tmp_path / "r.json"
    write_records(path, [record])
    back = read_records(path)[0].procedure
    assert (back.accession_number, back.study_instance_uid, back.requested_procedure) == ("ACC-1", UID, None)
