"""ReportLab renderers: report data -> PDF bytes.

One style sheet, every font embedded (DejaVu Sans, with CJK and Hangul
fallbacks chosen per character: ``reports/fonts.py``), and on every page
a header with patient and procedure (a long name shrinks, then wraps, and
never runs into the case id), a footer with "page X of Y", and on a
summary that is not validly signed a PRELIMINARY mark. Callers decide
where the bytes go (``cathlog.fileio``).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, cast

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cathlog.reports import fonts
from cathlog.reports.data import FollowupData, Header, LogRow, PatientSheetData, SummaryData
from cathlog.reports.fonts import BOLD, FONT
from cathlog.reports.implant_card import IMPLANT_HEAD, IMPLANT_WIDTHS

INK = colors.HexColor("#111827")
MUTED = colors.HexColor("#4a5562")
ACCENT = colors.HexColor("#1d3557")
RULE = colors.HexColor("#c5d2e0")
BAND = colors.HexColor("#eef2f7")
ALERT = colors.HexColor("#b91c1c")
WATERMARK = colors.HexColor("#f7e0e0")
MARGIN = 16 * mm
LANG = "en"  # the document language (/Lang), for screen readers and archiving
HEADER_SIZE, HEADER_MIN_SIZE = 8.0, 6.0  # a long patient name shrinks to the minimum, then wraps
PRELIMINARY = "PRELIMINARY"


def _fonts() -> None:
    fonts.register()


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
        "addendum": ParagraphStyle("addendum", parent=base, fontSize=9.5, leading=12.5),
        "alert": ParagraphStyle("alert", parent=base, fontName=BOLD, fontSize=11, leading=14, textColor=ALERT,
                                spaceBefore=2, spaceAfter=2),
        "void": ParagraphStyle("void", parent=base, fontSize=8, leading=9.6, textColor=MUTED),
        "voidmark": ParagraphStyle("voidmark", parent=base, fontName=BOLD, fontSize=8, leading=9.6, textColor=ALERT),
        "reference": ParagraphStyle("reference", parent=base, leftIndent=8 * mm, firstLineIndent=-8 * mm,
                                    spaceAfter=2),
        "history": ParagraphStyle("history", parent=base, fontSize=7.2, leading=8.8, textColor=MUTED,
                                  leftIndent=3 * mm),
    }


class _Paragraph(Paragraph):
    """A Paragraph that remembers its last wrap: a table wraps every cell to size its rows and again
    to draw it, and each page of a split table wraps its repeated head again. Paragraph.wrap depends
    on the width alone (and the text and style, which do not change), so the same width gives the
    same lines, kept from the wrap before. Made by ``_p`` while a document is built, it also takes
    the lines of an earlier paragraph of the same text and style at the same width (``_kept``)."""

    _wrapped: tuple[float, tuple[float, float]] | None = None
    _key: tuple[str, str] | None = None  # (markup, style) when made by _p within a document

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - ReportLab's names
        if self._wrapped is not None and self._wrapped[0] == availWidth:
            return self._wrapped[1]
        if self._key is None:
            size = super().wrap(availWidth, availHeight)
        else:
            layouts = _kept().layouts
            key = (*self._key, availWidth)
            kept = layouts.get(key)
            if kept is not None:
                state, size = kept
                self.__dict__.update(state)  # blPara, width, height, breakLines' counters
            else:
                before = dict(self.__dict__)
                size = super().wrap(availWidth, availHeight)
                _remember(layouts, key, ({k: v for k, v in self.__dict__.items()
                                          if k not in before or before[k] is not v}, size))
        self._wrapped = (availWidth, size)
        return size


_KEPT_MAX = 4096  # texts (and layouts) kept per thread; past that the store starts again


class _Kept(threading.local):
    """Per thread (previews render in threads): parses and line layouts of the paragraphs of the
    documents built, reused by later documents (the units, kinds, names and heads of every summary).
    ``active`` while a document is built: a paragraph made outside a document is parsed on its own."""

    def __init__(self) -> None:
        self.active = False
        self.parsed: dict[tuple[str, str], Paragraph] = {}
        self.layouts: dict[tuple[str, str, float], tuple[dict[str, Any], tuple[float, float]]] = {}


_KEPT = _Kept()


def _kept() -> _Kept:
    return _KEPT


def _remember(store: dict[Any, Any], key: Any, value: Any) -> None:
    if len(store) >= _KEPT_MAX:
        store.clear()
    store[key] = value


@contextmanager
def _one_document() -> Iterator[None]:
    """While a document is built, a text met again in the same style reuses the first one's parse
    (a summary of 40 entries has 334 paragraphs of 185 texts: units, kinds, the nurse's name), and
    at the same width its lines; kept from one document to the next."""
    kept = _kept()
    kept.active = True
    try:
        yield
    finally:
        kept.active = False


def _p(text: str, style: str = "base") -> Paragraph:
    sheet = styles()[style]
    markup = fonts.markup(text, sheet.fontName).replace("\n", "<br/>")
    kept = _kept()
    if not kept.active:
        return _Paragraph(markup, sheet)
    key = (markup, style)
    first = kept.parsed.get(key)
    if first is None:
        first = _Paragraph(markup, sheet)
        _remember(kept.parsed, key, first)
    para = _Paragraph(first.text, first.style, frags=first.frags)  # the parse as ReportLab made it
    para._key = key
    return para


def _header_lines(text: str, room: float) -> tuple[float, list[str]]:
    """The header's patient text in ``room`` points: one line at the largest size that fits (down to
    HEADER_MIN_SIZE), else wrapped at the minimum size (a word longer than the room is cut by characters)."""
    size = HEADER_SIZE
    while size >= HEADER_MIN_SIZE:
        if fonts.width(text, BOLD, size) <= room:
            return size, [text]
        size -= 0.25
    size = HEADER_MIN_SIZE
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if fonts.width(candidate, BOLD, size) <= room:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if fonts.width(line + char, BOLD, size) > room and line:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return size, lines


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
        baseline = height - MARGIN + 5 * mm
        if self.header:
            room = width - 2 * MARGIN - fonts.width(self.header.procedure, FONT, HEADER_SIZE) - 6 * mm
            size, lines = _header_lines(self.header.patient, room)
            for i, line in enumerate(lines):  # the last line on the baseline, earlier ones above it (top margin)
                fonts.draw(self, MARGIN, baseline + (len(lines) - 1 - i) * size * 1.15, line, BOLD, size)
            fonts.draw(self, width - MARGIN, baseline, self.header.procedure, FONT, HEADER_SIZE, right=True)
        fonts.draw(self, MARGIN, MARGIN - 8 * mm, "cathlog · a procedure log, not medical advice", FONT, 7.5)
        fonts.draw(self, width - MARGIN, MARGIN - 8 * mm, f"page {self._pageNumber} of {total}",  # type: ignore[attr-defined]
                   FONT, 7.5, right=True)
        if self.header and self.header.preliminary:
            self.setFillColor(ALERT)
            fonts.draw(self, width / 2, MARGIN - 8 * mm, f"{PRELIMINARY} — not a signed record", BOLD, 8)


def _watermark(canv: canvas.Canvas, _doc: object) -> None:
    """Drawn under the page's content: a large diagonal PRELIMINARY."""
    width, height = A4
    canv.saveState()
    canv.setFillColor(WATERMARK)
    canv.setFont(BOLD, 78)
    canv.translate(width / 2, height / 2)
    canv.rotate(45)
    canv.drawCentredString(0, -26, PRELIMINARY)
    canv.restoreState()


