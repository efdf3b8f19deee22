"""Every door to a patient sheet names the lab and its phone from the lab settings (issue 14 item 4)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from cathlog.reports.make import print_file, report_bytes, write_reports
from tests.helpers import open_case

NAMED = "call St. Elsewhere Cath Lab at +1 555 0100 12"


def _text(raw: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(raw)).pages)


def test_saved_printed_and_streamed_sheets_name_the_lab_after_it_is_set(tmp_path, services, admin, nurse,
                                                                           physician):
    pid = open_case(services, nurse).procedure_id
    before = _text(report_bytes(services, physician, pid, "patient"))
    assert "call your cath lab, or your doctor" in before and NAMED not in before
    services.settings.set(admin, "lab_name", "St. Elsewhere Cath Lab")
    services.settings.set(admin, "lab_phone", "+1 555 0100 12")
    saved = write_reports(services, physician, pid, tmp_path / "saved", ("patient",))
    printed = print_file(services, physician, pid, tmp_path, "patient")
    streamed = report_bytes(services, admin, pid, "patient")
    for raw in (saved[0].read_bytes(), printed.read_bytes(), streamed):
        text = _text(raw)
        assert NAMED in text and "In an emergency call 911" in text
