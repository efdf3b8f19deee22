"""ReportLab renderers: report data -> PDF bytes.

One style sheet, DejaVu Sans embedded (Unicode names print as written),
and on every page a header with patient and procedure and a footer with
"page X of Y". Callers decide where the bytes go (``cathlog.fileio``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from typing import Any, cast
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cathlog.reports.data import FollowupData, Header, PatientSheetData, SummaryData
from cathlog.reports.implant_card import IMPLANT_HEAD, IMPLANT_WIDTHS
from cathlog.resources import resource_path

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
INK = colors.HexColor("#111827")
MUTED = colors.HexColor("#4a5562")
ACCENT = colors.HexColor("#1d3557")
RULE = colors.HexColor("#c5d2e0")
BAND = colors.HexColor("#eef2f7")
MARGIN = 16 * mm


@cache
def _fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(resource_path("fonts/DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(BOLD, str(resource_path("fonts/DejaVuSans-Bold.ttf"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


@cache
def styles() -> dict[str, ParagraphStyle]:
    _fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=8.6, leading=10.6, textColor=INK, alignment=TA_LEFT)
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=15, leading=18, textColor=ACCENT,
                                spaceAfter=2),
        "h": ParagraphStyle("h", parent=base, fontName=BOLD, fontSize=10, leading=12.5, textColor=ACCENT,
                            spaceBefore=6, spaceAfter=2),
        "small": ParagraphStyle("small", parent=base, fontSize=7.4, leading=9, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=9.6),
        "cellb": ParagraphStyle("cellb", parent=base, fontName=BOLD, fontSize=8, leading=9.6),
        "big": ParagraphStyle("big", parent=base, fontSize=10.5, leading=14),
    }


def _p(text: str, style: str = "base") -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), styles()[style])


class _NumberedCanvas(canvas.Canvas):
    """Two passes: the page count is known before "page X of Y" is drawn."""

    header: Header | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # ReportLab internals, not in its stubs

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        width, height = self._pagesize  # type: ignore[attr-defined]  # ReportLab internals
        self.setStrokeColor(RULE)
        self.setLineWidth(0.6)
        self.line(MARGIN, height - MARGIN + 3 * mm, width - MARGIN, height - MARGIN + 3 * mm)
        self.line(MARGIN, MARGIN - 4 * mm, width - MARGIN, MARGIN - 4 * mm)
        self.setFillColor(MUTED)
        if self.header:
            self.setFont(BOLD, 8)
            self.drawString(MARGIN, height - MARGIN + 5 * mm, self.header.patient)
            self.setFont(FONT, 8)
            self.drawRightString(width - MARGIN, height - MARGIN + 5 * mm, self.header.procedure)
        self.setFont(FONT, 7.5)
        self.drawString(MARGIN, MARGIN - 8 * mm, "cathlog · a procedure log, not medical advice")
        self.drawRightString(width - MARGIN, MARGIN - 8 * mm, f"page {self._pageNumber} of {total}")  # type: ignore[attr-defined]


def _build(story: list, header: Header, title: str) -> bytes:
    _fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 4 * mm,
                            bottomMargin=MARGIN + 2 * mm, title=f"{title} — {header.procedure}", author="cathlog",
                            subject=header.patient)
    canvas_class = cast(type[_NumberedCanvas], type("Canvas", (_NumberedCanvas,), {"header": header}))
    doc.build(story, canvasmaker=canvas_class)
    return buffer.getvalue()


def _table(rows: Sequence[Sequence[str]], widths: Sequence[float], head: Sequence[str] | None = None,
           zebra: bool = True) -> Table:
    data = ([[_p(h, "cellb") for h in head]] if head else []) + [[_p(c or "", "cell") for c in r] for r in rows]
    table = Table(data, colWidths=widths, repeatRows=1 if head else 0, hAlign="LEFT")
    style: list[Any] = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 3),
             ("RIGHTPADDING", (0, 0), (-1, -1), 3), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
             ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5), ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE)]
    if head:
        style += [("BACKGROUND", (0, 0), (-1, 0), BAND), ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT)]
    if zebra:
        first = 1 if head else 0
        style += [("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f7f9fb"))
                  for i in range(first + 1, len(data), 2)]
    table.setStyle(TableStyle(style))
    return table


def _pairs(rows: Sequence[tuple[str, ...]], width: float) -> Table:
    return _table(rows, [width * 0.3, width * 0.7], zebra=False)


def render_summary(data: SummaryData) -> bytes:
    width = A4[0] - 2 * MARGIN
    half = (width - 6 * mm) / 2
    story: list = [_p(data.title, "title")]
    story.append(Table([[_pairs(data.patient, half), _pairs(data.procedure, half)]], colWidths=[half + 3 * mm] * 2,
                       hAlign="LEFT", style=[("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))

    def section(title: str, *flowables) -> None:
        story.append(KeepTogether([_p(title, "h"), *flowables]))

    section("Access", *[_p("• " + a) for a in data.access or ["None recorded."]])
    section("Lesions", *[_p("• " + a) for a in data.lesions or ["None recorded."]])
    if data.devices:
        section("Devices", _table(data.devices, [width * f for f in (0.34, 0.16, 0.14, 0.12, 0.24)],
                                  ("Device", "Size", "Lot", "State", "Treats")))
    if data.implants:
        section("Implants (left in the patient)", _table(data.implants, [width * f for f in IMPLANT_WIDTHS],
                                                         IMPLANT_HEAD))
    if data.drugs:
        section("Drugs", _table(data.drugs, [width * f for f in (0.1, 0.3, 0.2, 0.2, 0.2)],
                                ("Time", "Drug", "Dose", "Route", "Per kg")))
    if data.acts:
        section("ACT", _table(data.acts, [width * f for f in (0.1, 0.2, 0.25, 0.45)],
                              ("Time", "ACT", "Target", "")))
    section("Contrast and radiation", _p("Contrast: " + data.contrast), _p("Radiation: " + data.radiation))
    section("Complications", *[_p("• " + c) for c in data.complications])
    section("Outcome", _pairs(data.outcome, width))
    if data.plan:
        section("Discharge antithrombotic plan (physician-entered)",
                _table(data.plan, [width * f for f in (0.3, 0.4, 0.3)], ("Drug", "Dose", "Duration")))
    section("Signature", *[_p(s, "big") for s in data.signatures])
    story += [PageBreak(), _p("Appendix: full event log", "title"),
              _p("Every entry in time order; a voided entry is kept and marked, a corrected one shows its last "
                 "version.", "small"), Spacer(1, 3 * mm),
              _table(data.log, [width * f for f in (0.07, 0.12, 0.55, 0.14, 0.12)],
                     ("Time", "Entry", "Details", "Recorded by", "Status"))]
    return _build(story, data.header, data.title)


def render_followup(data: FollowupData) -> bytes:
    width = A4[0] - 2 * MARGIN
    story = [_p(data.title, "title"), _p(data.disclaimer, "small"), Spacer(1, 4 * mm)]
    if data.rows:
        story.append(_table(data.rows, [width * f for f in (0.11, 0.4, 0.2, 0.19, 0.1)],
                            ("Due", "What", "Why (rule)", "Source", "Status")))
    else:
        story.append(_p("No reminders have been accepted for this case."))
    return _build(story, data.header, data.title)


def render_patient_sheet(data: PatientSheetData) -> bytes:
    width = A4[0] - 2 * MARGIN
    story: list = [_p(data.title, "title"), _p("Implant card", "h")]
    story.append(_table(data.implants, [width * f for f in IMPLANT_WIDTHS], IMPLANT_HEAD) if data.implants
                 else _p("No device was left in your body."))
    story.append(_p("Your blood-thinning medicines", "h"))
    story.append(_table(data.plan, [width * f for f in (0.3, 0.4, 0.3)], ("Medicine", "Dose", "How long"))
                 if data.plan else _p("Your doctor will tell you which medicines to take."))
    story.append(_p("Do not stop these medicines unless the doctor who did your procedure says so.", "base"))
    if data.reminders:
        story.append(_p("Your follow-up", "h"))
        story.append(_table(data.reminders, [width * 0.2, width * 0.8], ("When", "What")))
    story.append(_p("Get help when you notice", "h"))
    story += [_p("• " + s, "big") for s in data.warning_signs]
    story += [Spacer(1, 3 * mm), _p(data.contact, "big")]
    return _build(story, data.header, data.title)
