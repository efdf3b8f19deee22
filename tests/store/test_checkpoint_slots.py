"""The checkpoint file's two slots (store/checkpoint.py): a save rewrites the older slot in place instead of
renaming a new file over the old (issue 18 item 2), and a write torn by a crash leaves the other slot to read."""

from __future__ import annotations

import json
import os

import pytest

from cathlog.domain.enums import EventKind
from cathlog.store import checkpoint
from tests.helpers import open_case

pytestmark = pytest.mark.sqlite_only(reason="the audit checkpoint is a file kept for a database file")


def _note(services, nurse, pid, text):
    services.cases.record_event(nurse, pid, EventKind.NOTE, {"text": text}, confirm=True)
    return tuple(services.store.db.conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone())


def _slots(path):
    lines = path.read_bytes().split(b"\n")[:-1]
    assert len(lines) == 2 and len(lines[0]) == len(lines[1])
    return lines


def test_saves_write_the_two_slots_in_turn_in_place(services, nurse):
    pid = open_case(services, nurse).procedure_id
    _note(services, nurse, pid, "first")
    path = checkpoint.checkpoint_path(services.store.path)
    inode = os.stat(path).st_ino
    seen = []
    for n in range(4):
        last = _note(services, nurse, pid, f"note {n}")
        assert os.stat(path).st_ino == inode  # written in place, not renamed over
        cp = checkpoint.read(services.store.path)
        assert (cp.seq, cp.hash) == last
        newest = max((json.loads(line) for line in _slots(path) if line.strip()), key=lambda d: d["seq"])
        seen.append(_slots(path).index(next(line for line in _slots(path) if line.strip()
                                            and json.loads(line)["seq"] == newest["seq"])))
    assert seen == [seen[0], 1 - seen[0]] * 2  # the older slot is the one rewritten


def test_a_torn_slot_leaves_the_other_one(services, nurse):
    pid = open_case(services, nurse).procedure_id
    before = _note(services, nurse, pid, "first")
    _note(services, nurse, pid, "second")
    after = _note(services, nurse, pid, "third")
    path = checkpoint.checkpoint_path(services.store.path)
    slots = _slots(path)
    newest = max(range(2), key=lambda i: json.loads(slots[i])["seq"])
    assert json.loads(slots[newest])["seq"] == after[0]
    # a crash halfway through rewriting the newest slot: its first bytes new, the rest as it was
    torn = slots[newest].replace(str(after[0]).encode(), str(after[0] + 1).encode(), 1)
    assert torn != slots[newest]
    path.write_bytes(b"".join(s + b"\n" for s in ([slots[0], torn] if newest else [torn, slots[1]])))
    cp = checkpoint.read(services.store.path)
    assert cp.seq == json.loads(slots[1 - newest])["seq"] and cp.seq >= before[0]  # the older, intact slot
    assert checkpoint.problems(services.store) == []  # a torn write is no false alarm
    # both torn: the file is named damaged, and the next save writes it whole again
    path.write_bytes(path.read_bytes().replace(b'"seq"', b'"seQ"'))
    with pytest.raises(ValueError, match="damaged"):
        checkpoint.read(services.store.path)
    last = _note(services, nurse, pid, "fourth")
    assert (checkpoint.read(services.store.path).seq, checkpoint.read(services.store.path).hash) == last


def test_an_older_cathlogs_one_object_file_is_read_then_replaced(services, nurse):
    pid = open_case(services, nurse).procedure_id
    seq, digest = _note(services, nurse, pid, "first")
    path = checkpoint.checkpoint_path(services.store.path)
    path.write_text(json.dumps({"seq": seq, "hash": digest, "at": "2026-11-21T09:30:00Z"}), encoding="utf-8")
    assert checkpoint.read(services.store.path).seq == seq
    last = _note(services, nurse, pid, "second")
    cp = checkpoint.read(services.store.path)
    assert (cp.seq, cp.hash) == last
    _slots(path)  # now in slots


def test_a_reset_clears_the_other_slot(services, nurse):
    """After a restore (``force``) the slot of the rolled-back trail must not win by its higher seq."""
    pid = open_case(services, nurse).procedure_id
    for n in range(3):
        _note(services, nurse, pid, f"note {n}")
    path = checkpoint.checkpoint_path(services.store.path)
    fields = {"seq": 10**6, "hash": "f" * 64, "at": "2026-11-21T09:30:00Z", "database": "elsewhere"}
    slots = _slots(path)
    path.write_bytes(checkpoint._slot(checkpoint._line(fields), len(slots[0]) + 1) + slots[1] + b"\n")
    assert checkpoint.read(services.store.path).seq == 10**6
    checkpoint.save(services.store, force=True)
    cp = checkpoint.read(services.store.path)
    assert cp.seq < 10**6 and checkpoint.problems(services.store) == []
