"""Several rooms, one record (issue 17, "done when"): two workstations, two processes signed in as two
users, log into one PostgreSQL database and each sees the other's entries; a correction made on an
entry that the other room changed meanwhile gets the existing "changed by someone else" refusal."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cathlog.domain.enums import Role
from cathlog.services import Services
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD
from tests.helpers import open_case

ROOT = Path(__file__).resolve().parents[2]
# One workstation: signs in, then obeys one command a line (record / correct / read) and answers in JSON.
_WORKSTATION = """
import json, sys
from cathlog.domain.enums import EventKind
from cathlog.domain.errors import CathlogError
from cathlog.services import Services
url, user, password, workstation = sys.argv[1:5]
services = Services.open(url)
actor = services.auth.sign_in(user, password, workstation=workstation)
for line in sys.stdin:
    command, *args = line.split()
    try:
        if command == "record":
            event = services.cases.record_event(actor, args[0], EventKind.NOTE, {"text": args[1]})
            answer = {"event_id": event.event_id}
        elif command == "correct":
            event = services.cases.correct_event(actor, args[0], {"text": args[1]}, "typo",
                                                 expected_version=int(args[2]))
            answer = {"version": event.version}
        elif command == "read":
            record = services.cases.get_record(actor, args[0])
            answer = {"entries": [[h.versions[-1].data["text"], h.versions[-1].recorded_by,
                                   h.versions[-1].workstation, h.versions[-1].version] for h in record.events]}
    except CathlogError as exc:
        answer = {"refused": type(exc).__name__, "message": str(exc)}
    print(json.dumps(answer), flush=True)
services.close()
"""


class Workstation:
    def __init__(self, url: str, user: str, workstation: str):
        self.process = subprocess.Popen([sys.executable, "-c", _WORKSTATION, url, user, PASSWORD, workstation],
                                        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)

    def ask(self, *words: str) -> dict:
        self.process.stdin.write(" ".join(words) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, self.process.stderr.read()
        return json.loads(line)

    def close(self) -> None:
        _, err = self.process.communicate(timeout=60)  # closes its input: the workstation signs off
        assert self.process.returncode == 0, err


@pytest.fixture
def lab(pg_db, clock):
    """The lab's server database with its users and one open case (set up by the admin's workstation)."""
    services = Services(Store.open(pg_db.app_url), clock, hasher=FAST_HASHER)
    try:
        admin = services.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
        services.auth.add_user(admin, "nurse", "Nina Nurse", Role.NURSE, PASSWORD)
        services.auth.add_user(admin, "doc", "Dr. Dora Doc", Role.PHYSICIAN, PASSWORD)
        proc = open_case(services, services.auth.sign_in("nurse", PASSWORD, workstation="front-desk"))
    finally:
        services.close()
    return pg_db.app_url, proc.procedure_id


def test_two_workstations_see_each_others_entries(lab):
    url, case = lab
    room, control = Workstation(url, "nurse", "cath-lab-1"), Workstation(url, "doc", "control-room")
    try:
        room.ask("record", case, "heparin-given")
        control.ask("record", case, "plan-PCI-of-LAD")
        room.ask("record", case, "sheath-out")
        seen_by_room, seen_by_control = room.ask("read", case)["entries"], control.ask("read", case)["entries"]
        assert seen_by_room == seen_by_control
        assert sorted(map(tuple, seen_by_room)) == [("heparin-given", "nurse", "cath-lab-1", 1),
                                                     ("plan-PCI-of-LAD", "doc", "control-room", 1),
                                                     ("sheath-out", "nurse", "cath-lab-1", 1)]
    finally:
        room.close()
        control.close()


def test_a_correction_of_an_entry_the_other_room_changed_meanwhile_is_refused(lab):
    url, case = lab
    room, control = Workstation(url, "nurse", "cath-lab-1"), Workstation(url, "doc", "control-room")
    try:
        event_id = room.ask("record", case, "hepar1n")["event_id"]
        assert control.ask("correct", event_id, "heparin", "1") == {"version": 2}
        refused = room.ask("correct", event_id, "heparin-5000", "1")  # the room still shows version 1
        assert refused["refused"] == "Conflict" and "changed" in refused["message"]
        assert [e[0] for e in room.ask("read", case)["entries"]] == ["heparin"]
    finally:
        room.close()
        control.close()
