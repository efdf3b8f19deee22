"""Reports that can go in the chart (issue 14 items 1-4): voids and corrections with their reasons, the
addendum beside the signature it superseded, PRELIMINARY on unsigned cases, CJK names, every font embedded,
a long name clear of the case id, follow-up references, the lab's own phone number."""

import io
import shutil
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from cathlog.domain.followup import SignatureMeaning
from cathlog.reports import data, fonts, pdf
from cathlog.reports.make import render
from tests.conftest import PASSWORD
from tests.helpers import CORONARY, TEAM, make_patient, open_case
from tests.reports.test_reports import REVIEW

TODAY = date(2026, 11, 21)


def _pages(raw: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(raw)).pages]


def _summary(services, actor, pid) -> bytes:
    return render(services.review.case_file(actor, pid), "summary")


def _sign(services, physician, pid):
    services.review.save_review(physician, pid, REVIEW)
    services.review.sign(physician, pid, PASSWORD, SignatureMeaning.APPROVED)


@pytest.fixture
def case_with_void_and_correction(services, nurse, physician):
    proc = open_case(services, nurse)
    pid = proc.procedure_id
    bolus = services.cases.record_event(nurse, pid, "medication",
                                        {"drug": "heparin", "dose": 6000, "dose_unit": "units", "route": "iv"})
    services.cases.void_event(nurse, bolus.event_id, "entered on the wrong patient")
    contrast = services.cases.record_event(nurse, pid, "contrast",
                                           {"agent": "iohexol", "concentration_mgi_ml": 350, "volume_ml": 120.0},
                                           confirm=["agent:contrast_allergy"])  # the test patient's allergy
    services.cases.correct_event(nurse, contrast.event_id,
                                 {"agent": "iohexol", "concentration_mgi_ml": 350, "volume_ml": 80.0},
                                 "misread the injector display", confirm=["agent:contrast_allergy"])
    services.cases.close_case(nurse, pid)
    return pid


def test_voided_and_corrected_rows_carry_their_reasons(services, nurse, case_with_void_and_correction):
    pid = case_with_void_and_correction
    record = services.cases.get_record(nurse, pid)
    d = data.build_summary(record, None, [], TODAY)
    void = [r for r in d.log if r.voided]
    assert len(void) == 1 and void[0].status == "VOIDED" and "6000 units" in void[0].details
    assert void[0].history == ("VOIDED v2, reason: entered on the wrong patient",)
    corrected = [r for r in d.log if r.status.startswith("corrected")]
    assert len(corrected) == 1 and "80 mL" in corrected[0].details
    assert corrected[0].history[0].startswith("corrected v2, reason: misread the injector display; replaced: ")
    assert "120 mL" in corrected[0].history[0]
    assert not any(row[1] == "Heparin" for row in d.drugs)  # a voided bolus counts for nothing
    raw = pdf.render_summary(d)
    text = " ".join(_pages(raw))
    assert "VOIDED v2, reason: entered on the wrong patient" in text
    assert "reason: misread the injector display; replaced:" in text and "120 mL" in text
    # the voided row is struck through: a strike line is drawn across its text
    appendix = PdfReader(io.BytesIO(raw)).pages[-1].get_contents().get_data().decode("latin-1")
    assert pdf.styles()["void"].textColor.hexval()[2:].lower() in _stroke_colours(appendix)


def _stroke_colours(content: str) -> set[str]:
    """Hex colours set for stroking ("r g b RG") in a content stream."""
    out = set()
    tokens = content.split()
    for i, tok in enumerate(tokens):
        if tok == "RG" and i >= 3:
            r, g, b = (float(x) for x in tokens[i - 3:i])
            out.add("".join(f"{round(c * 255):02x}" for c in (r, g, b)))
    return out


def test_addendum_prints_on_page_one_beside_the_superseded_signature(services, nurse, physician):
    pid = open_case(services, nurse).procedure_id
    services.cases.close_case(nurse, pid)
    _sign(services, physician, pid)
    services.review.addendum(physician, pid, "Late hematoma at the radial site, compressed.", reason="seen on ward")
    pages = _pages(_summary(services, physician, pid))
    first = pages[0]
    sig = first.index("Approved by Dr. Dora Doc")
    superseded = first.index("SUPERSEDED by an addendum", sig)
    addendum = first.index("Late hematoma at the radial site, compressed.", superseded)
    assert addendum - superseded < 120  # right after it, not pages later
    assert "Addendum, " in first[superseded:addendum + 1]


