"""The inboxes on the server (store/pg/inboxes.py): their CHECKs give the file's verdicts on the same rows
(raw SQL on both back ends); the runtime role may UPDATE exactly the state columns the services change and
DELETE only finished import staging; the HL7 tables' triggers stop even the owner."""

import psycopg
import pytest

from cathlog.store.pg import inboxes, walls
from cathlog.store.pg import search as pg_search
from cathlog.store.pg import worklist as pg_worklist
from tests.store.pg_rows import AT
from tests.store.test_pg_checks import _compare, _verdicts_pg, _verdicts_sqlite

SHA = "ab" * 32
UID = "1.2.826.0.1.3680043.10.1299.1"


def _file(sha=SHA, **over):
    return {"sha256": sha, "size": 3, "content": b"DCM", **over}


def _report(uid, **over):
    return {"sop_instance_uid": uid, "sop_class_uid": "1.2.840.10008.5.1.4.1.1.88.67", "received_at": AT,
            "received_by": "nurse", "workstation": "lab-1", "channel": "network", "sender": "XRAY",
            "file_sha256": SHA, "totals": '{"dap_gy_cm2": 1.5}', **over}


def _state(version, **over):
    return {"sop_instance_uid": UID, "version": version, "state": "received", "changed_at": AT,
            "changed_by": "nurse", "workstation": "lab-1", **over}


def _inbox(inbox_id, **over):
    return {"inbox_id": inbox_id, "received_at": AT, "peer": "10.0.0.5", "sending_application": "EPIC",
            "sending_facility": "GENHOSP", "message_type": "ADT^A08", "control_id": f"M{inbox_id}",
            "message": "MSH|...", "state": "applied", "ack_code": "AA", "attempts": 1, "last_attempt_at": AT, **over}


def _task(inbox_id, **over):
    return {"inbox_id": inbox_id, "created_at": AT, "surviving_mrn": "1", "prior_mrn": "2", "state": "open", **over}


def _outbox(control_id, **over):
    return {"control_id": control_id, "procedure_id": "P1", "event": "sign", "message_type": "ORU^R01",
            "queued_at": AT, "queued_by": "doc", "destination": "ehr:2575", "state": "queued",
            "next_attempt_at": AT, **over}


def _job(job_id, **over):
    return {"job_id": job_id, "source": "x.json", "sha256": SHA, "username": "admin", "workstation": "lab-1",
            "created_at": AT, "total": 1, "state": "staging", **over}


def _staged(seq, **over):
    return {"job_id": "j" * 32, "seq": seq, "procedure_id": "P1", "record": "{}", **over}


