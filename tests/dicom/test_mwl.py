"""The Modality Worklist C-FIND SCU against dcmtk's wlmscpfs (issue 15 item 4; a real counterpart)."""

from __future__ import annotations

import socket
import threading
from datetime import date

import pytest
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import Tag

from cathlog.dicom.mwl import find_scheduled, query_identifier, read_scheduled
from cathlog.domain.mwl import StationQuery, WorklistProvider, WorklistRefused, WorklistUnavailable
from tests.mwl_server import start_server
from tests.peers import free_port

DAY = date(2026, 11, 21)


@pytest.fixture
def server(tmp_path):
    running = start_server(tmp_path / "mwl", DAY)
    yield running
    running.stop()


def _provider(server, called_ae=None) -> WorklistProvider:
    return WorklistProvider(called_ae or server.called_ae, server.host, server.port, "CATHLOG")


def test_the_rooms_cases_of_the_day_come_back_with_every_identifier(server):
    cases = find_scheduled(_provider(server), StationQuery("CATHLAB1", "XA", DAY))
    # by start time; the other room's, the next day's and the CT case left out
    assert [c.mrn for c in cases] == ["MWL-001", "MWL-002", "MWL-005", "MWL-006"]
    muller = cases[0]
    assert (muller.family_name, muller.given_name) == ("Müller", "Zoë Anna")  # UTF-8 (ISO_IR 192) decoded
    assert (muller.birth_date, muller.sex) == ("1954-03-02", "female")
    assert muller.accession_number == "ACC-1001"
    assert muller.study_instance_uid == "1.2.826.0.1.3680043.10.1001.1"
    assert muller.requested_procedure == "Coronary angiography and PCI"
    assert (muller.scheduled_start, muller.station_ae, muller.modality) == ("2026-11-21 08:30", "CATHLAB1", "XA")
    assert muller.performing_physician == "Patel, Arun" and muller.problems == ()
    assert cases[1].scheduled_start == "2026-11-21 10:30"  # TM sent without seconds (1030)
    latin1 = cases[3]  # a worklist in ISO_IR 100, as most RIS still send
    assert (latin1.family_name, latin1.given_name) == ("Ångström", "Åsa")
    assert latin1.requested_procedure == "Koronarangiographie, Druckdrahtmessung"


def test_what_a_sloppy_provider_sends_is_listed_with_what_is_missing(server):
    sloppy = find_scheduled(_provider(server), StationQuery("CATHLAB1", "XA", DAY))[2]
    assert (sloppy.mrn, sloppy.birth_date, sloppy.sex) == ("MWL-005", None, None)
    assert sloppy.requested_procedure == "Right heart catheterisation"  # from the procedure code's meaning
    assert sloppy.problems == ("birth date '19541302' is not a date", "no sex sent")


def test_another_station_modality_or_day_gets_its_own_cases(server):
    assert [c.mrn for c in find_scheduled(_provider(server), StationQuery("CATHLAB2", "XA", DAY))] == ["MWL-201"]
    assert [c.mrn for c in find_scheduled(_provider(server), StationQuery("CATHLAB1", "CT", DAY))] == ["MWL-004"]
    assert [c.mrn for c in find_scheduled(_provider(server), StationQuery("CATHLAB1", "XA", date(2026, 11, 22)))] \
        == ["MWL-003"]
    assert find_scheduled(_provider(server), StationQuery("CATHLAB9", "XA", DAY)) == []


def test_a_wrong_called_ae_title_is_refused_with_the_providers_reason(server):
    with pytest.raises(WorklistRefused, match="Called AE title not recognised"):
        find_scheduled(_provider(server, called_ae="NOTWLPROV"), StationQuery("CATHLAB1", "XA", DAY))


def test_a_stopped_provider_is_unavailable_at_once(server):
    provider = _provider(server)
    server.stop()
    with pytest.raises(WorklistUnavailable, match=r"no answer from the worklist \(WLPROV at 127.0.0.1:\d+\) within 3 s"):
        find_scheduled(provider, StationQuery("CATHLAB1", "XA", DAY))


