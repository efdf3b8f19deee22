"""Build a case's reports through the services and write them atomically."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from cathlog.domain.records import Actor
from cathlog.fileio import atomic_write
from cathlog.reports import data, pdf
from cathlog.services import Services

KINDS = ("summary", "followup", "patient")


def report_bytes(services: Services, actor: Actor, procedure_id: str, kind: str) -> bytes:
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}; one of {', '.join(KINDS)}")
    case = services.review.case_file(actor, procedure_id)
    if kind == "summary":
        return pdf.render_summary(data.build_summary(case.record, case.review, case.signatures, date.today()))
    if kind == "followup":
        return pdf.render_followup(data.build_followup(case.record, case.reminders))
    return pdf.render_patient_sheet(data.build_patient_sheet(case.record, case.review, case.reminders))


def safe_name(text: str) -> str:
    """A file name with no path separators or odd characters."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "report"


def write_reports(services: Services, actor: Actor, procedure_id: str, folder: Path,
                  kinds: tuple[str, ...] = KINDS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in kinds:
        target = folder / f"{safe_name(procedure_id)}-{kind}.pdf"
        content = report_bytes(services, actor, procedure_id, kind)
        with atomic_write(target, "wb") as fh:
            fh.write(content)
        written.append(target)
    return written
