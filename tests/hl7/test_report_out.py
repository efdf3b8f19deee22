"""Report out: a signed case's ORU^R01 / MDM^T02 through the outbox to node-hl7-server (an HL7
implementation cathlog did not write), which writes what it receives to files and acknowledges it.
What it received is validated with hl7apy STRICT 2.5.1 here, and its PDF must decode byte-identical.
The outbox on a file and on the server (the ``hl7-send`` command works on a file only)."""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from cathlog.domain.enums import EventKind, Role
from cathlog.domain.followup import SignatureMeaning
from cathlog.reports.make import render
from cathlog.services import Services
from cathlog.store import audit
from tests.conftest import FAST_HASHER, PASSWORD
from tests.helpers import open_case
from tests.hl7.conftest import PEERS, node_env
from tests.peers import free_port
from tests.services.test_review import PLAN

pytestmark = pytest.mark.backends
ROOT = Path(__file__).resolve().parents[2]


def summary(case) -> bytes:
    return render(case, "summary")


class Lab:
    def __init__(self, path: Path | str, clock):
        self.path = path  # a file, or a server's URL
        self.services = Services.open(path, create=True, clock=clock, hasher=FAST_HASHER)
        s = self.services
        self.admin = s.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
        s.auth.add_user(self.admin, "nurse", "Nina Nurse", Role.NURSE, PASSWORD)
        s.auth.add_user(self.admin, "doc", "Dr. Dora Doc", Role.PHYSICIAN, PASSWORD)
        self.nurse = s.auth.sign_in("nurse", PASSWORD)
        self.doc = s.auth.sign_in("doc", PASSWORD)

    def configure(self, port: int, **more: str) -> None:
        for key, value in {"hl7.out_host": "127.0.0.1", "hl7.out_port": str(port), **more}.items():
            self.services.settings.set(self.admin, key, value)

    def signed_case(self, mrn: str = "12345") -> str:
        s = self.services
        pid = open_case(s, self.nurse, mrn=mrn).procedure_id
        s.cases.record_event(self.nurse, pid, EventKind.CONTRAST, {"agent": "iohexol", "volume_ml": 120.0}, confirm=True)
        s.cases.record_event(self.nurse, pid, EventKind.RADIATION,
                             {"fluoro_time_s": 280, "air_kerma_mgy": 410.5, "dap_gy_cm2": 31.25})
        s.cases.close_case(self.doc, pid, reason="test case, checklist not the point")
        s.review.save_review(self.doc, pid, PLAN)
        s.review.sign(self.doc, pid, PASSWORD, SignatureMeaning.APPROVED)
        return pid

    def outbox(self) -> list[dict]:
        return self.services.hl7_out.outbox(self.admin)


@pytest.fixture
def lab(tmp_path, clock, backend, request):
    lab = Lab(tmp_path / "lab.db" if backend == "sqlite" else request.getfixturevalue("pg_db").app_url, clock)
    yield lab
    lab.services.close()