def test_preliminary_on_every_page_of_open_or_unsigned_cases_and_absent_when_signed(services, nurse, physician):
    proc = open_case(services, nurse)
    pid = proc.procedure_id
    for i in range(90):
        services.cases.record_event(nurse, pid, "note", {"text": f"Note number {i}"})
    open_pages = _pages(_summary(services, nurse, pid))
    assert len(open_pages) >= 3
    assert all("PRELIMINARY" in page for page in open_pages)
    assert "the case is still open" in open_pages[0]
    services.cases.close_case(nurse, pid)
    closed_pages = _pages(_summary(services, nurse, pid))
    assert all("PRELIMINARY" in page for page in closed_pages) and "not signed" in closed_pages[0]
    _sign(services, physician, pid)
    assert not any("PRELIMINARY" in page for page in _pages(_summary(services, physician, pid)))
    services.review.addendum(physician, pid, "Late finding.", reason="review")  # supersedes: preliminary again
    pages = _pages(_summary(services, physician, pid))
    assert all("PRELIMINARY" in page for page in pages) and "not signed since the addendum" in pages[0]


MIXED = ("Ñúñez-李", "Zoë")
CJK_NAMES = [MIXED, ("山田", "花子"), ("김", "민수"), ("王", "小明")]


@pytest.mark.parametrize(("family", "given"), CJK_NAMES)
def test_cjk_and_mixed_names_print_exactly(services, nurse, family, given):
    patient = services.cases.register_patient(nurse, make_patient("C1", family_name=family, given_name=given))
    proc = services.cases.open_case(nurse, patient.patient_id, CORONARY, team=TEAM)
    case = services.review.case_file(nurse, proc.procedure_id)
    name = f"{family}, {given}"
    for kind in ("summary", "followup", "patient"):
        pages = _pages(render(case, kind))
        assert all(name in page for page in pages), kind  # the header of every page
    assert f"Name {name}" in _pages(render(case, "summary"))[0]  # the name field
    for char in family + given:
        assert fonts.font_for(char) == fonts.FONT or ord(char) > 0x2E80  # only CJK/Hangul leave DejaVu


def test_no_character_of_a_cjk_name_falls_to_a_missing_glyph():
    for family, given in CJK_NAMES:
        for char in family + given:
            name = fonts.font_for(char)
            assert ord(char) in fonts._coverage(name), (char, name)


def _fonts_of(raw: bytes) -> list[tuple[str, bool]]:
    """(base font, embedded?) of every font any page uses."""
    out = []
    for page in PdfReader(io.BytesIO(raw)).pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            font = ref.get_object() if isinstance(ref, IndirectObject) else ref
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            out.append((str(font["/BaseFont"]), embedded))
    return out


def test_every_font_is_embedded_and_the_language_set(services, nurse, physician):
    patient = services.cases.register_patient(nurse, make_patient("E1", family_name="Ñúñez-李", given_name="김 Zoë"))
    pid = services.cases.open_case(nurse, patient.patient_id, CORONARY, team=TEAM).procedure_id
    services.cases.record_event(nurse, pid, "note", {"text": "≥ 3 ✓ «ok»"})
    case = services.review.case_file(nurse, pid)
    for kind in ("summary", "followup", "patient"):
        raw = render(case, kind)
        used = _fonts_of(raw)
        assert used and all(embedded for _, embedded in used), (kind, used)
        assert b"Helvetica" not in raw and b"ZapfDingbats" not in raw and b"/Symbol" not in raw
        names = " ".join(name for name, _ in used)
        assert "DejaVuSans" in names
        if kind != "followup":
            assert "DroidSansFallback" in names and "NanumSquare" in names
        assert PdfReader(io.BytesIO(raw)).trailer["/Root"]["/Lang"] == "en"


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils (pdffonts) not installed")
def test_pdffonts_lists_only_embedded_fonts(tmp_path, services, nurse):
    patient = services.cases.register_patient(nurse, make_patient("E2", family_name="山田", given_name="Zoë"))
    pid = services.cases.open_case(nurse, patient.patient_id, CORONARY, team=TEAM).procedure_id
    case = services.review.case_file(nurse, pid)
    for kind in ("summary", "followup", "patient"):
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(render(case, kind))
        lines = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout.splitlines()
        rows = lines[2:]  # after the heading and the dashes
        assert rows
        for row in rows:  # columns: name type encoding emb sub uni object ID
            assert row.split()[-5] == "yes", row


