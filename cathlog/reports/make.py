"""Build a case's reports through the services and write them atomically."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from cathlog.domain.followup import CaseFile
from cathlog.domain.records import Actor
from cathlog.fileio import atomic_write, private_folder
from cathlog.reports import data, pdf
from cathlog.services import Services

KINDS = ("summary", "followup", "patient")


def report_bytes(services: Services, actor: Actor, procedure_id: str, kind: str,
                 lab: data.LabContact | None = None) -> bytes:
    _check_kinds((kind,))  # before reading anything
    return render(services.review.case_file(actor, procedure_id), kind, lab)


def _check_kinds(kinds: tuple[str, ...]) -> None:
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown report kind {kind!r}; one of {', '.join(KINDS)}")


def render(case: CaseFile, kind: str, lab: data.LabContact | None = None) -> bytes:
    """One report of a case file, as PDF bytes; ``lab`` names the lab and its phone on the patient sheet
    (None: "your cath lab", and 911 for emergencies)."""
    if kind == "summary":
        return pdf.render_summary(data.build_summary(case.record, case.review, case.signatures, date.today(),
                                                     case.implants))
    if kind == "followup":
        return pdf.render_followup(data.build_followup(case.record, case.reminders))
    if kind == "patient":
        return pdf.render_patient_sheet(data.build_patient_sheet(case.record, case.review, case.reminders, lab,
                                                                   case.implants))
    raise ValueError(f"unknown report kind {kind!r}; one of {', '.join(KINDS)}")


def safe_name(text: str) -> str:
    """A file name with no path separators or odd characters."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "report"


def write_reports(services: Services, actor: Actor, procedure_id: str, folder: Path,
                  kinds: tuple[str, ...] = KINDS, lab: data.LabContact | None = None) -> list[Path]:
    _check_kinds(kinds)
    case = services.review.case_file(actor, procedure_id)  # one read for every report
    private_folder(folder, tighten_existing=False)  # refuses a device or file given as the folder
    written = []
    for kind in kinds:
        target = folder / f"{safe_name(procedure_id)}-{kind}.pdf"
        content = render(case, kind, lab)
        with atomic_write(target, "wb") as fh:
            fh.write(content)
        written.append(target)
    return written
