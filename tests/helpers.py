"""Small builders for tests: a patient, an open case."""

from __future__ import annotations

from cathlog.domain.enums import TeamRole
from cathlog.domain.records import Patient, TeamMember


def make_patient(mrn: str = "00123", **kw) -> Patient:
    fields = dict(mrn=mrn, family_name="Doe", given_name="Jane", birth_date="1954-03-02", sex="female",
                  weight_kg=80.0, height_cm=165.0, creatinine_mg_dl=1.4, egfr_ml_min=48.0,
                  allergies="iodinated contrast", anticoagulation="none")
    fields.update(kw)
    return Patient(**fields)


CORONARY = {"category": "coronary", "planned": ["stenting"], "indication": "sihd", "urgency": "elective",
            "room": "Cath Lab 2"}
TEAM = [TeamMember("Dr. A. Patel", TeamRole.PRIMARY_OPERATOR), TeamMember("RN K. Walsh", TeamRole.NURSE)]


def open_case(services, actor, mrn: str = "00123", details=None, **patient_kw):
    patient = services.cases.register_patient(actor, make_patient(mrn, **patient_kw))
    return services.cases.open_case(actor, patient.patient_id, details or CORONARY, team=TEAM)


def make_v1_database(path):
    """A database as the first release wrote it: migration 0001 only, user_version 1."""
    import sqlite_utils

    from cathlog.store import schema

    db = sqlite_utils.Database(path)
    schema.migrations.apply(db, stop_before="0002_review_reminders_signatures")
    db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    db.conn.commit()
    db.conn.close()
    return path


def power_cut_at_second_import(monkeypatch):
    """An import dies (SystemExit, as at a power cut) when it comes to apply its second record, every
    chunk committed at once; returns the function that puts the real apply back."""
    from cathlog.services import imports

    real, calls = imports.Importer._apply_one, []

    def crash_on_second(self, who, job, record):
        calls.append(record)
        if len(calls) == 2:
            raise SystemExit("power cut")
        return real(self, who, job, record)

    monkeypatch.setattr(imports.Importer, "_apply_one", crash_on_second)
    monkeypatch.setattr(imports, "CHUNK_SECONDS", 0.0)
    return lambda: monkeypatch.setattr(imports.Importer, "_apply_one", real)
