"""Admin → HL7 interface (issue 16): the inbox with retry, the outbox with resend, the A40 merge tasks
with both patients and their cases, and the interface's settings; each button acts on the selected row."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from cathlog.domain.enums import EventKind
from cathlog.domain.followup import SignatureMeaning
from cathlog.reports.make import render
from cathlog.store import audit
from cathlog.ui.hl7_dialog import Hl7Dialog
from tests.conftest import PASSWORD
from tests.helpers import open_case
from tests.hl7.test_adt_in import adt, pid
from tests.services.test_review import PLAN
from tests.ui.test_admin_users import answer


def _click(qtbot, table, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


@pytest.fixture
def dialog(qtbot, services, admin):
    def make() -> Hl7Dialog:
        d = Hl7Dialog(services, admin)
        qtbot.addWidget(d)
        d.show()
        qtbot.waitExposed(d)
        return d
    return make


def test_inbox_retry_after_the_admin_allows_the_sender_in_the_settings_tab(qtbot, dialog, services, admin, nurse):
    open_case(services, nurse, mrn="12345")
    outcome = services.hl7_in.receive(adt("A08", "M1", pid(name="Doe-Smith^Jane")), "127.0.0.1")
    assert outcome.ack_code == "AR"  # nobody is allowed yet
    d = dialog()
    assert d.inbox.rowCount() == 1 and d.inbox.item(0, 5).text() == "rejected"
    assert not d.retry_button.isEnabled() and "Select a row" in d.retry_button.toolTip()
    _click(qtbot, d.inbox, 0)
    assert d.retry_button.isEnabled() and "ADT^A08" in d.inbox_text.toPlainText()
    d.setting_fields["hl7.allowed_senders"].setText("GENHOSP")
    d.setting_fields["hl7.listen_port"].setText("99999")  # refused: nothing at all is saved
    qtbot.mouseClick(d.save_settings_button, Qt.MouseButton.LeftButton)
    assert "65535" in d.message.text() and services.settings.values(admin)["hl7.allowed_senders"] == ""
    d.setting_fields["hl7.listen_port"].setText("2575")
    qtbot.mouseClick(d.save_settings_button, Qt.MouseButton.LeftButton)
    assert services.settings.values(admin)["hl7.allowed_senders"] == "GENHOSP"
    _click(qtbot, d.inbox, 0)
    qtbot.mouseClick(d.retry_button, Qt.MouseButton.LeftButton)
    assert "applied" in d.message.text() and d.inbox.item(0, 5).text() == "applied"
    assert services.cases.find_patient(nurse, "12345").family_name == "Doe-Smith"


def test_merge_task_shows_both_patients_and_their_cases_and_is_decided_with_a_note(qtbot, dialog, services, admin,
                                                                                    nurse, monkeypatch):
    services.settings.set(admin, "hl7.allowed_senders", "GENHOSP")
    kept = open_case(services, nurse, mrn="12345")
    open_case(services, nurse, mrn="99999")
    services.hl7_in.receive(adt("A40", "M2", pid(), structure="ADT_A39", extra=("MRG|99999^^^GENHOSP^MR",)),
                            "127.0.0.1")
    d = dialog()
    d.tabs.setCurrentIndex(2)
    assert d.task_table.rowCount() == 1 and not d.link_button.isEnabled()
    _click(qtbot, d.task_table, 0)
    assert kept.procedure_id in d.surviving_text.toPlainText() and "MRN 99999" in d.prior_text.toPlainText()
    answer(monkeypatch, ("", True))  # an empty note is refused
    qtbot.mouseClick(d.link_button, Qt.MouseButton.LeftButton)
    assert "note" in d.message.text() and d.task_table.rowCount() == 1
    answer(monkeypatch, ("same patient, checked with the ward", True))
    qtbot.mouseClick(d.link_button, Qt.MouseButton.LeftButton)
    assert d.task_table.rowCount() == 0 and "linked" in d.message.text()
    assert list(audit.rows(services.store))[-1].action == "hl7_merge_linked"


def test_outbox_shows_a_failed_report_with_its_reason_and_resends_it(qtbot, dialog, services, admin, nurse,
                                                                     physician, monkeypatch):
    for key, value in (("hl7.out_host", "127.0.0.1"), ("hl7.out_port", "9"), ("hl7.max_attempts", "1")):
        services.settings.set(admin, key, value)
    case = open_case(services, nurse).procedure_id
    services.cases.record_event(nurse, case, EventKind.RADIATION, {"fluoro_time_s": 60})
    services.cases.close_case(physician, case, reason="test")
    services.review.save_review(physician, case, PLAN)
    services.review.sign(physician, case, PASSWORD, SignatureMeaning.APPROVED)
    services.hl7_out.build_pending(lambda c: render(c, "summary"))
    (result,) = services.hl7_out.send_due()  # nothing listens on port 9
    assert result.state == "failed"
    d = dialog()
    d.tabs.setCurrentIndex(1)
    assert d.outbox.item(0, 7).text() == "failed" and "no acknowledgement after 1 attempts" in d.outbox.item(0, 11).text()
    assert not d.resend_button.isEnabled()
    _click(qtbot, d.outbox, 0)
    answer(monkeypatch, ("receiver back up", True))
    qtbot.mouseClick(d.resend_button, Qt.MouseButton.LeftButton)
    assert d.outbox.item(0, 7).text() == "queued" and d.outbox.item(0, 8).text() == "0"
    assert list(audit.rows(services.store))[-1].action == "hl7_resend"


def test_the_gui_starts_the_listener_where_the_settings_ask_for_it(qtbot, tmp_path, services, admin, store):
    from PySide6.QtCore import QSettings

    from cathlog.app import _start_hl7
    from cathlog.ui.main_window import MainWindow
    from tests.peers import free_port
    from tests.hl7.test_adt_in import msa, raw_send

    window = MainWindow(services, admin, "t", settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert _start_hl7(services, store.path, window) is None  # off by default: nothing listens
    port = free_port()
    for key, value in (("hl7.listen", "on"), ("hl7.listen_port", str(port)), ("hl7.allowed_senders", "GENHOSP")):
        services.settings.set(admin, key, value)
    interface = _start_hl7(services, store.path, window)
    try:
        assert f"ADT listener on port {port}" in window.statusBar().currentMessage()
        ack = raw_send(port, adt("A04", "M3", pid(mrn="4711")).encode())
        assert msa(ack) == ("AA", "M3") and services.cases.find_patient(admin, "4711") is not None
    finally:
        interface.stop()