class NodeServer:
    def __init__(self, node_hl7, out: Path, mode: str = "ack", port: int | None = None):
        self.port, self.out, self.node_hl7 = port or free_port(), out, node_hl7
        out.mkdir(exist_ok=True)
        self.start(mode)

    def start(self, mode: str) -> None:
        self.proc = subprocess.Popen(["node", str(PEERS / "report_server.js"), str(self.port), str(self.out), mode],
                                     env=node_env(self.node_hl7), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline()  # blocks until the server listens (or exits)
        assert line.strip() == "listening", self.proc.stderr.read()[-500:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.communicate(timeout=10)  # waits, and closes the pipes

    def received(self) -> list[str]:
        return [p.read_bytes().decode("utf-8") for p in sorted(self.out.glob("raw-*.txt"))]  # CR kept as CR


@pytest.fixture
def server(node_hl7, tmp_path):
    servers = []

    def make(mode: str = "ack", folder: str = "received", port: int | None = None) -> NodeServer:
        servers.append(NodeServer(node_hl7, tmp_path / folder, mode, port))
        return servers[-1]

    yield make
    for s in servers:
        s.stop()


def segments(text: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for seg in text.replace("\n", "\r").split("\r"):
        if seg:
            out.setdefault(seg[:3], []).append(seg.split("|"))
    return out


def strict_251(text: str) -> None:
    """hl7apy STRICT 2.5.1, the ED payload stood in for (hl7apy caps ED data at 199 characters)."""
    lines = []
    for seg in text.rstrip("\r").split("\r"):
        fields = seg.split("|")
        if fields[0] == "OBX" and fields[2] == "ED":
            parts = fields[5].split("^")
            fields[5] = "^".join(parts[:4] + ["JVBERi0="])
        lines.append("|".join(fields))
    message = parse_message("\r".join(lines), validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
    message.validate()
    assert message.msh.msh_12.value == "2.5.1"


def test_a_signed_case_s_oru_reaches_node_is_acknowledged_and_its_pdf_decodes_byte_identical(lab, server):
    node = server()
    lab.configure(node.port)
    pid = lab.signed_case()
    (row,) = lab.outbox()
    assert (row["state"], row["event"], row["message_type"], row["built"]) == ("queued", "sign", "ORU^R01", 0)
    assert lab.services.hl7_out.build_pending(summary) == 1
    (result,) = lab.services.hl7_out.send_due()
    assert result.state == "acknowledged"
    (row,) = lab.outbox()
    assert (row["state"], row["ack_code"], row["attempts"]) == ("acknowledged", "AA", 1)
    (received,) = node.received()
    strict_251(received)
    seg = segments(received)
    assert seg["MSH"][0][8] == "ORU^R01^ORU_R01" and seg["MSH"][0][9] == row["control_id"]
    assert seg["PID"][0][3].split("^")[0] == "12345" and seg["OBR"][0][3] == f"{pid}^CATHLOG"
    assert seg["OBR"][0][4] == "415070008^Percutaneous coronary intervention^SCT"
    assert seg["OBR"][0][25] == "F" and seg["OBR"][0][32] == "doc&Dr. Dora Doc"
    values = {o[3].split("^")[0]: (o[5], o[6].split("^")[0]) for o in seg["OBX"] if o[2] == "NM"}
    assert values == {"volume_ml": ("120", "mL"), "113730": ("280", "s"), "113725": ("410.5", "mGy"),
                      "113722": ("31.25", "Gy.cm2")}
    ed = next(o for o in seg["OBX"] if o[2] == "ED")[5].split("^")
    assert ed[1:4] == ["AP", "PDF", "Base64"]
    pdf = base64.b64decode(ed[4], validate=True)
    assert pdf.startswith(b"%PDF-") and hashlib.sha256(pdf).hexdigest() == row["pdf_sha256"]
    # Audited in and out, never with the PDF's bytes.
    rows = list(audit.rows(lab.services.store, procedure_id=pid))
    assert [r.action for r in rows if r.action.startswith("hl7_")] == ["hl7_queue", "hl7_report_built", "hl7_send",
                                                                       "hl7_acknowledged"]
    assert all(ed[4][:200] not in (r.new_value or "") for r in audit.rows(lab.services.store))
    assert any(f"<PDF {len(pdf)} bytes sha256 {row['pdf_sha256']}>" in (r.new_value or "") for r in rows)


def test_mdm_t02_when_the_lab_chooses_it_and_a_corrected_one_after_an_addendum(lab, server):
    node = server()
    lab.configure(node.port, **{"hl7.report_message": "MDM^T02"})
    pid = lab.signed_case()
    lab.services.review.addendum(lab.doc, pid, "Right radial hematoma at 2 h, compressed.", reason="late finding")
    assert lab.services.hl7_out.build_pending(summary) == 2
    assert [r.state for r in lab.services.hl7_out.send_due()] == ["acknowledged", "acknowledged"]
    first, second = node.received()
    for text in (first, second):
        strict_251(text)
    one, two = segments(first), segments(second)
    assert one["MSH"][0][8] == "MDM^T02^MDM_T02" and one["TXA"][0][12] == f"{pid}-1^CATHLOG"
    assert two["TXA"][0][12] == f"{pid}-2^CATHLOG" and two["TXA"][0][13] == f"{pid}-1^CATHLOG"
    assert one["TXA"][0][17] == "AU" and two["TXA"][0][17] == "DO"  # the addendum awaits a new signature
    assert [r["event"] for r in lab.outbox()] == ["addendum", "sign"]


def test_nothing_is_queued_without_a_receiver_or_for_an_event_the_lab_does_not_send(lab):
    pid = lab.signed_case()
    assert lab.outbox() == []
    lab.configure(9, **{"hl7.send_on": "sign"})
    lab.services.review.addendum(lab.doc, pid, "note", reason="why")
    assert lab.outbox() == []


def test_a_refused_signature_queues_nothing(lab):
    lab.configure(9)
    pid = open_case(lab.services, lab.nurse).procedure_id
    lab.services.cases.close_case(lab.doc, pid, reason="test")
    with pytest.raises(Exception):
        lab.services.review.sign(lab.doc, pid, PASSWORD, SignatureMeaning.APPROVED)  # no review yet
    assert lab.outbox() == []


def test_receiver_down_stays_queued_with_back_off_then_goes_once_it_is_up(lab, server, clock):
    port = free_port()
    lab.configure(port)
    lab.signed_case()
    lab.services.hl7_out.build_pending(summary)
    (result,) = lab.services.hl7_out.send_due()
    assert result.state == "queued" and "cannot reach" in result.reason
    assert lab.services.hl7_out.send_due() == []  # not due before its back-off
    (row,) = lab.outbox()
    assert row["attempts"] == 1 and row["next_attempt_at"] == "2026-11-21T09:00:05Z"
    up = server(port=port)
    clock.advance(seconds=5)
    (result,) = lab.services.hl7_out.send_due()
    assert result.state == "acknowledged"
    assert len(up.received()) == 1


def test_a_queued_report_goes_to_the_receiver_set_when_it_is_sent(lab, server, clock):
    """The hospital moved its interface engine: messages still queued follow the settings."""
    lab.configure(free_port())
    lab.signed_case()
    lab.services.hl7_out.build_pending(summary)
    assert lab.services.hl7_out.send_due()[0].state == "queued"
    moved = server()
    lab.services.settings.set(lab.admin, "hl7.out_port", str(moved.port))
    clock.advance(seconds=5)
    assert lab.services.hl7_out.send_due()[0].state == "acknowledged" and len(moved.received()) == 1
    assert lab.outbox()[0]["destination"] == f"127.0.0.1:{moved.port}"
    lab.services.settings.set(lab.admin, "hl7.out_host", "")  # the lab stops sending reports: none is queued
    lab.signed_case(mrn="555")
    assert len(lab.outbox()) == 1


def test_an_ae_marks_the_message_failed_with_the_reason_and_resend_sends_the_same_control_id(lab, server, clock):
    refusing = server("reject", "refused")
    lab.configure(refusing.port)
    lab.signed_case()
    lab.services.hl7_out.build_pending(summary)
    (result,) = lab.services.hl7_out.send_due()
    assert result.state == "failed" and "AE" in result.reason
    (row,) = lab.outbox()
    assert (row["state"], row["ack_code"]) == ("failed", "AE")
    refusing.stop()
    fixed = server("ack", "after-fix", port=refusing.port)
    lab.services.hl7_out.resend(lab.admin, row["message_id"], reason="receiver fixed")
    (again,) = lab.services.hl7_out.send_due()
    assert again.state == "acknowledged" and again.control_id == row["control_id"]
    assert refusing.received() == fixed.received()  # a duplicate: the same bytes, the same control id
    assert [r.action for r in audit.rows(lab.services.store)][-3:] == ["hl7_resend", "hl7_send", "hl7_acknowledged"]


def _sender(lab: Lab, *args: str, quiet: bool = False) -> subprocess.Popen:
    env = {**os.environ, "CATHLOG_USER": "admin", "CATHLOG_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    out = subprocess.DEVNULL if quiet else subprocess.PIPE
    return subprocess.Popen([sys.executable, "-m", "cathlog", "hl7-send", "--db", str(lab.path), "--poll", "1", *args],
                            env=env, stdout=out, stderr=out, text=True, cwd=ROOT)


def _wait_for(condition, what: str, timeout_s: float = 60.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.sqlite_only(reason="the hl7-send command works on a database file (cli/common.db_path)")
def test_sender_killed_between_send_and_ack_sends_again_after_restart_and_is_acknowledged_once(lab, server):
    node = server("hold-first")  # reads the first message and never answers it
    lab.configure(node.port)
    lab.signed_case()
    lab.services.close()  # the sender processes own the file now
    sender = _sender(lab, quiet=True)
    try:
        _wait_for(lambda: len(node.received()) == 1, "the first message at the receiver")
        lab.services = Services.open(lab.path, hasher=FAST_HASHER)
        _wait_for(lambda: lab.outbox()[0]["state"] == "sent", "the outbox row marked sent")
        sender.send_signal(signal.SIGKILL)  # kill -9 between send and acknowledgement
        sender.wait(10)
        (row,) = lab.outbox()
        assert (row["state"], row["attempts"]) == ("sent", 1)
    finally:
        if sender.poll() is None:
            sender.kill()
    again = _sender(lab, "--once")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err[-500:]
    (row,) = lab.outbox()
    assert (row["state"], row["attempts"]) == ("acknowledged", 2)
    assert out.split() == [row["control_id"], "acknowledged"]
    first, second = node.received()
    assert first == second and f"|{row['control_id']}|" in first  # sent again, the same control id
    acknowledged = [r for r in audit.rows(lab.services.store) if r.action == "hl7_acknowledged"]
    assert len(acknowledged) == 1
