"""Imports: imported history obeys the live-entry rules and stays marked as
imported; a file is applied all or nothing, in short transactions, and an
import a crash interrupted is finished (or discarded) by the next start.
On a file and on the server (each test imports into a second database of its back end)."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from types import SimpleNamespace

import pytest

from cathlog.domain.errors import RecordFormatError
from cathlog.exchange.json_records import parse_records, write_records
from cathlog.services import Services
from cathlog.services import imports
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD, same_database
from tests.helpers import open_case, power_cut_at_second_import

pytestmark = pytest.mark.backends


@pytest.fixture
def fresh(tmp_path, backend, request, clock):
    """Makes a new database of the test's back end (a file, or a database of the test's PostgreSQL cluster)
    with its first admin: ``fresh("name")`` -> (services, admin). Closed and dropped after the test."""
    opened, made = [], []

    def make(name="b"):
        if backend == "sqlite":
            where = tmp_path / f"{name}.db"
        else:
            cluster = request.getfixturevalue("pg_cluster")
            made.append((cluster, cluster.new_database()))
            where = made[-1][1].app_url
        services = Services(Store.open(where), clock, hasher=FAST_HASHER)
        opened.append(services)
        return services, services.auth.create_first_admin("admin", "Admin", PASSWORD)

    yield make
    for services in opened:
        services.store.close()
    for cluster, database in made:
        cluster.drop_database(database)


def _sql(services, sql, params=()):
    return services.store.engine.execute(sql, params).fetchall()


@pytest.fixture
def exported(tmp_path, services, nurse, admin):
    """A file of two cases, each with an ACT and a voided note."""
    for mrn in ("A1", "B2"):
        proc = open_case(services, nurse, mrn=mrn)
        services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 250})
        note = services.cases.record_event(nurse, proc.procedure_id, "note", {"text": "wrong"})
        services.cases.void_event(nurse, note.event_id, reason="wrong case")
    path = tmp_path / "two.json"
    write_records(path, services.exchange.iter_records(admin))
    return json.loads(path.read_bytes())


def _import(target, admin, doc, name="x.json"):
    return target.exchange.import_records(admin, parse_records(json.dumps(doc).encode(), name), name)


def _counts(services):
    return tuple(_sql(services, f"SELECT count(*) FROM {t}")[0][0]
                 for t in ("procedure_versions", "event_versions", "patient_versions", "import_job_records"))


@pytest.mark.parametrize("edit, message", [
    (lambda v: v.update(recorded_at="2001-01-01T08:00:00Z"), "more than 24 hours before the case started"),
    (lambda v: v.update(occurred_at="2099-01-01T08:00:00Z"), "happened after it was recorded"),
    (lambda v: v.update(recorded_at="2099-01-01T08:00:00Z", occurred_at="2099-01-01T08:00:00Z"),
     "recorded in the future"),
    (lambda v: v.update(voided=True), "a first version cannot be void"),
])
def test_imported_entries_obey_the_live_entry_rules(fresh, exported, edit, message):
    edit(exported["procedures"][1]["events"][0]["versions"][0])
    target, admin = fresh()
    with pytest.raises(RecordFormatError, match=message) as err:
        _import(target, admin, exported)
    assert "record 2" in str(err.value)
    assert _counts(target) == (0, 0, 0, 0)  # nothing of the file, not even its first record


def test_a_void_without_its_reason_is_refused(fresh, exported):
    versions = exported["procedures"][0]["events"][1]["versions"]
    assert versions[1]["voided"]
    versions[1].pop("reason")
    target, admin = fresh()
    with pytest.raises(RecordFormatError, match="a void needs its reason"):
        _import(target, admin, exported)
    assert _counts(target) == (0, 0, 0, 0)


def test_attribution_is_kept_only_as_imported_history(fresh, exported):
    for proc in exported["procedures"]:
        for ev in proc["events"]:
            for v in ev["versions"]:
                v["recorded_by"] = "nobody.ever"
    target, admin = fresh()
    assert _import(target, admin, exported, "legacy.json") == 2
    first_versions = _sql(target, "SELECT changed_by, reason FROM procedure_versions WHERE version = 1")
    assert [tuple(r) for r in first_versions] == [("admin", "imported from legacy.json")] * 2
    rows = [json.loads(r[0]) for r in _sql(
        target, "SELECT new_value FROM audit WHERE action = 'import_procedure' ORDER BY seq")]
    assert [r["imported_history_recorded_by"] for r in rows] == [["nobody.ever"]] * 2
    actions = [r[0] for r in _sql(target, "SELECT action FROM audit WHERE username = 'admin' ORDER BY seq")]
    assert actions[-4:] == ["import_started", "import_procedure", "import_procedure", "import_finished"]
    assert _counts(target)[3] == 0  # staging emptied


def test_the_same_case_twice_in_a_file_is_refused(fresh, exported):
    exported["procedures"].append(exported["procedures"][0])
    target, admin = fresh()
    with pytest.raises(RecordFormatError, match="holds this case twice"):
        _import(target, admin, exported)


def test_records_are_applied_in_short_transactions(fresh, exported, monkeypatch):
    """The write lock is let go between chunks: with a zero budget, one case per transaction."""
    monkeypatch.setattr(imports, "CHUNK_SECONDS", 0.0)
    target, admin = fresh()
    commits = []
    real_write = target.store.write

    def counting_write():
        commits.append(1)
        return real_write()

    monkeypatch.setattr(target.store, "write", counting_write)
    _import(target, admin, exported)
    # stage (one batch, with the job), ready, one per case (2), finish, staging rows removed (one
    # short step here): nothing held across the whole file
    assert len(commits) == 6


def test_a_crash_while_applying_is_finished_at_the_next_start(fresh, clock, exported, monkeypatch):
    target, admin = fresh()
    restore = power_cut_at_second_import(monkeypatch)
    with pytest.raises(SystemExit):
        _import(target, admin, exported)
    assert _counts(target)[0] == 1  # the first case is in, the second is not yet
    restore()
    where = same_database(target.store)
    target.store.close()
    again = Services(Store.open(where), clock, hasher=FAST_HASHER)
    assert again.exchange.resume_imports() == 1
    ids = sorted(p["procedure_id"] for p in exported["procedures"])
    assert sorted(r[0] for r in _sql(again, "SELECT procedure_id FROM procedure_versions")) == ids
    assert [tuple(r) for r in _sql(again, "SELECT state FROM import_jobs")] == [("done",)]
    assert again.exchange.resume_imports() == 0  # nothing applied twice
    assert again.admin.verify_audit(again.auth.sign_in("admin", PASSWORD)).ok
    again.store.close()


def test_a_half_staged_import_is_discarded(fresh, exported, monkeypatch):
    target, admin = fresh()
    monkeypatch.setattr(imports, "STAGE_BATCH", 1)
    real_stage = imports.jobs.stage
    staged = []

    def crash_on_second(store, job_id, rows):
        staged.append(rows)
        if len(staged) == 2:
            raise SystemExit("power cut")
        real_stage(store, job_id, rows)

    monkeypatch.setattr(imports.jobs, "stage", crash_on_second)
    with pytest.raises(SystemExit):
        _import(target, admin, exported)
    monkeypatch.setattr(imports.jobs, "stage", real_stage)
    assert target.exchange.resume_imports(admin) == 0
    assert _counts(target) == (0, 0, 0, 0)
    actions = [r[0] for r in _sql(target, "SELECT action FROM audit ORDER BY seq")]
    assert actions[-1] == "import_discarded"


def test_a_case_taken_meanwhile_refuses_the_whole_file(fresh, exported, monkeypatch):
    """Between validation and staging a nurse registers the MRN for another person: nothing is applied."""
    target, admin = fresh()
    from cathlog.domain.enums import Role

    target.auth.add_user(admin, "nurse", "Nina", Role.NURSE, PASSWORD)
    nurse = target.auth.sign_in("nurse", PASSWORD)
    real = imports.Importer._validate_all

    def then_register(self, records, source):
        real(self, records, source)
        from tests.helpers import make_patient

        target.cases.register_patient(nurse, replace(make_patient("B2"), family_name="Other"))

    monkeypatch.setattr(imports.Importer, "_validate_all", then_register)
    with pytest.raises(RecordFormatError, match="differ"):
        _import(target, admin, exported)
    assert _counts(target)[0] == 0


def test_a_case_taken_while_staging_refuses_the_whole_file(fresh, exported, monkeypatch):
    """The MRN is registered for another person after its batch was staged: the final check catches it."""
    target, admin = fresh()
    from cathlog.domain.enums import Role
    from tests.helpers import make_patient

    target.auth.add_user(admin, "nurse", "Nina", Role.NURSE, PASSWORD)
    nurse = target.auth.sign_in("nurse", PASSWORD)
    first_mrn = exported["procedures"][0]["patient"]["mrn"]
    monkeypatch.setattr(imports, "STAGE_BATCH", 1)

    def pause_then_register(seconds):  # the first batch's transaction has ended: a nurse comes in
        target.cases.register_patient(nurse, replace(make_patient(first_mrn), family_name="Other"))

    monkeypatch.setattr(imports, "time", SimpleNamespace(sleep=pause_then_register, monotonic=time.monotonic))
    with pytest.raises(RecordFormatError, match=r"record \d .*differ"):
        _import(target, admin, exported)
    assert _counts(target)[0] == 0
    monkeypatch.setattr(imports, "time", time)
    assert target.exchange.resume_imports(admin) == 0  # the refused job is discarded, not applied later
    assert _counts(target)[0] == 0