def test_a_provider_that_accepts_the_connection_but_never_answers_times_out():
    """A silent peer (TCP accepted, no A-ASSOCIATE-AC): WorklistUnavailable after the timeout, not a hang."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    thread.start()
    try:
        with pytest.raises(WorklistUnavailable, match="within 0.5 s"):
            find_scheduled(WorklistProvider("WLPROV", "127.0.0.1", port, "CATHLOG"),
                           StationQuery("CATHLAB1", "XA", DAY), timeout_s=0.5)
    finally:
        for conn, _ in accepted:
            conn.close()
        listener.close()


def test_an_unresolvable_host_is_unavailable():
    with pytest.raises(WorklistUnavailable):
        find_scheduled(WorklistProvider("WLPROV", "no-such-host.invalid", free_port(), "CATHLOG"),
                       StationQuery("CATHLAB1", "XA", DAY), timeout_s=1)


def test_the_query_asks_for_the_station_modality_and_day_and_returns_what_is_shown():
    ds = query_identifier(StationQuery("CATHLAB1", "XA", DAY))
    step = ds.ScheduledProcedureStepSequence[0]
    assert (step.ScheduledStationAETitle, step.Modality, step.ScheduledProcedureStepStartDate) == \
        ("CATHLAB1", "XA", "20261121")
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber",
                    "StudyInstanceUID", "RequestedProcedureDescription"):
        assert keyword in ds and ds[keyword].value in ("", None)


@pytest.mark.parametrize(("birth", "sex", "problems"), [
    ("1954.03.02", "F", ()),  # ACR-NEMA style date still read
    ("", "M", ()),  # not sent: empty, not a problem of reading
    ("19540230", "X", ("birth date '19540230' is not a date", "sex 'X' is not F, M or O")),
])
def test_answers_are_read_leniently(birth, sex, problems):
    ds = Dataset()  # as received: raw elements, read when asked for (no check on the way in)
    for tag, vr, value in ((0x00100020, "LO", "M1"), (0x00100010, "PN", "DOE^JOHN"), (0x00100030, "DA", birth),
                           (0x00100040, "CS", sex)):
        ds[tag] = RawDataElement(Tag(tag), vr, len(value), value.encode(), 0, True, True)
    case = read_scheduled(ds)
    assert (case.family_name, case.given_name) == ("DOE", "JOHN")
    assert case.problems == problems
    assert case.birth_date == ("1954-03-02" if birth == "1954.03.02" else None)


@pytest.mark.parametrize(("tag", "vr", "value", "field", "problem"), [
    (0x00080050, "SH", "ACC-12345678901234", "accession_number",
     "accession number 'ACC-12345678901234' is longer than 16 characters: not kept"),
    (0x0020000D, "UI", "1.2.03.4", "study_instance_uid", "Study Instance UID '1.2.03.4' is not a DICOM UID: not kept"),
    (0x00321060, "LO", "x" * 65, "requested_procedure", "is longer than 64 characters: not kept"),
])
def test_an_identifier_the_case_cannot_keep_is_named_not_cut(tag, vr, value, field, problem):
    ds = Dataset()
    for t, v, text in ((0x00100020, "LO", "M1"), (0x00100010, "PN", "DOE^JOHN"), (0x00100030, "DA", "19540302"),
                       (0x00100040, "CS", "M"), (tag, vr, value)):
        ds[t] = RawDataElement(Tag(t), v, len(text), text.encode(), 0, True, True)
    case = read_scheduled(ds)
    assert getattr(case, field) is None
    assert len(case.problems) == 1 and problem in case.problems[0]


def test_missing_dcmtk_fails_in_ci_and_skips_elsewhere(monkeypatch):
    """The real counterpart is never skipped silently where it is required."""
    from tests import peers

    monkeypatch.setattr(peers.shutil, "which", lambda tool: None)
    monkeypatch.delenv("CATHLOG_REQUIRE_PEERS", raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="wlmscpfs, dump2dcm not installed"):
        peers.dcmtk_tools("wlmscpfs", "dump2dcm")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="bash test.sh installs dcmtk"):
        peers.dcmtk_tools("wlmscpfs", "dump2dcm")
