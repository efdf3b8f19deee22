"""Tamper evidence (issue 13, items 3 and 4): each attack is made behind cathlog's back, as an attacker would:
with raw sqlite3 on the file (dropping and re-creating the append-only triggers), or as a server's superuser
past its triggers (tests/pg.py attack); and ``check`` must name what was done, on both back ends."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat

import pytest

from cathlog import cli
from cathlog.domain.enums import EventKind, Role
from cathlog.domain.followup import SignatureMeaning
from cathlog.services import Services
from cathlog.store import audit, checkpoint, keys, schema, seals
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD, same_database
from tests.helpers import open_case
from tests.pg import attack
from tests.services.test_review import PLAN

pytestmark = pytest.mark.backends
CHECKPOINT = ("the audit checkpoint is a file kept for a database file (checkpoint.py); on a server the walls "
              "and the superuser's own logs stand in for it")
HEPARIN = {"drug": "heparin", "dose": 7000.0, "dose_unit": "units", "route": "iv"}


def _attack(store, *statements, params=()):
    """Run SQL behind cathlog's back: on a file, triggers dropped, the edit made, triggers put back; on a server
    as its superuser (tests/pg.py)."""
    attack(store, *statements, params=params)


def _max_seq(services) -> int:
    return services.store.engine.scalar("SELECT max(seq) FROM audit")


def _problems(services):
    return audit.verify_rows(services.store) + services.review.verify_signatures()


@pytest.fixture
def dosed(services, nurse):
    proc = open_case(services, nurse)
    ev = services.cases.record_event(nurse, proc.procedure_id, EventKind.MEDICATION, HEPARIN, confirm=True)
    return proc, ev


def test_the_normal_path_checks_ok(services, nurse, physician, dosed, capsys, monkeypatch):
    proc, ev = dosed
    services.cases.correct_event(nurse, ev.event_id, dict(HEPARIN, dose=5000.0), reason="typo", confirm=True)
    assert _problems(services) == []
    report = audit.verify_chain(services.store)
    assert report.ok and report.keyed_from_seq == 1  # a new database is keyed from its first row
    monkeypatch.setenv("CATHLOG_DB", str(same_database(services.store)))
    assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    assert "audit chain and records: ok" in out and "signatures: ok" in out


def test_dose_edited_in_the_file_is_named(services, dosed):
    proc, ev = dosed
    _attack(services.store, {"sqlite": "UPDATE event_versions SET data = json_set(data, '$.dose', 50000.0) "
                                       "WHERE event_id = ?",
                             "postgresql": "UPDATE event_versions SET data = jsonb_set(data::jsonb, '{dose}', "
                                           "'50000.0')::json WHERE event_id = ?"}, params=[ev.event_id])
    assert services.cases.get_record  # the edit is in the file ...
    (problem,) = audit.verify_rows(services.store)  # ... and named: table, id, version
    assert f"entry {ev.event_id} version 1 (event_versions) was changed after it was written" in problem


def test_row_added_or_deleted_in_the_file_is_named(services, nurse, dosed):
    proc, ev = dosed

    def add_copy(conn):
        mark = "?" if isinstance(conn, sqlite3.Connection) else "%s"
        cursor = conn.execute(f"SELECT * FROM event_versions WHERE event_id = {mark}", [ev.event_id])
        names = [d[0] for d in cursor.description]
        fake = dict(zip(names, cursor.fetchone()), event_id="f" * 32)
        del fake["row_id"]  # a new row number
        values = [v if mark == "?" or not isinstance(v, dict) else json.dumps(v) for v in fake.values()]
        conn.execute(f"INSERT INTO event_versions ({', '.join(fake)}) VALUES ({', '.join([mark] * len(fake))})",
                     values)

    _attack(services.store, add_copy, "DELETE FROM patient_mrns")
    problems = audit.verify_rows(services.store)
    assert any(f"entry {'f' * 32} version 1 (event_versions) has no audit row" in p for p in problems)
    assert any("MRN claim" in p and "is missing: audit row" in p for p in problems)


@pytest.mark.sqlite_only(reason=CHECKPOINT)
def test_deleting_the_last_20_audit_rows_is_reported_against_the_checkpoint(services, nurse, dosed):
    proc, _ = dosed
    for n in range(25):
        services.cases.record_event(nurse, proc.procedure_id, EventKind.NOTE, {"text": f"note {n}"}, confirm=True)
    last = services.store.db.conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
    cut = last - 19
    # A thorough attacker: the audit rows, their seals and the rows they record all go.
    _attack(services.store,
            f"DELETE FROM event_versions WHERE event_id IN (SELECT rid FROM seals WHERE seq >= {cut} "
            "AND tbl = 'event_versions')",
            f"DELETE FROM seals WHERE seq >= {cut}", f"DELETE FROM audit WHERE seq >= {cut}")
    problems = audit.verify_rows(services.store)
    (problem,) = problems
    assert problem.startswith("audit trail is shorter than the checkpoint of ")
    assert f"rows seq {cut}..{last} are missing" in problem
    # at start-up too, and the next save does not overwrite the evidence
    again = Services(Store.open(services.store.path), hasher=FAST_HASHER)
    assert again.tamper_warnings == problems
    services.cases.record_event(nurse, proc.procedure_id, EventKind.NOTE, {"text": "after"}, confirm=True)
    assert checkpoint.read(services.store.path).seq == last


def test_a_careless_truncation_is_named_even_without_a_checkpoint(services, nurse, dosed):
    proc, _ = dosed
    for n in range(25):
        services.cases.record_event(nurse, proc.procedure_id, EventKind.NOTE, {"text": f"note {n}"}, confirm=True)
    last = _max_seq(services)
    if services.store.path is not None:
        checkpoint.checkpoint_path(services.store.path).unlink()
    _attack(services.store, f"DELETE FROM audit WHERE seq > {last - 20}")
    problems = audit.verify_rows(services.store)
    assert any(f"audit rows {last - 19} and later are missing" in p for p in problems)


@pytest.mark.sqlite_only(reason=CHECKPOINT + "; and in a backup file")
def test_the_checkpoint_in_a_backup_catches_a_truncation_when_the_file_is_gone(services, nurse, dosed, admin,
                                                                              tmp_path):
    proc, _ = dosed
    folder = tmp_path / "backups"
    services.admin.backup(admin, folder / "cathlog-20261121T090000Z.cathlog-backup.db")
    backed_up = services.store.db.conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
    _attack(services.store, f"DELETE FROM seals WHERE seq >= {backed_up - 1}",
            f"DELETE FROM audit WHERE seq >= {backed_up - 1}")
    checkpoint.checkpoint_path(services.store.path).unlink()  # the attacker removed that one too
    problems = checkpoint.problems(services.store, folder)
    assert problems and "than backup cathlog-20261121T090000Z.cathlog-backup.db of " in problems[0]


@pytest.mark.sqlite_only(reason="re-makes the chain with sqlite3 in the file and in a copy of the file; on a server "
                                "the chain's key is the same code path (tests/store/test_audit.py runs on both)")
def test_a_chain_recomputed_without_the_key_is_detected(services, dosed):
    proc, ev = dosed

    def rechain(conn, drop_key_row):
        conn.execute("UPDATE event_versions SET data = json_set(data, '$.dose', 50000.0) WHERE event_id = ?",
                     [ev.event_id])
        if drop_key_row:  # pretend the whole trail is legacy (from before keying)
            conn.execute("DELETE FROM seals")
            conn.execute("DELETE FROM audit WHERE action = 'key_audit_chain'")
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM audit ORDER BY seq")]
        conn.execute("DELETE FROM audit")
        prev = audit.GENESIS_HASH
        for seq, row in enumerate(rows, 1):
            row.update(seq=seq, prev_hash=prev)
            row["hash"] = prev = audit._digest(row)  # the published, unkeyed algorithm
            conn.execute(f"INSERT INTO audit ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                         list(row.values()))

    copy = services.store.path.with_name("copy.db")
    dest = sqlite3.connect(copy)
    services.store.db.conn.backup(dest)
    dest.close()
    _attack(services.store, lambda c: rechain(c, False))
    report = audit.verify_chain(services.store)
    assert report.first_broken_seq == 1 and "re-made without the key" in report.problem

    _attack(copy, lambda c: rechain(c, True))
    other = Store.open(copy)
    report = audit.verify_chain(other)
    assert not report.ok and "no keying row" in report.problem
    assert any("has no audit row" in p for p in audit.verify_rows(other))
    other.close()


def _signed_case(services, physician, admin):

    ids = services.demo.load(admin, 5, seed=8)
    pid = next(p for p in ids if services.cases.get_record(admin, p).procedure.indication_detail == "Coronary DES")
    services.review.save_review(physician, pid, PLAN)
    services.review.sign(physician, pid, PASSWORD, SignatureMeaning.APPROVED)
    return pid


def test_a_forged_signature_is_named(services, physician, admin):
    pid = _signed_case(services, physician, admin)
    assert services.review.verify_signatures() == []
    legacy = services.review._content_hash(pid, legacy=True)  # what anyone can compute from the file
    _attack(services.store,
            "INSERT INTO signature_events (signature_id, procedure_id, action, username, display_name, meaning, at, "
            "content_hash) VALUES (?, ?, 'sign', 'mallory', 'Dr. Mallory', 'approved', '2026-11-21T10:00:00Z', ?)",
            params=["e" * 32, pid, legacy])
    (problem,) = services.review.verify_signatures()
    assert problem.startswith(f"signature {'e' * 32} on case {pid} by mallory") and "forged" in problem
    assert any("signature event" in p and "has no audit row" in p for p in audit.verify_rows(services.store))
    forged = [s for s in services.review.signatures(physician, pid) if s.username == "mallory"]
    assert forged and not forged[0].valid


def test_a_signature_rehashed_after_an_edit_is_named(services, physician, admin):
    pid = _signed_case(services, physician, admin)
    _attack(services.store, {"sqlite": "UPDATE review_versions SET data = json_set(data, '$.final_timi', 1) "
                                       "WHERE procedure_id = ?",
                             "postgresql": "UPDATE review_versions SET data = jsonb_set(data::jsonb, '{final_timi}', "
                                           "'1')::json WHERE procedure_id = ?"}, params=[pid])
    (problem,) = services.review.verify_signatures()
    assert f"on case {pid} by doc" in problem


def test_key_missing_and_wrong_key_are_told_apart_from_tampering(services, dosed, capsys, monkeypatch):
    path = keys.key_path()
    saved = path.read_bytes()
    path.unlink()
    problems = audit.verify_rows(services.store)
    assert problems and problems[0].startswith("key missing") and not any("changed" in p for p in problems)
    monkeypatch.setenv("CATHLOG_DB", str(same_database(services.store)))
    assert cli.main(["check"]) == 1
    assert "key missing" in capsys.readouterr().out
    path.write_text(os.urandom(32).hex())
    problems = audit.verify_rows(services.store)
    assert problems[0].startswith("wrong key") and not any("changed" in p for p in problems)
    path.write_bytes(saved)
    assert audit.verify_rows(services.store) == []


@pytest.mark.sqlite_only(reason="looks for the key in a dump of the whole file (sqlite3 iterdump)")
def test_the_key_file_is_private_and_the_database_holds_only_its_id(services, dosed):
    path = keys.key_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    key = keys.read_key()
    dump = "\n".join(services.store.db.conn.iterdump())
    assert key.hex() not in dump and keys.key_id(key) in dump


@pytest.mark.sqlite_only(reason="an older file (schema 5) migrated; the server's baseline was keyed from its start")
def test_an_existing_database_keeps_its_legacy_chain_and_is_keyed_by_migration(tmp_path):
    path = tmp_path / "v5.db"
    import sqlite_utils

    db = sqlite_utils.Database(path)
    schema.migrations.apply(db, stop_before="0006_seals_and_audit_key")
    db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    db.execute("PRAGMA user_version = 5")
    prev = audit.GENESIS_HASH
    for seq in (1, 2, 3):
        row = {"seq": seq, "at": "2025-01-01T00:00:00Z", "username": "admin", "workstation": "ws",
               "action": "sign_in", "entity": "user", "entity_id": "admin", "procedure_id": None,
               "old_value": None, "new_value": None, "reason": None, "prev_hash": prev}
        row["hash"] = prev = audit._digest(row)
        db.table("audit").insert(row)
    db.conn.commit()
    db.conn.close()
    store = Store.open(path)
    report = audit.verify_chain(store)
    assert report.ok and report.keyed_from_seq == 4 and audit.verify_rows(store) == []
    (key_row,) = [r for r in audit.rows(store) if r.action == "key_audit_chain"]
    assert json.loads(key_row.new_value)["legacy_until_seq"] == 3
    store.close()

    def rewrite_legacy(conn):  # a legacy row edited and the legacy chain re-made: the keyed row no longer links
        conn.execute("UPDATE audit SET username = 'mallory' WHERE seq = 2")
        prev = audit.GENESIS_HASH
        conn.row_factory = sqlite3.Row
        for row in [dict(r) for r in conn.execute("SELECT * FROM audit WHERE seq <= 3 ORDER BY seq")]:
            row["prev_hash"] = prev
            prev = audit._digest(row)
            conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", [row["prev_hash"], prev, row["seq"]])

    _attack(path, rewrite_legacy)
    store = Store.open(path)
    report = audit.verify_chain(store)
    assert report.first_broken_seq == 4 and "does not link" in report.problem
    store.close()


@pytest.mark.sqlite_only(reason=CHECKPOINT + "; restore replaces the file")
def test_a_restore_resets_the_checkpoint_without_a_false_alarm(services, nurse, admin, dosed, tmp_path):
    proc, _ = dosed
    copy = tmp_path / "copy.db"
    services.admin.backup(admin, copy)
    for n in range(3):
        services.cases.record_event(nurse, proc.procedure_id, EventKind.NOTE, {"text": f"note {n}"}, confirm=True)
    services.admin.restore(admin, copy)
    assert audit.verify_rows(services.store, tmp_path) == []


def test_without_its_key_nothing_is_saved_and_the_message_says_so(services, dosed, nurse):
    from cathlog.domain.errors import AuditKeyError

    proc, _ = dosed
    keys.key_path().unlink()
    seals._key_cache.clear()  # as after a fresh program start
    before = services.store.engine.scalar("SELECT count(*) FROM event_versions")
    with pytest.raises(AuditKeyError, match="key missing"):
        services.cases.record_event(nurse, proc.procedure_id, EventKind.NOTE, {"text": "x"}, confirm=True)
    assert services.store.engine.scalar("SELECT count(*) FROM event_versions") == before
    assert not keys.key_path().exists()  # not silently replaced by a new key


@pytest.mark.sqlite_only(reason="a new database file whose key cannot be written")
def test_an_unwritable_config_folder_is_a_named_error(tmp_path, monkeypatch):
    from cathlog.domain.errors import AuditKeyError

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("CATHLOG_CONFIG_DIR", str(blocker / "cathlog"))
    with pytest.raises(AuditKeyError, match="audit key file"):
        Store.open(tmp_path / "new.db")


@pytest.mark.sqlite_only(reason="an older file (schema 5) signed before keying; the server was keyed from its start")
def test_a_signature_made_before_keying_stays_valid_as_legacy(tmp_path, monkeypatch):
    """A case signed by the previous release (plain SHA-256 everywhere), then migrated."""
    import sqlite_utils

    from cathlog.services import review as review_service
    from cathlog.store import followup, records

    path = tmp_path / "v5.db"
    db = sqlite_utils.Database(path)
    schema.migrations.apply(db, stop_before="0006_seals_and_audit_key")
    db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    db.execute("PRAGMA user_version = 5")
    db.conn.commit()

    def legacy_append(store, **fields):  # the previous release's audit.append
        conn = store.db.conn
        last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        row = {"seq": last[0] + 1 if last else 1, "at": fields["at"], "username": fields["username"],
               "workstation": fields["workstation"], "action": fields["action"], "entity": fields["entity"],
               "entity_id": fields["entity_id"], "procedure_id": fields.get("procedure_id"),
               "old_value": audit.to_json(fields.get("old")), "new_value": audit.to_json(fields.get("new")),
               "reason": fields.get("reason"), "prev_hash": last[1] if last else audit.GENESIS_HASH}
        row["hash"] = audit._digest(row)
        store.db.table("audit").insert(row)

    with monkeypatch.context() as m:
        m.setattr(audit, "append", legacy_append)
        m.setattr(records, "insert_sealed", lambda store, table, row: store.engine.insert_returning(table, row))
        m.setattr(followup, "insert_sealed", lambda store, table, row: store.engine.insert_returning(table, row))
        m.setattr(records.case_search, "index_procedure", lambda conn, procedure_id: None)  # no case index yet
        m.setattr(records.case_search, "index_patient", lambda conn, patient_id: None)
        m.setattr(review_service.seals, "keyed_hash", lambda store, data: hashlib.sha256(data).hexdigest())
        old = Services(Store(db, path), hasher=FAST_HASHER)
        admin = old.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
        old.auth.add_user(admin, "doc", "Dr. Dora Doc", Role.PHYSICIAN, PASSWORD)
        physician = old.auth.sign_in("doc", PASSWORD)
        pid = _signed_case(old, physician, admin)
        db.conn.close()
    new = Services(Store.open(path), hasher=FAST_HASHER)
    assert audit.verify_rows(new.store) == [] and new.review.verify_signatures() == []
    (sig,) = new.review.signatures(physician, pid)
    assert sig.valid and not sig.superseded
    _attack(path, "UPDATE review_versions SET data = json_set(data, '$.final_timi', 1) WHERE procedure_id = ?",
            params=[pid])
    assert new.review.verify_signatures() and any("changed after it was written" in p
                                                  for p in audit.verify_rows(new.store))
    new.store.close()


@pytest.mark.parametrize("team", ['[{"nam": "Dr. A", "role": "primary_operator"}]', '["Dr. A"]'])
def test_a_team_of_another_shape_is_a_damaged_database_not_a_crash(services, nurse, team):
    """A flipped byte can leave a case's team still JSON but not what cathlog writes (found by the byte-flip
    test of tests/reliability): reading the case then says the database is damaged, by name."""
    from cathlog.domain.errors import CorruptDatabase

    proc = open_case(services, nurse)
    _attack(services.store, "UPDATE procedure_versions SET team = ? WHERE procedure_id = ?",
            params=(team, proc.procedure_id))
    with pytest.raises(CorruptDatabase, match="cannot have"):
        services.cases.get_record(nurse, proc.procedure_id)