def _cases() -> list[tuple[str, dict]]:
    ids = iter(range(1, 1000))
    uids = (f"{UID}.{n}" for n in ids)
    return [
        ("dose_report_files", _file()),
        ("dose_report_files", _file("AB" * 32)),
        ("dose_report_files", _file("cd" * 32, size=4)),
        ("dose_report_files", _file("ef" * 32, size=0, content=b"")),
        ("dose_reports", _report(UID)),
        ("dose_reports", _report("1.2.03")),
        ("dose_reports", _report(next(uids), study_instance_uid=None, study_at="2026-11-21T10:00:00")),
        ("dose_reports", _report(next(uids), study_at="2026-02-30T10:00:00")),
        ("dose_reports", _report(next(uids), study_at="2026-11-21T10:00:60")),
        ("dose_reports", _report(next(uids), study_at="2026-11-21T24:00:00")),
        ("dose_reports", _report(next(uids), study_at="2026-11-21T10:00:00Z")),
        ("dose_reports", _report(next(uids), totals="[]")),
        ("dose_reports", _report(next(uids), totals="not json")),
        ("dose_reports", _report(next(uids), channel="email")),
        ("dose_reports", _report(next(uids), received_at="2026-11-21 09:00:00Z")),
        ("dose_reports", _report(next(uids), accession_number="A" * 17)),
        ("dose_reports", _report(next(uids), patient_birth_date="195403021")),
        ("dose_reports", _report(next(uids), study_instance_uid="1.2..3")),
        ("dose_report_states", _state(1)),
        ("dose_report_states", _state(2, state="attached", procedure_id="P1", reason="r")),
        ("dose_report_states", _state(3, state="refused")),
        ("dose_report_states", _state(4, state="matched", reason="r")),
        ("dose_report_states", _state(5, state="matched")),
        ("dose_report_states", _state(6, state="attached", procedure_id="P1", event_id="e" * 32, reason="r")),
        ("dose_report_states", _state(7, state="lost", reason="r")),
        ("hl7_inbox", _inbox(101)),
        ("hl7_inbox", _inbox(102, state="failed", ack_code="AE")),
        ("hl7_inbox", _inbox(103, state="failed", ack_code="AE", error="the birth date is in the future")),
        ("hl7_inbox", _inbox(104, state="x")),
        ("hl7_inbox", _inbox(105, attempts=0)),
        ("hl7_inbox", _inbox(106, patient_id="p" * 31)),
        ("hl7_inbox", _inbox(107, last_attempt_at="2026-11-21T09:00:61Z")),
        ("hl7_inbox", _inbox(108, ack_code="CA")),
        ("hl7_inbox", _inbox(109, message="")),
        ("hl7_merge_tasks", _task(101)),
        ("hl7_merge_tasks", _task(103, state="linked")),
        ("hl7_merge_tasks", _task(103, state="linked", decided_at=AT, decided_by="admin", note="same person")),
        ("hl7_merge_tasks", _task(101, state="dismissed", decided_at="2026-13-01T00:00:00Z", decided_by="a",
                                  note="n")),
        ("hl7_outbox", _outbox("C1")),
        ("hl7_outbox", _outbox("C2", state="acknowledged", message="MSH|...")),
        ("hl7_outbox", _outbox("C3", state="acknowledged", message="MSH|...", acknowledged_at=AT, ack_code="AA")),
        ("hl7_outbox", _outbox("C4", state="failed")),
        ("hl7_outbox", _outbox("C" * 21)),
        ("hl7_outbox", _outbox("C5", message_type="ADT^A01")),
        ("hl7_outbox", _outbox("C6", ack_code="XX")),
        ("hl7_outbox", _outbox("C7", attempts=-1)),
        ("hl7_outbox", _outbox("C8", pdf_sha256="0" * 63)),
        ("import_jobs", _job("j" * 32)),
        ("import_jobs", _job("k" * 31)),
        ("import_jobs", _job("l" * 32, created_at="2026-02-30T09:00:00Z")),
        ("import_jobs", _job("m" * 32, state="paused")),
        ("import_jobs", _job("n" * 32, total=-1)),
        ("import_job_records", _staged(1)),
        ("import_job_records", _staged(2, record="not json")),
        ("import_job_records", _staged(3, applied=2)),
        ("import_job_records", _staged(0)),
    ]


def test_the_inboxes_checks_give_the_files_verdicts(tmp_path, pg_db):
    cases = _cases()
    accepted, total = _compare(cases, _verdicts_sqlite(tmp_path / "v.db", cases), _verdicts_pg(pg_db.app_url, cases))
    assert (accepted, total) == (15, len(cases))  # both verdicts occur, and each table has accepted rows


def test_the_runtime_role_updates_exactly_the_state_columns_and_deletes_only_staging_and_derived_rows(pg_db):
    expected = {(table, col.strip()) for table, cols in {**walls._UPDATABLE, **inboxes.UPDATABLE}.items()
                for col in cols.split(",")}
    with psycopg.connect(pg_db.owner_url, autocommit=True) as conn:
        granted = set(conn.execute(
            "SELECT table_name, column_name FROM information_schema.column_privileges "
            "WHERE grantee = 'cathlog_app' AND privilege_type = 'UPDATE'").fetchall())
        tables = set(conn.execute(
            "SELECT table_name, privilege_type FROM information_schema.table_privileges "
            "WHERE grantee = 'cathlog_app' AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')").fetchall())
    derived = {*pg_search.TABLES, *pg_worklist.TABLES}  # made from the record, rebuilt at will
    assert {(t, c) for t, c in granted if t not in derived} == expected
    assert {(t, p) for t, p in tables if t not in derived} == {("import_job_records", "DELETE")}
    assert {(t, p) for t, p in tables if t in derived} == {(t, p) for t in derived for p in ("UPDATE", "DELETE")}


