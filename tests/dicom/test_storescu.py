"""dcmtk's storescu (a DICOM sender nobody on this team wrote) pushes real vendor dose reports to
cathlog's listener on 127.0.0.1 (issue 15 item 2): the matched case shows the reported dose with the
typed values as history; the same report again changes nothing; a CT report and an unknown patient's
report are kept and audited, not recorded; a sender not on the allowed list is turned away."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from cathlog.dicom.rdsr import read_bytes
from tests.peers import dcmtk, openrem_samples
from tests.helpers import CORONARY, open_case

pytestmark = pytest.mark.backends  # the listener writes through a connection of its own: a file's, or the server's
AZURION = "RF-RDSR-Philips_Azurion.dcm"


@pytest.fixture(scope="session")
def samples():
    return openrem_samples()


@pytest.fixture
def listener(services, nurse):
    received = threading.Event()
    running = services.dose_listener.start(nurse, port=0, host="127.0.0.1", on_received=lambda r: received.set())
    running.received = received
    yield running
    running.stop()


def storescu(port, path, calling="AZURION71", called="CATHLOG"):
    return subprocess.run([dcmtk("storescu"), "-aet", calling, "-aec", called, "127.0.0.1", str(port), str(path)],
                          capture_output=True, text=True, timeout=60, check=False)


def test_a_report_pushed_by_storescu_fills_the_matched_case(services, nurse, admin, listener, samples):
    report = read_bytes((samples / AZURION).read_bytes())
    proc = open_case(services, nurse, mrn=report.patient_id,
                     details={**CORONARY, "study_instance_uid": report.study_instance_uid, "accession_number": "A1"})
    services.cases.record_event(nurse, proc.procedure_id, "radiation",
                                {"fluoro_time_s": 560, "air_kerma_mgy": 500.0, "dap_gy_cm2": 20.0})
    started = time.perf_counter()
    done = storescu(listener.port, samples / AZURION)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    # storescu returns once cathlog answered the C-STORE, which it does after the report is recorded
    [history] = [h for h in services.cases.get_record(nurse, proc.procedure_id).events
                 if h.current.kind.value == "radiation"]
    data = history.current.data
    assert (data["fluoro_time_s"], data["air_kerma_mgy"], data["dap_gy_cm2"]) == (568, 548.4, 24.7409)
    assert history.versions[0].data == {"fluoro_time_s": 560, "air_kerma_mgy": 500.0, "dap_gy_cm2": 20.0}
    assert "DAP: typed 20 Gy·cm², reported 24.7409 Gy·cm²" in history.current.reason
    assert listener.last.calling_ae == "AZURION71" and "recorded in case" in listener.last.message
    print(f"storescu push to recorded entry: {elapsed:.2f} s")
    again = storescu(listener.port, samples / AZURION)
    assert again.returncode == 0, again.stderr
    record = services.cases.get_record(nurse, proc.procedure_id)
    assert [len(h.versions) for h in record.events if h.current.kind.value == "radiation"] == [2]
    outcomes = [r.new_value for r in services.admin.audit_rows(admin) if r.action == "receive_dose_report"]
    assert len(outcomes) == 2 and '"duplicate"' in outcomes[-1] or "duplicate" in str(outcomes[-1])


def test_ct_and_unknown_patients_are_kept_and_audited_not_recorded(services, nurse, admin, listener, samples):
    open_case(services, nurse)
    ct = storescu(listener.port, samples / "CT-RDSR-GEPixelMed.dcm")
    assert ct.returncode == 0, ct.stderr
    assert "a CT dose report" in listener.last.message
    unknown = storescu(listener.port, samples / "RF-RDSR-GE.dcm")
    assert unknown.returncode == 0, unknown.stderr
    [waiting] = services.dose.inbox(nurse)
    assert waiting.patient_name == "OpenREM^Billy" and "no patient has MRN" in waiting.reason
    actions = [r.action for r in services.admin.audit_rows(admin)]
    assert actions.count("receive_dose_report") == 2 and "start_dose_listener" in actions


def test_a_sender_not_on_the_allowed_list_is_turned_away(services, nurse, admin, samples):
    services.settings.set(admin, "dose.allowed_calling", "AZURION71, CATHLAB2")
    running = services.dose_listener.start(nurse, port=0, host="127.0.0.1")
    try:
        refused = storescu(running.port, samples / AZURION, calling="INTRUDER")
        assert refused.returncode != 0
        assert services.dose.inbox(nurse, ("received", "matched", "refused", "attached")) == []
        wrong_called = storescu(running.port, samples / AZURION, called="SOMEONE")
        assert wrong_called.returncode != 0
        assert storescu(running.port, samples / AZURION, calling="CATHLAB2").returncode == 0
    finally:
        running.stop()
    assert not running.running
