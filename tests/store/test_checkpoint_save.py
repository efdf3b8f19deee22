"""A save remembers the checkpoint it wrote instead of reading it back (issue 18 item 2), but never
past a change of the file by anyone else: what another program wrote there is read and kept."""

from __future__ import annotations

import json

import pytest

from cathlog.domain.enums import EventKind
from cathlog.store import checkpoint
from tests.helpers import open_case


pytestmark = pytest.mark.sqlite_only(reason="the audit checkpoint is a file kept for a database file (store/checkpoint.py); "
                                            "a server's record is walled instead (tests/store/test_pg_walls.py)")


def _note(services, nurse, pid, text):
    services.cases.record_event(nurse, pid, EventKind.NOTE, {"text": text}, confirm=True)
    return services.store.db.conn.execute("SELECT max(seq), hash FROM audit ORDER BY seq DESC").fetchone()


def test_each_save_moves_the_checkpoint_on(services, nurse):
    pid = open_case(services, nurse).procedure_id
    for n in range(3):
        seq, digest = _note(services, nurse, pid, f"note {n}")
        cp = checkpoint.read(services.store.path)
        assert (cp.seq, cp.hash) == (seq, digest)


def test_a_checkpoint_another_program_wrote_is_read_again_and_kept(services, nurse):
    pid = open_case(services, nurse).procedure_id
    seq, _ = _note(services, nurse, pid, "first")
    path = checkpoint.checkpoint_path(services.store.path)
    # another cathlog (or someone) writes a checkpoint of rows this trail does not hold
    path.write_text(json.dumps({"seq": seq + 50, "hash": "f" * 64, "at": "2026-11-21T09:30:00Z"}), encoding="utf-8")
    _note(services, nurse, pid, "second")
    assert checkpoint.read(services.store.path).seq == seq + 50  # the evidence stays
    # and once the file is gone, saves write it again
    path.unlink()
    seq3, digest3 = _note(services, nurse, pid, "third")
    cp = checkpoint.read(services.store.path)
    assert (cp.seq, cp.hash) == (seq3, digest3)


def test_the_checkpoint_follows_the_config_folder(services, nurse, tmp_path, monkeypatch):
    pid = open_case(services, nurse).procedure_id
    _note(services, nurse, pid, "first")
    monkeypatch.setenv("CATHLOG_CONFIG_DIR", str(tmp_path / "elsewhere"))
    seq, digest = _note(services, nurse, pid, "second")
    assert checkpoint.checkpoint_path(services.store.path).parent == tmp_path / "elsewhere" / "checkpoints"
    cp = checkpoint.read(services.store.path)
    assert (cp.seq, cp.hash) == (seq, digest)
