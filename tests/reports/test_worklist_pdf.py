"""The printed follow-up worklist: the reports' conventions (embedded fonts with CJK fallback,
the lab's name in every page's header, "page X of Y"), overdue in words, pending windows named."""

import io

from pypdf import PdfReader

from cathlog.domain.worklist import WorklistItem, WorklistQuery, WorkState
from cathlog.reports.worklist import render_worklist


def _item(n: int, due: str, *, name="Tanaka, 伟", pending=False, state=WorkState.OPEN) -> WorklistItem:
    return WorklistItem(f"k{n:04d}", None if pending else f"{n:032x}", f"P20261101-{n:04d}", "a" * 32, name,
                        f"MRN{n:05d}", "R3", 0, due, due, state, pending, "Dr. A. Patel",
                        "IVC filter retrieval window", "IVC filter retrieval window opens: review for removal.",
                        "FDA Safety Communication, 6 May 2014 [26]")


def _text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_rows_overdue_pending_lab_name_and_fonts():
    items = [_item(1, "2026-11-01", pending=True), _item(2, "2026-12-24"),
             _item(3, "2026-10-01", state=WorkState.DONE)]
    content = render_worklist(items, WorklistQuery(due_to="2026-12-31", rule_id="R3"), lab_name="St. Elsewhere",
                              printed="2026-12-03 09:15", printed_by="Dr. Dora Doc", today="2026-12-03")
    reader, text = _text(content)
    assert "St. Elsewhere" in text and "Follow-up worklist" in text and "page 1 of 1" in text
    assert "due … to 2026-12-31 · rule R3" in text and "3 reminder(s), 1 overdue." in text
    assert "Printed 2026-12-03 09:15 by Dr. Dora Doc" in text
    assert text.count("OVERDUE") == 1 and "not yet reviewed" in text  # the done one is not overdue
    assert "Tanaka, 伟" in text and "FDA Safety Communication" in text
    fonts = {str(f) for page in reader.pages for f in page["/Resources"]["/Font"].values()
             for f in [f.get_object()["/BaseFont"]]}
    assert not any("Helvetica" in f for f in fonts) and any("DejaVuSans" in f for f in fonts)
    assert any("DroidSansFallback" in f for f in fonts)  # 伟
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width > height  # landscape


def test_many_rows_run_over_pages_with_the_header_on_each():
    items = [_item(n, f"2027-01-{n % 28 + 1:02d}") for n in range(120)]
    reader, text = _text(render_worklist(items, WorklistQuery(), lab_name="", printed="now", printed_by="x",
                                         today="2026-12-03"))
    pages = len(reader.pages)
    assert pages > 2 and f"page {pages} of {pages}" in text
    assert all("cathlog" in p.extract_text() and "Follow-up worklist" in p.extract_text() for p in reader.pages)


def test_an_empty_list_says_so():
    _, text = _text(render_worklist([], WorklistQuery(), lab_name="Lab", printed="now", printed_by="x",
                                    today="2026-12-03"))
    assert "No reminders match these filters." in text and "any due date" in text
