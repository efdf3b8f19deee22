"""Rooms hear each other (issue 17 item 3): a notice per committed audit row, sent at COMMIT and dropped on
ROLLBACK, under PostgreSQL's payload limit; a listener on a connection of its own that notices when that
connection is lost and connects again."""

from __future__ import annotations

import pytest

from cathlog.domain.errors import DatabaseUnavailable
from cathlog.store import audit
from cathlog.store.db import Store
from cathlog.store.pg.notify import MAX_PAYLOAD_BYTES, Listener, parse, payload


@pytest.fixture
def server(pg_db):
    store = Store.open(pg_db.app_url)
    yield store
    store.close()


@pytest.fixture
def listener(pg_db):
    heard = Listener(pg_db.app_url)
    heard.connect()
    yield heard
    heard.close()


def _append(store: Store, procedure_id: str | None = "case-1") -> None:
    audit.append(store, at="2026-12-03T15:00:00Z", username="nurse", workstation="cath-lab-1", action="record_event",
                 entity="event", entity_id="e1", procedure_id=procedure_id, new={"text": "x"})


def test_a_committed_change_is_heard_once_with_its_case_and_origin(server, listener):
    with server.write():
        _append(server)
        _append(server, None)
    (first, second) = listener.wait(5)
    head = audit.last_seq(server)
    assert (first.seq, first.procedure_id, first.entity) == (head - 1, "case-1", "event")
    assert (second.seq, second.procedure_id) == (head, None)
    assert first.origin == server.engine.origin and len(first.origin) == 16
    assert listener.wait(0.2) == [] and listener.head() == head


def test_a_rolled_back_change_is_never_heard(server, listener):
    class Undo(Exception):
        pass

    before = listener.head()
    with pytest.raises(Undo), server.write():
        _append(server)
        assert listener.wait(0.3) == []  # not before COMMIT either
        raise Undo
    assert listener.wait(0.5) == [] and listener.head() == before
    with server.write():
        _append(server)
    assert [n.seq for n in listener.wait(5)] == [before + 1]


def test_the_payload_stays_under_the_servers_limit():
    text = payload(origin="ab" * 8, seq=12, procedure_id="p" * 9000, entity="event")
    assert len(text.encode()) <= MAX_PAYLOAD_BYTES
    notice = parse(text)
    assert notice is not None and notice.procedure_id is None and notice.seq == 12  # "refresh everything"
    assert parse("not ours") is None and parse('{"seq": "x"}') is None


def test_a_lost_listening_connection_is_said_and_connects_again(pg_cluster, pg_db, server, listener):
    with pg_cluster.admin() as admin:
        ended = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND "
                              "application_name = 'cathlog changes'", [pg_db.name]).fetchall()
    assert len(ended) == 1
    with pytest.raises(DatabaseUnavailable, match="ended the listening connection"):
        listener.wait(5)
    assert not listener.connected
    listener.connect()
    with server.write():
        _append(server)
    assert len(listener.wait(5)) == 1


def test_a_server_that_is_not_there_is_said_by_name(tmp_path):
    with pytest.raises(DatabaseUnavailable, match="cannot listen for changes"):
        Listener(f"postgresql://cathlog_app:secret@/cathlog?host={tmp_path}&port=9").connect()
