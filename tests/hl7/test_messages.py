"""The message layer on its own (no network): ACKs valid in each version, structures guessed where the
sender leaves MSH-9.3 empty, codes the same as the FHIR export's, the audit's copy without the PDF."""

from __future__ import annotations

import base64
import dataclasses

import hl7
import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from cathlog.exchange import fhir_codes
from cathlog.hl7 import codes, inbound, outbound
from cathlog.services.hl7_out import backoff_s
from tests.hl7.test_adt_in import adt, pid


def strict(text: str) -> None:
    parse_message(text, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True).validate()


@pytest.mark.parametrize("version", ["2.3", "2.4", "2.5", "2.5.1", "2.6"])
@pytest.mark.parametrize("code", ["AA", "AE", "AR"])
def test_acknowledgements_are_strictly_valid_in_the_sender_s_version(version, code):
    header = inbound.read_header(adt("A08", "X1", pid(), version=version))
    ack = inbound.acknowledgement(header, code, application="CATHLOG", facility="CATHLAB",
                                  text="why | with ^ delimiters & more ~", error_code=None if code == "AA" else "207")
    if version != "2.3":  # measured: hl7apy 1.3.5 instantiates no v2.3 ACK under strict validation at all
        strict(ack)
    else:
        assert ack.split("|")[8] == "ACK^A08" and hl7.parse(ack).segment("MSA")[1][0] == code  # python-hl7 reads it
    assert inbound.ack_code(ack)[:2] == (code, "X1")
    if code != "AA":
        assert inbound.ack_code(ack)[2].startswith("why | with ^ delimiters")


@pytest.mark.parametrize("version", ["2.3", "2.5.1"])
@pytest.mark.parametrize("trigger", ["A01", "A04", "A08", "A28", "A31"])
def test_a_sender_that_leaves_out_the_structure_is_validated_against_the_trigger_s(version, trigger):
    text = adt(trigger, "X2", pid(name="Núñez^Zoë"), version=version).replace(f"ADT^{trigger}^ADT_A01",
                                                                             f"ADT^{trigger}")
    found = inbound.read_adt(text)
    assert (found.patient.mrn, found.patient.family_name, found.patient.given_name) == ("12345", "Núñez", "Zoë")
    assert found.header.message_type == f"ADT^{trigger}"


@pytest.mark.parametrize("text, kind, words", [
    ("PID|1||x", inbound.Rejected, "MSH"),
    (adt("A08", "X3", pid()).replace("ADT^A08", "ORU^R01"), inbound.Rejected, "not taken"),
    (adt("A08", "X3", pid(), version="2.9"), inbound.Rejected, "version"),
    (adt("A08", "X3", pid()).replace("|P|2.5.1", "|T|2.5.1"), inbound.Rejected, "production"),
    (adt("A08", "", pid()), inbound.Rejected, "MSH-10"),
    (adt("A08", "X3", pid(), sep="\n"), inbound.NotApplied, "LF"),
    (adt("A08", "X3", pid(mrn="")), inbound.NotApplied, "MRN"),
    (adt("A08", "X3", pid(sex="Q")), inbound.NotApplied, "0001"),
    (adt("A40", "X3", pid(), structure="ADT_A39", extra=()), inbound.Rejected, "MRG"),
])
def test_refusals_say_why(text, kind, words):
    with pytest.raises(inbound.Refusal) as caught:
        inbound.read_adt(text)
    assert type(caught.value) is kind and words in caught.value.reason


def test_report_codes_are_the_fhir_export_s():
    for field in ("fluoro_time_s", "air_kerma_mgy", "dap_gy_cm2"):
        fhir = fhir_codes.coding("observation", field)
        mine = codes.code("observation", field, "text")
        assert (mine.code, mine.text, codes.SYSTEMS[fhir["system"]]) == (fhir["code"], fhir["display"], mine.system)
    contrast = codes.code("observation", "volume_ml", "Contrast volume")
    assert contrast.local and fhir_codes.coding("observation", "volume_ml") is None
    pci = codes.procedure_code("coronary", ["stenting"])
    assert (pci.code, pci.system) == (fhir_codes.coding("procedure", "coronary_pci")["code"], "SCT")
    assert codes.procedure_code("venous", ["ivc_filter_placement"]).local


CONTENT = outbound.ReportContent(
    "c1", "ORU^R01", "2026-12-03T10:00:00Z", "A|B^C", "O'Neil&Co", None, "1954-03-02", "male", "P1",
    codes.procedure_code("coronary", ["stenting"]), "2026-12-03T09:00:00Z", "doc", "Dr. D~Doc", "2026-12-03T10:00:00Z",
    "approved", False, True, 1, (("fluoro_time_s", 0),), b"%PDF-1.7\n" + bytes(range(256)) * 400)
PARTIES = outbound.ReportParties("CATHLOG", "CATHLAB", "EHR", "HOSPITAL")


@pytest.mark.parametrize("message_type", outbound.MESSAGE_TYPES)
def test_reports_escape_delimiters_validate_and_carry_the_pdf_exactly(message_type):
    text = outbound.build(dataclasses.replace(CONTENT, message_type=message_type), PARTIES)
    assert "A\\F\\B\\S\\C" in text and "O'Neil\\T\\Co" in text and "Dr. D\\R\\Doc" in text
    assert outbound.pdf_of(text) == CONTENT.pdf
    kept = outbound.without_payload(text)
    assert base64.b64encode(CONTENT.pdf).decode()[:100] not in kept
    assert f"<PDF {len(CONTENT.pdf)} bytes sha256 " in kept
    assert "|0|s^s^UCUM|" in text  # a zero is a value, not a missing one


def test_a_report_that_would_not_validate_is_never_built():
    with pytest.raises(outbound.InvalidReport):
        outbound.build(dataclasses.replace(CONTENT, message_type="ORU^R03"), PARTIES)
    with pytest.raises(outbound.InvalidReport):
        outbound.validate(outbound.build(CONTENT, PARTIES), pdf=b"another pdf")


def test_back_off_doubles_up_to_ten_minutes():
    assert [backoff_s(n) for n in (1, 2, 3, 4, 8, 20)] == [5, 10, 20, 40, 600, 600]


def test_site_segments_and_optional_segments_are_taken():
    found = inbound.read_adt(adt("A08", "X5", pid(), extra=("PV1|1|I", "AL1|1||^Penicillin", "ZPD|1|site data")))
    assert found.patient.mrn == "12345"
