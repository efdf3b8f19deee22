"""The HL7 interface's services and tables without a network: settings refused with what is allowed,
admins only, rows never deleted, a built message never changed, a decided merge task final. On a file and
on the server (there the runtime role may not even try: its UPDATE rights are column by column)."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from cathlog.domain.errors import PermissionDenied, ValidationError
from tests.hl7.test_adt_in import adt, pid

pytestmark = pytest.mark.backends
REFUSED = (sqlite3.DatabaseError, psycopg.Error)  # raw SQL, below the store's translation


def raw(services, sql):
    return services.store.engine.execute(sql).fetchall() if sql.startswith("SELECT") else \
        services.store.engine.execute(sql)


@pytest.mark.parametrize("key, value", [
    ("hl7.listen_port", "0"), ("hl7.listen_port", "70000"), ("hl7.listen_port", "25 75"), ("hl7.listen", "yes"),
    ("hl7.report_message", "ORU"), ("hl7.allowed_senders", "GEN|HOSP"), ("hl7.application", "CATH^LOG"),
    ("hl7.facility", "x" * 21), ("hl7.out_host", "bad host"), ("hl7.send_on", "close"),
    ("hl7.ack_timeout_s", "0"), ("hl7.max_attempts", "1001"),
])
def test_bad_interface_settings_are_refused_and_say_what_is_allowed(services, admin, key, value):
    before = services.settings.values(admin)[key]
    with pytest.raises(ValidationError) as caught:
        services.settings.set(admin, key, value)
    assert "refused" in str(caught.value) and services.settings.values(admin)[key] == before


def test_good_interface_settings_are_kept_and_a_receiver_can_be_unset(services, admin):
    for key, value in (("hl7.allowed_senders", "GENHOSP, 10.1.2.3"), ("hl7.out_host", "ehr.example.org"),
                       ("hl7.report_message", "MDM^T02"), ("hl7.listen", "on")):
        services.settings.set(admin, key, value)
    services.settings.set(admin, "hl7.out_host", "")
    values = services.settings.values(admin)
    assert values["hl7.allowed_senders"] == "GENHOSP, 10.1.2.3" and values["hl7.out_host"] == ""
    assert values["hl7.report_message"] == "MDM^T02"


def test_only_an_admin_sees_the_inbox_outbox_and_merge_tasks(services, nurse, physician):
    for actor in (nurse, physician):
        for call in (lambda: services.hl7_in.inbox(actor), lambda: services.hl7_out.outbox(actor),
                     lambda: services.hl7_in.merge_tasks(actor), lambda: services.hl7_out.resend(actor, 1)):
            with pytest.raises(PermissionDenied):
                call()


def test_an_allowed_ip_address_is_a_sender(services, admin, nurse):
    services.settings.set(admin, "hl7.allowed_senders", "10.1.2.3")
    assert services.hl7_in.receive(adt("A04", "Z1", pid(mrn="1")), "10.1.2.3").ack_code == "AA"
    assert services.hl7_in.receive(adt("A04", "Z2", pid(mrn="2")), "10.1.2.4").ack_code == "AR"


def test_inbox_rows_are_never_deleted_nor_their_text_changed(services, admin):
    services.hl7_in.receive(adt("A04", "Z3", pid()), "127.0.0.1")  # refused: kept anyway
    for sql in ("DELETE FROM hl7_inbox", "UPDATE hl7_inbox SET message = 'x'", "UPDATE hl7_inbox SET control_id = 'y'",
                "UPDATE hl7_inbox SET received_at = '2026-01-01T00:00:00Z'"):
        with pytest.raises(REFUSED):
            raw(services, sql)
    assert raw(services, "SELECT count(*), min(control_id) FROM hl7_inbox") == [(1, "Z3")]


def test_a_built_message_never_changes_and_a_decided_task_stays_decided(services, admin):
    services.settings.set(admin, "hl7.allowed_senders", "*")
    services.hl7_in.receive(adt("A40", "Z4", pid(), structure="ADT_A39", extra=("MRG|9^^^X^MR",)), "127.0.0.1")
    (task,) = services.hl7_in.merge_tasks(admin)
    services.hl7_in.decide_merge(admin, task.task_id, linked=False, note="different people")
    with pytest.raises(ValidationError):
        services.hl7_in.decide_merge(admin, task.task_id, linked=True, note="changed my mind")
    with pytest.raises(REFUSED):
        raw(services, "UPDATE hl7_merge_tasks SET state = 'linked'")
    from cathlog.store import hl7 as hl7_store

    with services.store.write():
        mid = hl7_store.queue(services.store, control_id="c1", procedure_id="P1", event="sign", message_type="ORU^R01",
                              queued_at="2026-11-21T09:00:00Z", queued_by="doc", destination="h:1")
        hl7_store.set_message(services.store, mid, "MSH|...", "0" * 64)
    with pytest.raises(REFUSED):
        raw(services, "UPDATE hl7_outbox SET message = 'other'")
    with pytest.raises(REFUSED):
        raw(services, "DELETE FROM hl7_outbox")
    raw(services, "UPDATE hl7_outbox SET state = 'sent'")  # delivery columns do change
    assert raw(services, "SELECT state, message FROM hl7_outbox") == [("sent", "MSH|...")]
    assert raw(services, "SELECT state FROM hl7_merge_tasks") == [("dismissed",)]


def test_a_message_that_fails_half_way_leaves_no_trace_in_the_record(services, admin, nurse):
    """The inbox row, the patient version and the audit rows are one transaction: a refusal by the patient rules
    after the inbox row was written rolls all of it back, and only the refused message is kept."""
    from tests.helpers import open_case

    services.settings.set(admin, "hl7.allowed_senders", "GENHOSP")
    open_case(services, nurse, mrn="12345")
    versions = raw(services, "SELECT count(*) FROM patient_versions")[0][0]
    outcome = services.hl7_in.receive(adt("A08", "Z6", pid(born="20991231")), "127.0.0.1")
    assert (outcome.ack_code, outcome.state) == ("AE", "failed") and "future" in outcome.error
    assert raw(services, "SELECT count(*) FROM patient_versions")[0][0] == versions
    assert raw(services, "SELECT state FROM hl7_inbox") == [("failed",)]
    assert services.cases.find_patient(nurse, "12345").birth_date == "1954-03-02"
