"""Issue 15, done when: a case opened from the worklist gets its radiation filled from a real vendor RDSR
sent by ``storescu``, with the typed values kept as history. End to end, with real counterparts on both
sides of cathlog: dcmtk's ``wlmscpfs`` schedules the patient of OpenREM's Philips Azurion report (its
Study Instance UID, patient ID, name and accession number, read from the file with pydicom); the real
new-case dialog lists the item and opens the case from it; the nurse types the C-arm's values; dcmtk's
``storescu`` sends the real report to cathlog's listener. The report's study is of 2018 and the case of
today, so only the Study Instance UID the worklist gave the case can match them."""

from __future__ import annotations

import json

import pydicom
import pytest
from PySide6.QtCore import Qt

from cathlog.ui.lab_settings import LabSettings
from cathlog.ui.new_case import NewCaseDialog
from tests.dicom.test_storescu import AZURION, storescu
from tests.mwl_server import configure, start_server
from tests.peers import openrem_samples
from tests.ui.conftest import collect_on_the_gui_thread, no_leaked_windows  # noqa: F401 - the GUI tests' guards
from tests.ui.test_new_case import _fill_case

ROOM = LabSettings(mwl_station_ae="CATHLAB1", mwl_modality="XA")
TYPED = {"fluoro_time_s": 566, "air_kerma_mgy": 540.0, "dap_gy_cm2": 21.0}  # read off the C-arm's screen
REPORTED = {"fluoro_time_s": 568, "air_kerma_mgy": 548.4, "dap_gy_cm2": 24.7409}  # OpenREM's and dsrdump's


def _scheduled_item(rdsr: pydicom.Dataset) -> str:
    """A worklist item (dump2dcm text) for the report's patient and study, in CATHLAB1 today; the birth date
    comes from the worklist only (the Azurion report sends none)."""
    return f"""# The patient and study of OpenREM's Philips Azurion dose report, scheduled for CATHLAB1 on @DAY@.
(0008,0005) CS  [ISO_IR 192]
(0008,0050) SH  [{rdsr.AccessionNumber}]
(0010,0010) PN  [{rdsr.PatientName}]
(0010,0020) LO  [{rdsr.PatientID}]
(0010,0030) DA  [19560123]
(0010,0040) CS  [{rdsr.PatientSex}]
(0020,000d) UI  [{rdsr.StudyInstanceUID}]
(0032,1060) LO  [Coronary angiography and PCI]
(0040,0100) SQ
(fffe,e000) -
(0008,0060) CS  [XA]
(0040,0001) AE  [CATHLAB1]
(0040,0002) DA  [@DAY@]
(0040,0003) TM  [093000]
(0040,0006) PN  [Patel^Arun]
(0040,0007) LO  [Coronary angiography]
(0040,0009) SH  [SPS-AZ-1]
(0040,0010) SH  [CATH LAB 1]
(fffe,e00d) -
(fffe,e0dd) -
(0040,1001) SH  [RP-AZ-1]
(0040,1003) SH  [ROUTINE]
"""


@pytest.fixture
def azurion():
    return openrem_samples() / AZURION


@pytest.fixture
def rdsr(azurion):
    return pydicom.dcmread(azurion)


@pytest.fixture
def azurion_worklist(tmp_path, services, rdsr):
    """wlmscpfs serving only the Azurion patient's item, stopped after the test."""
    server = start_server(tmp_path / "mwl", services.mwl.today(), {"azurion_patient": _scheduled_item(rdsr)})
    yield server
    server.stop()


@pytest.fixture
def listener(services, nurse):
    running = services.dose_listener.start(nurse, port=0, host="127.0.0.1")
    yield running
    running.stop()


def _open_case_from_the_worklist(qtbot, services, nurse) -> str:
    """The nurse's path: the new-case dialog lists the room's cases, Enter takes the first, the case is filled
    in and saved."""
    dialog = NewCaseDialog(services, nurse, lab=ROOM)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.worklist.answered, timeout=10_000):
        dialog.show()  # the list is asked for when the dialog opens
    table = dialog.worklist.table
    assert table.rowCount() == 1 and table.item(0, 1).text() == "OpenREM, Denilson"
    qtbot.keyClick(table, Qt.Key.Key_Return)
    _fill_case(dialog, qtbot)
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        dialog.submit()
    assert dialog.procedure_id
    return dialog.procedure_id


def test_a_case_opened_from_the_worklist_gets_the_rdsr_sent_by_storescu(qtbot, services, admin, nurse, rdsr,
                                                                      azurion, azurion_worklist, listener):
    configure(services, admin, azurion_worklist)
    procedure_id = _open_case_from_the_worklist(qtbot, services, nurse)
    record = services.cases.get_record(nurse, procedure_id)
    assert (record.patient.mrn, record.patient.family_name, record.patient.given_name) == \
        (rdsr.PatientID, "OpenREM", "Denilson")
    assert (record.procedure.study_instance_uid, record.procedure.accession_number) == \
        (rdsr.StudyInstanceUID, rdsr.AccessionNumber)

    services.cases.record_event(nurse, procedure_id, "radiation", dict(TYPED))  # the nurse types the values

    sent = storescu(listener.port, azurion)  # returns once cathlog answered the C-STORE (after recording)
    assert sent.returncode == 0, sent.stderr

    [radiation] = [h for h in services.cases.get_record(nurse, procedure_id).events
                   if h.current.kind.value == "radiation"]
    typed, reported = radiation.versions
    assert typed.data == TYPED and typed.recorded_by == "nurse"
    assert {k: reported.data[k] for k in REPORTED} == REPORTED
    assert reported.data["source"] == "rdsr" and reported.data["sop_instance_uid"] == rdsr.SOPInstanceUID
    assert reported.reason.startswith("reported by Philips Azurion")
    assert "DAP: typed 21 Gy·cm², reported 24.7409 Gy·cm²" in reported.reason  # more than 10 % apart: said

    why = f"matched to case {procedure_id} by its Study Instance UID"
    [received] = services.admin.audit_rows(admin, action="receive_dose_report")
    assert received.reason == why and received.entity_id == rdsr.SOPInstanceUID
    [attached] = services.admin.audit_rows(admin, action="attach_dose_report")
    assert attached.procedure_id == procedure_id and json.loads(attached.new_value)["automatic"] is True
    [item] = services.dose.of_case(nurse, procedure_id)
    assert (item.state, item.event_id, item.study_instance_uid) == ("attached", reported.event_id,
                                                                    rdsr.StudyInstanceUID)
    assert listener.last.calling_ae == "AZURION71" and f"recorded in case {procedure_id}" in listener.last.message