@pytest.fixture
def hl7_rows(pg_db):
    with psycopg.connect(pg_db.app_url, autocommit=True) as conn:
        conn.execute("INSERT INTO hl7_inbox (received_at, peer, sending_application, sending_facility, message_type, "
                     "control_id, message, state, ack_code, attempts, last_attempt_at) VALUES (%s, 'p', 'A', 'F', "
                     "'ADT^A40', 'M1', 'MSH|...', 'task', 'AA', 1, %s)", [AT, AT])
        conn.execute("INSERT INTO hl7_merge_tasks (inbox_id, created_at, surviving_mrn, prior_mrn, state, decided_at, "
                     "decided_by, note) VALUES (1, %s, '1', '2', 'dismissed', %s, 'admin', 'two people')", [AT, AT])
        conn.execute("INSERT INTO hl7_outbox (control_id, procedure_id, event, message_type, queued_at, queued_by, "
                     "destination, message, state, next_attempt_at) VALUES ('C1', 'P1', 'sign', 'ORU^R01', %s, "
                     "'doc', 'ehr:1', 'MSH|...', 'queued', %s)", [AT, AT])
    return pg_db


@pytest.mark.parametrize("sql, words", [
    ("DELETE FROM hl7_inbox", "never deleted"), ("TRUNCATE hl7_inbox CASCADE", "never deleted"),
    ("UPDATE hl7_inbox SET message = 'x'", "kept as it came"), ("UPDATE hl7_inbox SET control_id = 'x'", "kept as it came"),
    ("DELETE FROM hl7_merge_tasks", "never deleted"), ("UPDATE hl7_merge_tasks SET state = 'linked'", "stays decided"),
    ("DELETE FROM hl7_outbox", "never deleted"), ("TRUNCATE hl7_outbox", "never deleted"),
    ("UPDATE hl7_outbox SET message = 'other'", "never changes once built"),
    ("UPDATE hl7_outbox SET control_id = 'C2'", "never changes once built"),
])
def test_even_the_owner_is_stopped_by_the_hl7_triggers(hl7_rows, sql, words):
    with psycopg.connect(hl7_rows.owner_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match=words):
            conn.execute(sql)
        assert conn.execute("SELECT (SELECT count(*) FROM hl7_inbox), (SELECT count(*) FROM hl7_merge_tasks), "
                            "(SELECT count(*) FROM hl7_outbox), (SELECT message FROM hl7_outbox)").fetchone() == \
            (1, 1, 1, "MSH|...")


def test_the_runtime_role_changes_a_state_and_nothing_else(hl7_rows):
    with psycopg.connect(hl7_rows.app_url, autocommit=True) as conn:
        conn.execute("UPDATE hl7_outbox SET state = 'sent', attempts = 1, last_attempt_at = %s", [AT])
        conn.execute("UPDATE hl7_inbox SET state = 'applied', attempts = attempts + 1")
        for sql in ("UPDATE hl7_outbox SET queued_by = 'x'", "UPDATE hl7_inbox SET peer = 'x'",
                    "UPDATE hl7_merge_tasks SET surviving_mrn = '3'", "UPDATE import_jobs SET total = 2",
                    "DELETE FROM import_jobs", "UPDATE dose_reports SET sender = 'x'"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
        assert conn.execute("SELECT state, attempts FROM hl7_outbox").fetchone() == ("sent", 1)


def test_check_names_a_disabled_hl7_trigger(pg_db):
    from cathlog.store.db import Store

    store = Store.open(pg_db.app_url)
    try:
        assert store.integrity_check() == []
        with psycopg.connect(pg_db.owner_url, autocommit=True) as owner:
            owner.execute("ALTER TABLE hl7_outbox DISABLE TRIGGER hl7_outbox_message_fixed")
            assert {name for _, name in inboxes.TRIGGERS} <= {r[0] for r in owner.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
        assert store.integrity_check() == ["the trigger hl7_outbox_message_fixed on hl7_outbox is disabled: its rows "
                                           "could be changed or removed"]
    finally:
        store.close()