LONG = ("Hohenzollern-Sigmaringen von Wittelsbach-Braganza y Borbón-Dos Sicilias", "Maria Theresia Walburga Amalia")


def test_a_long_name_never_runs_into_the_case_id(services, nurse):
    patient = services.cases.register_patient(nurse, make_patient("L1", family_name=LONG[0], given_name=LONG[1]))
    pid = services.cases.open_case(nurse, patient.patient_id, CORONARY, team=TEAM).procedure_id
    raw = render(services.review.case_file(nurse, pid), "summary")
    page = PdfReader(io.BytesIO(raw)).pages[0]
    height = float(page.mediabox.height)
    header: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font_dict, font_size):
        y = tm[5] * cm[3] + cm[5]
        if text.strip() and y > height - pdf.MARGIN:
            header.append((text, tm[4] * cm[0] + cm[4], font_size))

    page.extract_text(visitor_text=visit)
    case_id = [h for h in header if pid in h[0]]
    assert len(case_id) == 1
    case_x = case_id[0][1]
    name_parts = [h for h in header if pid not in h[0]]
    assert name_parts
    for text, x, size in name_parts:
        assert x + fonts.width(text, fonts.BOLD, size) < case_x, text
    joined = " ".join(" ".join(t for t, _, _ in name_parts).split())
    assert f"{LONG[0]}, {LONG[1]}" in joined  # wrapped at spaces, nothing lost


def test_header_lines_shrink_then_wrap():
    size, lines = pdf._header_lines("Doe, Jane", 300)
    assert size == pdf.HEADER_SIZE and lines == ["Doe, Jane"]
    size, lines = pdf._header_lines("x" * 80, 300)
    assert size == pdf.HEADER_MIN_SIZE and len(lines) > 1 and "".join(lines) == "x" * 80
    assert all(fonts.width(line, fonts.BOLD, size) <= 300 for line in lines)


def test_followup_prints_the_numbered_sources_as_a_reference_list(services, physician, signed_venous):
    case = services.review.case_file(physician, signed_venous)
    d = data.build_followup(case.record, case.reminders)
    tags = [tag for tag, _ in d.references]
    assert tags == ["31c", "26", "31"]  # first cited first (rows by due date), each once
    assert all(citation != "not in cathlog's reference list" for _, citation in d.references)
    text = " ".join(_pages(render(case, "followup")))
    assert "References" in text
    for tag, citation in d.references:
        assert " ".join(f"[{tag}] {citation}".split()) in text
    assert "[26] US Food and Drug Administration. Removing retrievable inferior vena cava filters" in text


def test_every_reference_a_rule_cites_is_in_the_list():
    from cathlog.rules.reminders import RULES

    tags = data.cited([rule.source for rule in RULES])
    assert len(tags) >= 10
    assert set(tags) <= set(data.reference_list()), set(tags) - set(data.reference_list())
    assert data.cited(["a [9]; b [27b] and [9]", "c [3]"]) == ["9", "27b", "3"]


@pytest.fixture
def signed_venous(services, admin, physician):
    for pid in services.demo.load(admin, 5, seed=12):
        record = services.cases.get_record(admin, pid)
        if record.procedure.indication_detail == "DVT venous stent + IVC filter":
            if record.procedure.status.value == "open":
                services.cases.close_case(physician, pid)
            services.review.save_review(physician, pid, REVIEW)
            for s in services.review.suggestions(physician, pid):
                services.review.decide(physician, pid, s, accept=True)
            return pid
    raise AssertionError("the demo set has a venous case")


def test_patient_sheet_names_the_lab_and_its_phone(services, nurse):
    pid = open_case(services, nurse).procedure_id
    case = services.review.case_file(nurse, pid)
    text = " ".join(_pages(render(case, "patient", data.LabContact("St. Elsewhere Cath Lab", "+1 555 0100 12"))))
    assert "call St. Elsewhere Cath Lab at +1 555 0100 12" in text and "In an emergency call 911" in text
    default = " ".join(_pages(render(case, "patient")))
    assert "call your cath lab, or your doctor" in default and "In an emergency call 911" in default
