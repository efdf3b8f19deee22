"""A lab goes back from its server to a file (issue 17 item 4, the way back): ``migrate-db --from URL --to FILE``
copies every version, audit row, seal and signature into a new SQLite file, verifies the chain, every seal and
the counts there, and audits the move on both. Round trip file -> server -> file: the JSON exports are
byte-identical and the audit chain is the same row for row up to the moves."""

import pytest

from cathlog import cli
from cathlog.domain.errors import Conflict
from cathlog.services import Services
from cathlog.store import audit
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD

_TRAIL = "SELECT seq, at, username, action, entity, entity_id, old_value, new_value, prev_hash, hash FROM audit " \
         "ORDER BY seq"


def _export(db, out) -> bytes:
    assert cli.main(["export", "--format", "json", "--out", str(out), "--db", str(db)]) == 0
    return out.read_bytes()


def _trail(db) -> list[dict]:
    store = Store.open(db)
    try:
        return list(store.engine.rows(_TRAIL))
    finally:
        store.close()


def test_file_to_server_to_file_round_trip_keeps_exports_and_the_audit_chain(moved_lab, tmp_path, clock, capsys):
    path, url = moved_lab
    back = tmp_path / "back.db"
    file_trail, server_trail = _trail(path), _trail(url)
    assert cli.main(["migrate-db", "--from", url, "--to", str(back)]) == 0
    assert "in the file the audit chain" in capsys.readouterr().out
    back_trail, server_after = _trail(back), _trail(url)
    # The new file holds the server's whole chain as it was at the move (with the mover's sign-in), then its
    # own record of the move, as the server has its own; the server's chain began as the first file's (the
    # file's last row is its own record of the first move).
    assert back_trail[:-1] == server_after[:-1] and server_after[:len(server_trail)] == server_trail
    assert [r["action"] for r in back_trail[len(server_trail):]] == ["sign_in", "migrate_db"]
    assert back_trail[-1]["hash"] != server_after[-1]["hash"] and server_after[-1]["action"] == "migrate_db"
    assert server_trail[:len(file_trail) - 1] == file_trail[:-1] and file_trail[-1]["action"] == "migrate_db"
    exports = [_export(db, tmp_path / f"{i}.json") for i, db in enumerate((path, url, back))]
    assert exports[0] == exports[1] == exports[2]
    again = Services(Store.open(back), clock, hasher=FAST_HASHER)
    server = Services(Store.open(url), clock, hasher=FAST_HASHER)
    try:
        assert again.admin.check().problems == [] and audit.verify_rows(again.store) == []
        assert again.review.verify_signatures() == []
        reader = again.auth.sign_in("admin", PASSWORD)
        moves = again.admin.audit_rows(reader, action="migrate_db")
        assert [m.entity_id for m in moves] == ["cathlog.db", "back.db"]  # there, then back
        assert [r.entity_id for r in server.admin.audit_rows(server.auth.sign_in("admin", PASSWORD),
                                                             action="migrate_db")].count("back.db") == 1
        # the file goes on as any file: a case is searchable by words (its index made from the records)
        (first,) = again.cases.list_cases(reader, limit=1)
        assert first.procedure_id in {c.procedure_id for c in again.cases.list_cases(reader, search=first.mrn)}
    finally:
        again.close()
        server.close()


def test_an_existing_file_is_refused_and_left_alone(moved_lab, tmp_path):
    _, url = moved_lab
    there = tmp_path / "there.db"
    there.write_bytes(b"not mine")
    assert cli.main(["migrate-db", "--from", url, "--to", str(there)]) != 0
    assert there.read_bytes() == b"not mine"


def test_a_copy_that_does_not_verify_leaves_no_file(moved_lab, tmp_path, clock, monkeypatch):
    _, url = moved_lab
    server = Services(Store.open(url), clock, hasher=FAST_HASHER)
    target = tmp_path / "back.db"
    real = audit.verify_chain
    monkeypatch.setattr(audit, "verify_chain", lambda store: audit.ChainReport(0, 1, "altered")
                        if store.url is None else real(store))
    try:
        with pytest.raises(Conflict):
            server.server.migrate_to_file(server.auth.sign_in("admin", PASSWORD), target)
        assert not target.exists()
    finally:
        server.close()
