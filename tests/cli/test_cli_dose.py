"""Dose reports from the command line: import-dose, dose-inbox, and dicom-listen receiving from dcmtk's
storescu (a real sender) until SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from cathlog import cli
from cathlog.domain.enums import Role
from cathlog.services import Services
from tests.conftest import FAST_HASHER, PASSWORD
from tests.dicom import rdsr_maker as mk
from tests.peers import dcmtk
from tests.helpers import CORONARY, open_case

UID = f"{mk.ROOT}.2.1"
pytestmark = pytest.mark.backends


@pytest.fixture
def env(db_target, monkeypatch):
    """A database (a file, or the server's: tests/conftest.py db_target) with a nurse's open case."""
    db = db_target
    monkeypatch.setenv("CATHLOG_DB", db)
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    monkeypatch.setenv("CATHLOG_USER", "admin")
    assert cli.main(["init", "--admin", "admin"]) == 0
    services = Services.open(db, hasher=FAST_HASHER)
    admin = services.auth.sign_in("admin", PASSWORD)
    services.auth.add_user(admin, "nurse", "Nina Nurse", Role.NURSE, PASSWORD)
    nurse = services.auth.sign_in("nurse", PASSWORD)
    proc = open_case(services, nurse, details={**CORONARY, "study_instance_uid": UID})
    services.close()
    monkeypatch.setenv("CATHLOG_USER", "nurse")
    return db, proc.procedure_id


def radiation(db, procedure_id):
    services = Services.open(db)
    try:
        nurse = services.auth.sign_in("nurse", PASSWORD)
        return [h for h in services.cases.get_record(nurse, procedure_id).events if h.current.kind.value == "radiation"]
    finally:
        services.close()


def test_import_dose_files_and_work_the_inbox(env, tmp_path, capsys):
    db, procedure_id = env
    report = tmp_path / "report.dcm"
    report.write_bytes(mk.to_bytes(mk.make()))
    stranger = tmp_path / "stranger.dcm"
    stranger.write_bytes(mk.to_bytes(mk.make(sop_instance_uid=f"{mk.ROOT}.1.50", study_instance_uid=None,
                                             patient_id="777")))
    assert cli.main(["import-dose", str(report), str(stranger)]) == 0
    out = capsys.readouterr().out
    assert f"recorded in case {procedure_id}" in out and "waiting in the dose inbox" in out
    assert radiation(db, procedure_id)[0].current.data["air_kerma_mgy"] == 210.0
    assert cli.main(["import-dose", str(mk.DATA / "ct_under_xray_class.dcm")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cathlog: ") and "a CT dose report" in err and err.count("\n") == 1
    assert cli.main(["dose-inbox", "list"]) == 0
    assert f"{mk.ROOT}.1.50" in capsys.readouterr().out
    assert cli.main(["dose-inbox", "refuse", f"{mk.ROOT}.1.50"]) == 1
    assert "--reason" in capsys.readouterr().err
    assert cli.main(["dose-inbox", "refuse", f"{mk.ROOT}.1.50", "--reason", "another hospital's patient"]) == 0
    assert cli.main(["dose-inbox", "list"]) == 0
    assert "no dose reports waiting" in capsys.readouterr().out


def test_dicom_listen_receives_from_storescu_until_sigterm(env, tmp_path):
    db, procedure_id = env
    storescu = dcmtk("storescu")
    report = tmp_path / "report.dcm"
    report.write_bytes(mk.to_bytes(mk.make()))
    proc = subprocess.Popen([sys.executable, "-m", "cathlog", "dicom-listen", "--port", "0", "--host", "127.0.0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        first = proc.stdout.readline()
        assert first.startswith("listening as CATHLOG on 127.0.0.1:"), first + proc.stderr.read()
        port = first.split("127.0.0.1:")[1].split(" ")[0]
        sent = subprocess.run([storescu, "-aet", "CATHLAB2", "-aec", "CATHLOG", "127.0.0.1", port, str(report)],
                              capture_output=True, text=True, timeout=60, check=False)
        assert sent.returncode == 0, sent.stderr
        assert proc.stdout.readline().startswith(f"CATHLAB2: recorded in case {procedure_id}")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped" in out
    assert radiation(db, procedure_id)[0].current.data["sop_instance_uid"] == f"{mk.ROOT}.1.1"
