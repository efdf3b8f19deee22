"""migrate-db moves the inboxes too (issue 17): import staging (an import a crash interrupted is finished on
the server), dose reports with their files and states, HL7 messages received, merge tasks and the outbox,
ids kept, counted and verified; the server's row numbers go on after the copied ones; and back to a file."""

from datetime import timezone

import pytest

from cathlog.services import Services
from cathlog.store import hl7 as hl7_store
from cathlog.store.db import Store
from cathlog.store.pg import inboxes
from cathlog.store.pg.migrate import COPIED
from tests.conftest import FAST_HASHER, PASSWORD
from tests.dicom import rdsr_maker as mk
from tests.helpers import CORONARY, open_case, power_cut_at_second_import
from tests.hl7.test_adt_in import adt, pid


def _rows(store, table):
    return [tuple(r) for r in store.engine.execute(f"SELECT * FROM {table} ORDER BY {COPIED[table]}")]


@pytest.fixture
def lab_file(services, admin, nurse, tmp_path, monkeypatch, clock):
    """A file with something in every inbox table; its import stopped half way (one case of two applied)."""
    s = services
    s.dose._zone = timezone.utc
    open_case(s, nurse, mrn="00123", details={**CORONARY, "study_instance_uid": f"{mk.ROOT}.2.1"})
    assert s.dose.receive(nurse, mk.to_bytes(mk.make()), channel="network", sender="AZURION71").outcome == "attached"
    waiting = mk.make(sop_instance_uid=f"{mk.ROOT}.1.2", study_instance_uid=f"{mk.ROOT}.2.9", patient_id="777")
    assert s.dose.receive(nurse, mk.to_bytes(waiting), channel="file", sender="usb stick").outcome == "waiting"
    s.settings.set(admin, "hl7.allowed_senders", "GENHOSP")
    assert s.hl7_in.receive(adt("A04", "M1", pid(mrn="4242")), "10.0.0.5").ack_code == "AA"
    assert s.hl7_in.receive(adt("A08", "M2", pid(mrn="4242", born="20991231")), "10.0.0.5").ack_code == "AE"
    merge = adt("A40", "M3", pid(mrn="4242"), structure="ADT_A39", extra=("MRG|00123^^^GENHOSP^MR",))
    assert s.hl7_in.receive(merge, "10.0.0.5").ack_code == "AA"
    with s.store.write():
        mid = hl7_store.queue(s.store, control_id="C1", procedure_id="P1", event="sign", message_type="ORU^R01",
                              queued_at="2026-11-21T09:00:00Z", queued_by="doc", destination="ehr:2575")
        hl7_store.set_message(s.store, mid, "MSH|^~\\&|CATHLOG", "0" * 64)
        hl7_store.set_state(s.store, mid, state="sent", attempts=1, last_attempt_at="2026-11-21T09:00:01Z")
    # An import of two cases that stops after the first (power cut): staged, half applied.
    from cathlog.exchange.json_records import parse_records, write_records

    source = Services(Store.open(tmp_path / "src.db"), clock, hasher=FAST_HASHER)
    source_admin = source.auth.create_first_admin("admin", "Admin", PASSWORD)
    source.auth.add_user(source_admin, "n", "N", "nurse", PASSWORD)
    n = source.auth.sign_in("n", PASSWORD)
    for mrn in ("Q1", "Q2"):
        open_case(source, n, mrn=mrn)
    write_records(tmp_path / "q.json", source.exchange.iter_records(source_admin))
    source.close()
    restore = power_cut_at_second_import(monkeypatch)
    with pytest.raises(SystemExit):
        s.exchange.import_records(admin, parse_records((tmp_path / "q.json").read_bytes(), "q.json"), "q.json")
    restore()
    for table in inboxes.COPIED:
        assert s.store.engine.scalar(f"SELECT count(*) FROM {table}"), table  # something in every one
    return s


def test_the_inboxes_move_to_the_server_and_back_as_they_are(lab_file, admin, pg_db, tmp_path, clock):
    moved = lab_file.server.migrate_to_server(admin, pg_db.owner_url)
    for table in inboxes.COPIED:
        assert moved.rows[table] == lab_file.store.engine.scalar(f"SELECT count(*) FROM {table}")
    server = Services(Store.open(pg_db.app_url), clock, hasher=FAST_HASHER)
    try:
        for table in inboxes.COPIED:
            assert _rows(server.store, table) == _rows(lab_file.store, table), table
        reader = server.auth.sign_in("admin", PASSWORD)
        assert server.admin.check().problems == []
        nurse = server.auth.sign_in("nurse", PASSWORD)
        (waiting,) = server.dose.inbox(nurse)
        assert server.dose.file_of(nurse, waiting.sop_instance_uid) == lab_file.dose.file_of(nurse, waiting.sop_instance_uid)
        server.dose.refuse(nurse, waiting.sop_instance_uid, "a test exposure")  # the next state version, on the server
        # New rows are numbered after the copied ones.
        before = max(r["inbox_id"] for r in lab_file.hl7_in.inbox(reader))
        server.hl7_in.receive(adt("A04", "M4", pid(mrn="5151")), "10.0.0.5")
        assert server.hl7_in.inbox(reader)[0]["inbox_id"] == before + 1
        (task,) = server.hl7_in.merge_tasks(reader)
        server.hl7_in.decide_merge(reader, task.task_id, linked=False, note="two people")
        # The interrupted import is finished where the lab goes on.
        assert server.exchange.resume_imports() == 1
        assert server.store.engine.scalar("SELECT count(*) FROM import_jobs WHERE state <> 'done'") == 0
        assert server.store.engine.scalar("SELECT count(*) FROM import_job_records") == 0
        assert server.admin.verify_audit(reader).ok
        back = tmp_path / "back.db"
        again = server.server.migrate_to_file(reader, back)
        assert again.rows["hl7_inbox"] == len(server.hl7_in.inbox(reader))
        returned = Services(Store.open(back), clock, hasher=FAST_HASHER)
        try:
            for table in inboxes.COPIED:
                assert _rows(returned.store, table) == _rows(server.store, table), table
            assert returned.dose.inbox(nurse, ("refused",))[0].reason == "a test exposure"
            assert returned.store.integrity_check() == []
        finally:
            returned.close()
    finally:
        server.close()
