"""The dose-report inbox window and the listener in the main window (issue 15 items 2, 3, 5), through
pytest-qt: the nurse attaches a waiting report to a case, refuses one with a reason, imports files; with
the listener enabled in the settings, dcmtk's storescu sends a real vendor report and the open case's
radiation panel shows the reported dose, the status line the report."""

from __future__ import annotations

import subprocess
from datetime import timezone

import pytest
from PySide6.QtCore import QSettings

from cathlog.dicom.rdsr import read_bytes
from cathlog.ui.dose_inbox import DoseInboxWindow
from cathlog.ui.dose_status import DoseStatus
from cathlog.ui.main_window import MainWindow
from tests.dicom import rdsr_maker as mk
from tests.peers import dcmtk, free_port, openrem_samples
from tests.helpers import CORONARY, open_case


@pytest.fixture
def inbox(qtbot, services, nurse):
    services.dose._zone = timezone.utc
    window = DoseInboxWindow(services, nurse)
    qtbot.addWidget(window)
    return window


def test_the_nurse_attaches_a_waiting_report_to_the_patients_case(qtbot, services, nurse, inbox):
    proc = open_case(services, nurse, mrn="00123")  # no study UID; the report has another patient ID
    services.dose.receive(nurse, mk.to_bytes(mk.make(patient_id="00123 ", study_instance_uid=None,
                                                     study_time="150000")), channel="file", sender="x.dcm")
    inbox.reload()
    assert inbox.table.rowCount() == 1 and "no case started within 3 hours" in inbox.table.item(0, 6).text()
    assert "Ka,r 210 mGy" in inbox.detail.text()
    index = inbox.case_choice.findData(proc.procedure_id)
    assert index > 0  # the patient's case of that day is offered
    inbox.case_choice.setCurrentIndex(index)
    with qtbot.waitSignal(inbox.changed):
        inbox.attach_button.click()
    assert inbox.table.rowCount() == 0 and "recorded in case" in inbox.message.text()
    record = services.cases.get_record(nurse, proc.procedure_id)
    assert record.current_events()[0].data["source"] == "rdsr"


def test_attaching_despite_another_patient_id_asks_first(qtbot, services, nurse, inbox, monkeypatch):
    proc = open_case(services, nurse, details={**CORONARY, "study_instance_uid": f"{mk.ROOT}.2.1"})
    services.dose.receive(nurse, mk.to_bytes(mk.make(patient_id="555")), channel="file", sender="x.dcm")
    inbox.reload()
    asked = []
    monkeypatch.setattr(inbox, "ask_confirm", lambda title, text: asked.append(text) or False)
    inbox.case_id.setText(proc.procedure_id)
    inbox.attach_button.click()
    assert "not the case's MRN" in asked[0] and inbox.table.rowCount() == 1
    monkeypatch.setattr(inbox, "ask_confirm", lambda title, text: True)
    inbox.attach_button.click()
    assert inbox.table.rowCount() == 0


def test_refuse_with_a_reason_and_import_files(qtbot, services, nurse, inbox, monkeypatch, tmp_path):
    path = tmp_path / "qa.dcm"
    path.write_bytes(mk.to_bytes(mk.make(patient_id="QA")))
    monkeypatch.setattr(inbox, "ask_files", lambda: [str(path), str(mk.DATA / "ct_under_xray_class.dcm")])
    inbox.import_button.click()
    assert "a CT dose report" in inbox.message.text() and inbox.table.rowCount() == 1
    monkeypatch.setattr(inbox, "ask_reason", lambda title, label: None)
    inbox.refuse_button.click()
    assert inbox.table.rowCount() == 1  # cancelled: nothing changes
    monkeypatch.setattr(inbox, "ask_reason", lambda title, label: "quality-control phantom")
    inbox.refuse_button.click()
    assert inbox.table.rowCount() == 0
    assert services.dose.inbox(nurse, ("refused",))[0].reason == "quality-control phantom"


def test_storescu_to_the_running_gui_fills_the_open_case(qtbot, services, admin, nurse, tmp_path, monkeypatch):
    samples = openrem_samples()
    storescu = dcmtk("storescu")
    azurion = samples / "RF-RDSR-Philips_Azurion.dcm"
    report = read_bytes(azurion.read_bytes())
    port = free_port()
    services.settings.set(admin, "dose.listen", "yes")
    services.settings.set(admin, "dose.port", str(port))
    monkeypatch.setattr(DoseStatus, "HOST", "127.0.0.1")
    proc = open_case(services, nurse, mrn=report.patient_id,
                     details={**CORONARY, "study_instance_uid": report.study_instance_uid})
    services.cases.record_event(nurse, proc.procedure_id, "radiation", {"fluoro_time_s": 560, "dap_gy_cm2": 20.0})
    window = MainWindow(services, nurse, "cathlog.db",
                        settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.open_case(proc.procedure_id)
    assert f"listening as CATHLOG on port {port}" in window.dose.label.text()
    sent = subprocess.run([storescu, "-aet", "AZURION71", "-aec", "CATHLOG", "127.0.0.1", str(port), str(azurion)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert sent.returncode == 0, sent.stderr
    qtbot.waitUntil(lambda: "Ka,r 548 mGy" in window.live.radiation_panel.value.text(), timeout=10000)
    assert "DAP 24.7 Gy·cm²" in window.live.radiation_panel.value.text()
    assert "last from AZURION71" in window.dose.label.toolTip()
    window.close()
    assert window.dose.running is None
