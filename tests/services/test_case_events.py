"""A save reads only the rows stored since the last save (issue 18 item 2), and never misses one."""

import pytest

from cathlog.domain.errors import ConfirmationRequired
from cathlog.services import Services
from cathlog.services.case_events import CurrentEvents
from cathlog.store import records as rec
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD, same_database
from tests.helpers import open_case

pytestmark = pytest.mark.backends

GHOST = "0" * 32  # a well-formed id no real entry has
HEPARIN = {"drug": "heparin", "dose": 2000.0, "dose_unit": "units", "route": "iv"}


def test_an_entry_saved_by_another_workstation_is_checked_against(services, nurse, clock, tmp_path):
    proc = open_case(services, nurse)
    services.cases.record_event(nurse, proc.procedure_id, "note", {"text": "first"})  # this process has read the case
    other = Services(Store.open(same_database(services.store)), clock, hasher=FAST_HASHER)
    nurse_b = other.auth.sign_in("nurse", PASSWORD, workstation="lab-3")
    other.cases.record_event(nurse_b, proc.procedure_id, "medication", HEPARIN)
    clock.advance(minutes=2)
    with pytest.raises(ConfirmationRequired) as raised:  # the bolus given at the other workstation counts
        services.cases.record_event(nurse, proc.procedure_id, "medication", HEPARIN)
    assert "dose:repeat_bolus" in [w.code for w in raised.value.warnings]
    other.store.close()


def test_corrections_and_voids_are_current_and_only_new_rows_are_read(services, nurse, monkeypatch):
    proc = open_case(services, nurse)
    pid = proc.procedure_id
    first = services.cases.record_event(nurse, pid, "note", {"text": "one"})
    services.cases.record_event(nurse, pid, "note", {"text": "two"})
    services.cases.correct_event(nurse, first.event_id, {"text": "one, corrected"}, "typo")
    events = CurrentEvents(services.store)
    with services.store.write():
        seen = dict(events.of(pid))
    assert seen[first.event_id].data["text"] == "one, corrected" and len(seen) == 2
    services.cases.void_event(nurse, first.event_id, "wrong case")
    read: list[int] = []
    real = rec.event_versions_after
    monkeypatch.setattr(rec, "event_versions_after", lambda s, p, after: read.append(after) or real(s, p, after))
    with services.store.write():
        assert events.of(pid)[first.event_id].voided
    assert read and read[-1] > 0  # read from the last row seen, not from the start


def test_a_rolled_back_row_whose_number_is_reused_is_not_kept(services, nurse):
    proc = open_case(services, nurse)
    pid = proc.procedure_id
    services.cases.record_event(nurse, pid, "note", {"text": "kept"})
    events = CurrentEvents(services.store)

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), services.store.write():  # reads its own uncommitted row, then rolls back
        services.store.engine.execute("INSERT INTO event_versions (event_id, version, procedure_id, kind, data, "
                                      "occurred_at, recorded_at, recorded_by, workstation, voided) SELECT ?, 1, "
                                      "procedure_id, kind, data, occurred_at, recorded_at, recorded_by, workstation, "
                                      "voided FROM event_versions "
                                      "WHERE procedure_id = ? LIMIT 1", [GHOST, pid])
        assert GHOST in events.of(pid)
        raise Rollback
    real = services.cases.record_event(nurse, pid, "note", {"text": "after the rollback"})  # may take the ghost's row number
    with services.store.write():
        now = events.of(pid)
    assert GHOST not in now and real.event_id in now


@pytest.mark.sqlite_only(reason="restores a backup file under the reader (a server is restored with pg_restore)")
def test_a_file_restored_under_the_reader_is_read_again(services, nurse, admin, tmp_path):
    proc = open_case(services, nurse)
    pid = proc.procedure_id
    services.cases.record_event(nurse, pid, "note", {"text": "in the backup"})
    services.admin.backup(admin, tmp_path / "backup.db")
    late = services.cases.record_event(nurse, pid, "note", {"text": "after the backup"})
    events = CurrentEvents(services.store)
    with services.store.write():
        assert late.event_id in events.of(pid)
    services.admin.restore(admin, tmp_path / "backup.db")
    with services.store.write():
        assert late.event_id not in events.of(pid)
