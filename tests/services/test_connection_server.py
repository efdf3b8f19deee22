"""The connection as a workstation sees it (issue 17 items 3 and 5), through the services: the other
workstations' changes and not its own; changes missed while the listener was away; the connection's
state told at once when a save finds it lost and again when it works; nothing of it on a file."""

from __future__ import annotations

import pytest

from cathlog.domain.enums import EventKind, Role
from cathlog.domain.errors import DatabaseUnavailable
from cathlog.services import Services
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD, FakeClock
from tests.helpers import open_case


@pytest.fixture
def two_rooms(pg_db, clock):
    room_a = Services(Store.open(pg_db.app_url), clock, hasher=FAST_HASHER)
    admin = room_a.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
    room_a.auth.add_user(admin, "nurse", "Nina Nurse", Role.NURSE, PASSWORD)
    room_a.auth.add_user(admin, "doc", "Dr. Dora Doc", Role.PHYSICIAN, PASSWORD)
    room_b = Services(Store.open(pg_db.app_url), FakeClock(), hasher=FAST_HASHER)
    yield (room_a, room_a.auth.sign_in("nurse", PASSWORD, workstation="cath-lab-1"),
           room_b, room_b.auth.sign_in("doc", PASSWORD, workstation="cath-lab-2"))
    room_a.close()
    room_b.close()


def _until(watch, found=lambda r: True, steps: int = 40):
    for _ in range(steps):
        report = watch.step(0.25)
        if report is not None and found(report):
            return report
    raise AssertionError("nothing heard")


def test_the_other_rooms_changes_are_heard_and_not_its_own(two_rooms):
    room_a, nurse, room_b, doc = two_rooms
    watch = room_a.connection.watch()
    try:
        assert _until(watch).listening  # connected
        pid = open_case(room_a, nurse).procedure_id  # its own: nothing to report
        room_b.cases.record_event(doc, pid, EventKind.NOTE, {"text": "from room 2"})
        report = _until(watch)
        assert report.listening and not report.missed
        assert {c.procedure_id for c in report.changes} == {pid}
        assert max(c.seq for c in report.changes) == room_a.connection.head()
    finally:
        watch.close()


def test_changes_made_while_the_listener_was_away_are_said_once_it_is_back(pg_cluster, pg_db, two_rooms):
    room_a, nurse, room_b, doc = two_rooms
    watch = room_a.connection.watch()
    watch.retry_s = 0.1
    try:
        _until(watch)
        with pg_cluster.admin() as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND "
                          "application_name = 'cathlog changes'", [pg_db.name])
        lost = _until(watch)
        assert not lost.listening and "listening connection" in lost.problem
        open_case(room_b, doc, "00999")  # while nobody listens: no notice reaches it
        back = _until(watch, lambda r: r.listening)
        assert back.missed and back.changes == ()
    finally:
        watch.close()


def test_the_state_is_told_when_a_save_finds_the_server_gone_and_when_it_works_again(pg_cluster, pg_db, two_rooms):
    room_a, nurse, _room_b, _doc = two_rooms
    told = []
    room_a.connection.on_state(lambda reachable, why: told.append((reachable, why)))
    pid = open_case(room_a, nurse).procedure_id
    with pg_cluster.admin() as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND "
                      "application_name = 'cathlog'", [pg_db.name])
    with pytest.raises(DatabaseUnavailable):
        room_a.cases.record_event(nurse, pid, EventKind.NOTE, {"text": "lost"})
    assert room_a.connection.lost and told[0][0] is False and "cannot be reached" in told[0][1]
    room_a.connection.check()  # connects again, bounded
    assert told[-1] == (True, "") and not room_a.connection.lost
    room_a.cases.record_event(nurse, pid, EventKind.NOTE, {"text": "back"})
    assert len(told) == 2


@pytest.mark.sqlite_only(reason="a file has no server connection to watch (the server's: the tests above)")
def test_on_a_file_there_is_nothing_to_watch(tmp_path, clock):
    services = Services.open(tmp_path / "cathlog.db", create=True, clock=clock)
    try:
        assert not services.connection.on_server and services.connection.watch() is None
        services.connection.check()  # nothing to check: a file
        assert services.connection.where() == str(tmp_path / "cathlog.db") and not services.connection.lost
    finally:
        services.close()