def _build(story: list, header: Header, title: str) -> bytes:
    _fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 4 * mm,
                            bottomMargin=MARGIN + 2 * mm, title=f"{title} — {header.procedure}", author="cathlog",
                            subject=header.patient, lang=LANG,
                            initialFontName=FONT)  # else every page opens in Helvetica, which is never embedded
    canvas_class = cast(type[_NumberedCanvas], type("Canvas", (_NumberedCanvas,), {"header": header}))
    page = _watermark if header.preliminary else (lambda _c, _d: None)
    doc.build(story, canvasmaker=canvas_class, onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


def _table(rows: Sequence[Sequence[str]], widths: Sequence[float], head: Sequence[str] | None = None,
           zebra: bool = True) -> Table:
    data = ([[_p(h, "cellb") for h in head]] if head else []) + [[_p(c or "", "cell") for c in r] for r in rows]
    table = Table(data, colWidths=widths, repeatRows=1 if head else 0, hAlign="LEFT")
    style: list[Any] = [("FONTNAME", (0, 0), (-1, -1), FONT),  # else the table sets Helvetica, never embedded
             ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 3),
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


def _render_summary(data: SummaryData) -> bytes:
    width = A4[0] - 2 * MARGIN
    half = (width - 6 * mm) / 2
    story: list = [_p(data.title, "title")]
    story.append(Table([[_pairs(data.patient, half), _pairs(data.procedure, half)]], colWidths=[half + 3 * mm] * 2,
                       hAlign="LEFT", style=[("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                             ("LEFTPADDING", (0, 0), (-1, -1), 0)]))

    def section(title: str, *flowables: Any) -> None:
        story.append(KeepTogether([_p(title, "h"), *flowables]))

    if data.preliminary:
        story.append(_p(data.preliminary, "alert"))
    signatures: list = []
    for line in data.signatures:  # first, on page 1: each signature and beside it the addenda that superseded it
        signatures.append(_p(line.text, "big"))
        signatures += [Table([[_p(a, "addendum")]], colWidths=[width - 8 * mm], hAlign="RIGHT",
                             style=[("FONTNAME", (0, 0), (-1, -1), FONT), ("LINEBEFORE", (0, 0), (0, 0), 2, ALERT),
                                    ("LEFTPADDING", (0, 0), (-1, -1), 5), ("TOPPADDING", (0, 0), (-1, -1), 1),
                                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2)])
                       for a in line.addenda]
    section("Signature", *signatures)

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
    story += [PageBreak(), _p("Appendix: full event log", "title"),
              _p("Every entry in time order. A voided entry is kept, struck through, with its reason; it counts "
                 "for nothing. A corrected entry shows its last version, and under it each correction's reason and "
                 "the value it replaced.", "small"), Spacer(1, 3 * mm),
              _log_table(data.log, [width * f for f in (0.07, 0.12, 0.55, 0.12, 0.14)])]
    return _build(story, data.header, data.title)


def _log_table(log: Sequence[LogRow], widths: Sequence[float]) -> Table:
    table = _table([(r.time, r.entry, r.details, r.recorded_by, r.status) for r in log], widths,
                   ("Time", "Entry", "Details", "Recorded by", "Status"))
    cells: list[list[Any]] = table._cellvalues  # type: ignore[attr-defined]  # ReportLab internals
    for i, row in enumerate(log, 1):  # row 0 is the head
        if row.voided:
            for col in (0, 1, 2):
                cells[i][col] = Paragraph(f"<strike>{cells[i][col].text}</strike>", styles()["void"])
            cells[i][4] = _p(row.status, "voidmark")
        if row.history:
            details = cells[i][2]
            cells[i][2] = [details, *[_p(h, "history") for h in row.history]]
    return table


def _render_followup(data: FollowupData) -> bytes:
    width = A4[0] - 2 * MARGIN
    story = [_p(data.title, "title"), _p(data.disclaimer, "small"), Spacer(1, 4 * mm)]
    if data.rows:
        story.append(_table(data.rows, [width * f for f in (0.11, 0.4, 0.2, 0.19, 0.1)],
                            ("Due", "What", "Why (rule)", "Source", "Status")))
    else:
        story.append(_p("No reminders have been accepted for this case."))
    if data.references:
        story.append(_p("References", "h"))
        story += [_p(f"[{tag}] {citation}", "reference") for tag, citation in data.references]
    return _build(story, data.header, data.title)


def _render_patient_sheet(data: PatientSheetData) -> bytes:
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


def render_summary(data: SummaryData) -> bytes:
    with _one_document():
        return _render_summary(data)


def render_followup(data: FollowupData) -> bytes:
    with _one_document():
        return _render_followup(data)


def render_patient_sheet(data: PatientSheetData) -> bytes:
    with _one_document():
        return _render_patient_sheet(data)
