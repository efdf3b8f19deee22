"""Reports: the data in depth, the PDFs by their text (pypdf)."""

from datetime import date

import pytest
from pypdf import PdfReader
from cathlog.domain.followup import PlanDrug, Review, SignatureMeaning
from cathlog.reports import data, pdf
from cathlog.reports.make import safe_name, write_reports
from tests.conftest import PASSWORD
from tests.helpers import make_patient

REVIEW = Review(technical_success=True, residual_stenosis_pct=0, final_timi=3,
                plan=(PlanDrug("aspirin", "81 mg once daily", "indefinitely"),
                      PlanDrug("clopidogrel", "75 mg once daily", "3 months", 3)))


@pytest.fixture
def signed(services, admin, physician):
    """Demo cases of the three categories, reviewed, reminders accepted, signed."""
    ids = services.demo.load(admin, 5, seed=12)
    out = {}
    for pid in ids:
        record = services.cases.get_record(admin, pid)
        if record.procedure.status.value == "open":
            services.cases.close_case(physician, pid)
        services.review.save_review(physician, pid, REVIEW)
        for s in services.review.suggestions(physician, pid):
            services.review.decide(physician, pid, s, accept=True)
        services.review.sign(physician, pid, PASSWORD, SignatureMeaning.APPROVED)
        out[record.procedure.indication_detail] = pid
    return out


def _text(raw: bytes) -> str:
    reader = PdfReader(__import__("io").BytesIO(raw))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_summary_data_in_depth(services, physician, signed):
    pid = signed["Below-knee DCB"]
    record = services.cases.get_record(physician, pid)
    d = data.build_summary(record, services.review.get_review(physician, pid),
                           services.review.signatures(physician, pid), date(2026, 11, 21))
    assert d.header.patient.startswith(record.patient.display_name)
    assert any(a.startswith("right pedal/tibial, retrograde, 4 Fr") for a in d.access)
    assert [row[3] for row in d.acts] == ["below target", "in target"]
    heparin = [row for row in d.drugs if row[1] == "Heparin"]
    assert heparin and heparin[0][4].endswith("units/kg")
    dcb = [row for row in d.devices if row[0].startswith("DCB")]
    assert dcb and dcb[0][1] == "2.5 × 120 mm" and dcb[0][4].startswith("anterior tibial")
    assert "Cigarroa" in d.contrast and d.signatures[0].text.startswith("Approved by Dr. Dora Doc")
    assert d.signatures[0].text.endswith("valid")
    assert ("Residual stenosis", "0%") in d.outcome
    assert len(d.log) == len(record.events)


def test_all_three_reports_for_each_category(tmp_path, services, physician, signed):
    for label in ("Coronary DES", "Below-knee DCB", "DVT venous stent + IVC filter"):
        pid = signed[label]
        files = write_reports(services, physician, pid, tmp_path / safe_name(label))
        texts = {f.name.rsplit("-", 1)[1]: _text(f.read_bytes()) for f in files}
        assert "Procedure summary" in texts["summary.pdf"] and "page 1 of 2" in texts["summary.pdf"]
        assert "Appendix: full event log" in texts["summary.pdf"] and "page 2 of 2" in texts["summary.pdf"]
        assert "Approved by Dr. Dora Doc" in texts["summary.pdf"]
        assert "Follow-up plan and reminders" in texts["followup.pdf"]
        assert "Get help when you notice" in texts["patient.pdf"] and "Chest pain" in texts["patient.pdf"]
    venous = _text((tmp_path / safe_name("DVT venous stent + IVC filter") /
                    f"{signed['DVT venous stent + IVC filter']}-followup.pdf").read_bytes())
    assert "IVC filter retrieval window opens" in venous and "FDA Safety Communication" in venous
    card = _text((tmp_path / safe_name("DVT venous stent + IVC filter") /
                  f"{signed['DVT venous stent + IVC filter']}-patient.pdf").read_bytes())
    assert "venous stent (Venovo)" in card and "IVC filter, retrievable" in card


def test_unicode_names_print_as_written(services, nurse, physician):
    from tests.helpers import CORONARY

    patient = services.cases.register_patient(nurse, make_patient("U1", family_name="Müller-Ñúñez", given_name="Zoë"))
    proc = services.cases.open_case(nurse, patient.patient_id, CORONARY)
    services.cases.record_event(nurse, proc.procedure_id, "note", {"text": "Ärztin: «alles gut» ✓"})
    services.cases.close_case(nurse, proc.procedure_id)
    record = services.cases.get_record(nurse, proc.procedure_id)
    raw = pdf.render_summary(data.build_summary(record, None, [], date(2026, 11, 21)))
    text = _text(raw)
    assert "Müller-Ñúñez, Zoë" in text and "«alles gut» ✓" in text and "Not signed." in text
    assert b"DejaVuSans" in raw  # the font is embedded, not left to the viewer


def test_a_long_case_keeps_headers_on_every_page(services, nurse):
    from tests.helpers import open_case

    proc = open_case(services, nurse)
    for i in range(120):
        services.cases.record_event(nurse, proc.procedure_id, "note", {"text": f"Note number {i}"})
    record = services.cases.get_record(nurse, proc.procedure_id)
    reader = PdfReader(__import__("io").BytesIO(pdf.render_summary(data.build_summary(record, None, [],
                                                                                          date(2026, 11, 21)))))
    total = len(reader.pages)
    assert total >= 3
    for n, page in enumerate(reader.pages, 1):
        text = " ".join(page.extract_text().split())
        assert f"page {n} of {total}" in text and "Doe, Jane · MRN 00123" in text


def test_safe_name():
    assert safe_name("../etc/passwd") == "etc_passwd" and safe_name("P2026-AB") == "P2026-AB"
    assert safe_name("///") == "report"
