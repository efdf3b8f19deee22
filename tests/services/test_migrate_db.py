"""Moving a lab (issue 17 item 4, file to server): ``migrate-db`` copies every version, audit row, seal and
signature of a 25-case demo file into an empty PostgreSQL database, then cathlog's own checks verify it
there; every case reads the same from both; a database that is not empty is refused, nothing copied."""

import pytest

from cathlog import cli
from cathlog.domain.errors import Conflict
from cathlog.services import Services
from cathlog.store import audit
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD


@pytest.fixture
def demo_file(services, admin):
    services.demo.load(admin, 25, seed=7)
    return services


def test_a_25_case_demo_file_moves_to_the_server_and_reads_the_same(demo_file, admin, pg_db, clock, monkeypatch,
                                                                     capsys):
    path = demo_file.store.path
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    assert cli.main(["migrate-db", "--from", str(path), "--to", pg_db.owner_url]) == 0
    out = capsys.readouterr().out
    assert "every seal, the users and settings verify" in out
    server = Services(Store.open(pg_db.app_url), clock, hasher=FAST_HASHER)
    file = Services(Store.open(path), clock, hasher=FAST_HASHER)
    try:
        reader = server.auth.sign_in("admin", PASSWORD)
        cases = file.cases.list_cases(reader, limit=100)
        assert len(cases) == 25
        assert set(server.cases.list_cases(reader, limit=100)) == set(cases)
        for case in cases:
            assert server.cases.get_record(reader, case.procedure_id) == file.cases.get_record(reader,
                                                                                               case.procedure_id)
        chain = audit.verify_chain(server.store)
        assert chain.ok and audit.verify_rows(server.store) == [] and server.admin.check().problems == []
        (moved,) = server.admin.audit_rows(reader, action="migrate_db")
        assert moved.username == "admin" and moved.entity_id == path.name
        assert file.admin.audit_rows(reader, action="migrate_db")  # the file records it too
        assert server.review.verify_signatures() == []
    finally:
        server.close()
        file.close()


def test_a_server_database_that_is_not_empty_is_refused_and_nothing_is_copied(demo_file, admin, pg_db):
    demo_file.server.migrate_to_server(admin, pg_db.owner_url)
    server = Store.open(pg_db.app_url)
    try:
        before = server.engine.scalar("SELECT count(*) FROM event_versions")
        with pytest.raises(Conflict, match="not empty"):
            demo_file.server.migrate_to_server(admin, pg_db.owner_url)
        assert server.engine.scalar("SELECT count(*) FROM event_versions") == before > 0
    finally:
        server.close()
