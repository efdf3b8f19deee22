"""ADT in over MLLP, against an HL7 implementation cathlog did not write: node-hl7-client sends, cathlog's
listener (python-hl7's asyncio MLLP streams, hl7apy validation) answers. Everything binds 127.0.0.1.
The listener writes through a connection of its own to a file or to the server (the ``hl7-listen``
command works on a file only)."""

from __future__ import annotations

import logging
import socket
import subprocess

import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from cathlog.domain.enums import Role
from cathlog.exchange.hl7_runner import Hl7Interface
from cathlog.services import Services
from cathlog.store import audit
from tests.conftest import FAST_HASHER, PASSWORD, same_database
from tests.helpers import open_case
from tests.hl7.conftest import PEERS, node_env

pytestmark = pytest.mark.backends
ALLOWED = "GENHOSP"


def adt(trigger: str, control_id: str, pid: str, *, structure: str = "ADT_A01", extra: tuple[str, ...] = ("PV1|1|I",),
        version: str = "2.5.1", sep: str = "\r") -> str:
    segments = [f"MSH|^~\\&|EPIC|GENHOSP|CATHLOG|CATHLAB|20261203101500||ADT^{trigger}^{structure}|{control_id}|P|"
                f"{version}", f"EVN|{trigger}|20261203101500", pid, *extra]
    return sep.join(segments) + sep


def pid(mrn: str = "12345", name: str = "Doe^Jane", born: str = "19540302", sex: str = "F") -> str:
    return f"PID|1||{mrn}^^^GENHOSP^MR||{name}||{born}|{sex}"


@pytest.fixture
def lab(services):
    """A database with an admin and the listener's settings; the interface runs on its own connection."""
    admin = services.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
    services.settings.set(admin, "hl7.allowed_senders", ALLOWED)
    services.auth.add_user(admin, "nurse", "Nina Nurse", Role.NURSE, PASSWORD)
    nurse = services.auth.sign_in("nurse", PASSWORD)
    interface = Hl7Interface(same_database(services.store), lambda case: b"", listen=True, send=False, listen_host="127.0.0.1",
                             listen_port=0).start()
    yield services, admin, nurse, interface
    interface.stop()


def node_send(node_hl7, port: int, text: str, tmp_path) -> str:
    message = tmp_path / "message.hl7"
    message.write_text(text, encoding="utf-8")
    done = subprocess.run(["node", str(PEERS / "adt_send.js"), str(port), str(message)], env=node_env(node_hl7),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    return done.stdout


def raw_send(port: int, payload: bytes) -> str:
    """MLLP by hand (a plain socket): for framings no HL7 library would produce."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"\x0b" + payload + b"\x1c\x0d")
        data = b""
        while b"\x1c\x0d" not in data:
            chunk = sock.recv(65536)
            assert chunk, "the listener closed the connection without an acknowledgement"
            data += chunk
    return data.split(b"\x1c\x0d")[0].lstrip(b"\x0b").decode("utf-8")


def msa(ack: str) -> tuple[str, str]:
    fields = next(s for s in ack.replace("\n", "\r").split("\r") if s.startswith("MSA")).split("|")
    return fields[1], fields[2]


def strict(ack: str) -> None:
    parse_message(ack.replace("\n", "\r"), validation_level=VALIDATION_LEVEL.STRICT, find_groups=True).validate()


def patient(services, admin, mrn="12345"):
    return services.cases.find_patient(admin, mrn)


def test_a08_from_node_updates_the_patient_and_is_acknowledged_aa(lab, node_hl7, tmp_path):
    services, admin, nurse, interface = lab
    open_case(services, nurse, mrn="12345")  # Doe, Jane, 1954-03-02, female
    ack = node_send(node_hl7, interface.port, adt("A08", "MSG0001", pid(name="Doe-Smith^Janet")), tmp_path)
    assert msa(ack) == ("AA", "MSG0001")
    strict(ack)
    p = patient(services, admin)
    assert (p.family_name, p.given_name, p.version) == ("Doe-Smith", "Janet", 2)
    assert p.weight_kg == 80.0 and p.allergies == "iodinated contrast"  # the lab's values stay
    row = services.store.engine.execute("SELECT changed_by, reason FROM patient_versions WHERE patient_id = ? "
                                        "AND version = 2", [p.patient_id]).fetchone()
    assert tuple(row) == ("hl7:GENHOSP", "HL7 ADT^A08 MSG0001")
    actions = [(r.action, r.username) for r in audit.rows(services.store)][-2:]
    assert actions == [("update_patient", "hl7:GENHOSP"), ("hl7_receive", "hl7:GENHOSP")]
    (inbox,) = services.hl7_in.inbox(admin)
    assert (inbox["state"], inbox["ack_code"], inbox["control_id"], inbox["attempts"]) == ("applied", "AA", "MSG0001", 1)
    # The same message again (a sender that missed our ACK): acknowledged, not applied twice.
    again = node_send(node_hl7, interface.port, adt("A08", "MSG0001", pid(name="Doe-Smith^Janet")), tmp_path)
    assert msa(again) == ("AA", "MSG0001") and patient(services, admin).version == 2


def test_a04_from_node_registers_a_new_patient(lab, node_hl7, tmp_path):
    services, admin, nurse, interface = lab
    ack = node_send(node_hl7, interface.port, adt("A04", "MSG0002", pid(mrn="777", name="Núñez^Zoë", sex="U")),
                    tmp_path)
    assert msa(ack) == ("AA", "MSG0002")
    p = patient(services, admin, "777")
    assert (p.family_name, p.given_name, p.birth_date, p.sex, p.version) == ("Núñez", "Zoë", "1954-03-02", "unknown", 1)


def test_a_malformed_message_from_node_gets_ar_and_changes_nothing(lab, node_hl7, tmp_path):
    services, admin, nurse, interface = lab
    open_case(services, nurse, mrn="12345")
    before = list(audit.rows(services.store))[-1].seq
    # An A08 without its PID segment: a structure HL7 v2.5.1 does not allow (hl7apy refuses it).
    no_pid = "\r".join(["MSH|^~\\&|EPIC|GENHOSP|CATHLOG|CATHLAB|20261203101500||ADT^A08^ADT_A01|MSG0003|P|2.5.1",
                        "EVN|A08|20261203101500", "PV1|1|I"]) + "\r"
    ack = node_send(node_hl7, interface.port, no_pid, tmp_path)
    assert msa(ack) == ("AR", "MSG0003")
    strict(ack)
    assert "PID" in ack.split("ERR|")[1]  # the reason names what is missing
    assert patient(services, admin).version == 1
    new_rows = [r for r in audit.rows(services.store) if r.seq > before]
    assert [r.action for r in new_rows] == ["hl7_receive"]  # kept and audited, nothing applied
    (inbox,) = services.hl7_in.inbox(admin, problems_only=True)
    assert (inbox["state"], inbox["ack_code"]) == ("rejected", "AR")


def test_lf_separated_message_gets_ae_and_a_log_line_and_the_listener_goes_on(lab, caplog, tmp_path, node_hl7):
    services, admin, nurse, interface = lab
    open_case(services, nurse, mrn="12345")
    caplog.set_level(logging.WARNING)
    ack = raw_send(interface.port, adt("A08", "MSG0004", pid(name="Lf^Lena"), sep="\n").encode())
    assert msa(ack) == ("AE", "MSG0004")
    assert any("LF" in r.getMessage() and "MSG0004" in r.getMessage() for r in caplog.records)
    assert patient(services, admin).family_name == "Doe"
    # Not MLLP at all, then garbage inside a frame: answered, and the listener still serves.
    with socket.create_connection(("127.0.0.1", interface.port), timeout=10) as sock:
        sock.sendall(b"hello\x1c\x0d")
        assert b"MSA|AR" in sock.recv(65536)
    assert msa(raw_send(interface.port, b"\xff\xfe not hl7"))[0] == "AR"
    ack = node_send(node_hl7, interface.port, adt("A08", "MSG0005", pid(name="Doe^Jane^Q")), tmp_path)
    assert msa(ack) == ("AA", "MSG0005")


def test_a40_merge_is_never_applied_but_becomes_an_admin_task(lab, node_hl7, tmp_path):
    services, admin, nurse, interface = lab
    kept = open_case(services, nurse, mrn="12345")
    gone = open_case(services, nurse, mrn="99999", family_name="Doe", given_name="J.")
    merge = adt("A40", "MSG0006", pid(), structure="ADT_A39", extra=("MRG|99999^^^GENHOSP^MR",))
    assert msa(node_send(node_hl7, interface.port, merge, tmp_path)) == ("AA", "MSG0006")
    assert patient(services, admin, "99999") is not None and patient(services, admin, "12345").version == 1
    (task,) = services.hl7_in.merge_tasks(admin)
    assert (task.surviving_mrn, task.prior_mrn, task.state) == ("12345", "99999", "open")
    assert [c[0] for c in task.surviving.cases] == [kept.procedure_id]
    assert [c[0] for c in task.prior.cases] == [gone.procedure_id]
    decided = services.hl7_in.decide_merge(admin, task.task_id, linked=True, note="same person, checked with HIM")
    assert (decided.state, decided.decided_by) == ("linked", "admin")
    assert services.hl7_in.merge_tasks(admin) == []
    assert list(audit.rows(services.store))[-1].action == "hl7_merge_linked"


def test_a_sender_not_allowed_is_refused_kept_and_applied_on_retry_once_allowed(lab, node_hl7, tmp_path):
    services, admin, nurse, interface = lab
    open_case(services, nurse, mrn="12345")
    other = adt("A08", "MSG0007", pid(name="Other^Olga")).replace("|EPIC|GENHOSP|", "|EPIC|CLINIC2|")
    assert msa(node_send(node_hl7, interface.port, other, tmp_path)) == ("AR", "MSG0007")
    assert patient(services, admin).family_name == "Doe"
    (row,) = services.hl7_in.inbox(admin, problems_only=True)
    assert "not allowed" in row["error"]
    services.settings.set(admin, "hl7.allowed_senders", "GENHOSP, CLINIC2")
    outcome = services.hl7_in.retry(admin, row["inbox_id"])
    assert (outcome.state, outcome.ack_code) == ("applied", "AA")
    p = patient(services, admin)
    assert p.family_name == "Other" and p.version == 2
    assert services.hl7_in.inbox(admin, problems_only=True) == []
    assert services.hl7_in.inbox(admin)[0]["attempts"] == 2  # received once, retried once
    assert list(audit.rows(services.store))[-1].action == "hl7_retry"


def test_a_message_whose_content_cannot_be_applied_gets_ae_and_waits_in_the_inbox(lab, node_hl7, tmp_path):
    services, admin, nurse, interface = lab
    ack = node_send(node_hl7, interface.port, adt("A08", "MSG0008", pid(mrn="555", born="20990101")), tmp_path)
    assert msa(ack) == ("AE", "MSG0008")
    strict(ack)
    assert patient(services, admin, "555") is None
    (row,) = services.hl7_in.inbox(admin, problems_only=True)
    assert row["state"] == "failed" and "future" in row["error"]
    outcome = services.hl7_in.retry(admin, row["inbox_id"])  # still wrong: still failed, nothing applied
    assert outcome.state == "failed" and patient(services, admin, "555") is None


def test_the_hl7_listen_command_serves_node_until_sigterm(tmp_path, db_target, clock, node_hl7):
    """``python -m cathlog hl7-listen`` as an admin would run it, on a file or on the lab's server (one
    machine runs the interface: docs/multi-room.md): any free port, an A04 from node, SIGTERM."""
    import os
    import sys
    from pathlib import Path

    path = db_target
    services = Services.open(path, create=True, clock=clock, hasher=FAST_HASHER)
    admin = services.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
    services.settings.set(admin, "hl7.allowed_senders", ALLOWED)
    services.close()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "CATHLOG_USER": "admin", "CATHLOG_PASSWORD": PASSWORD, "PYTHONPATH": str(root)}
    proc = subprocess.Popen([sys.executable, "-m", "cathlog", "hl7-listen", "--db", str(path), "--host", "127.0.0.1",
                             "--port", "0", "--no-send"], env=env, cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # "HL7 listener on 127.0.0.1:PORT"
        assert line.startswith("HL7 listener on 127.0.0.1:"), proc.stderr.read()[-500:]
        port = int(line.split(":")[1].split()[0].rstrip(";"))
        ack = node_send(node_hl7, port, adt("A04", "CLI1", pid(mrn="31337")), tmp_path)
        assert msa(ack) == ("AA", "CLI1")
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-500:]
    reopened = Services.open(path, clock=clock, hasher=FAST_HASHER)
    try:
        assert reopened.cases.find_patient(admin, "31337").family_name == "Doe"
        assert [r.action for r in audit.rows(reopened.store)][-4:-2] == ["sign_in", "hl7_interface_start"]
    finally:
        reopened.close()
