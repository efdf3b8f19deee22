"""Report fonts: registered once, embedded always, chosen per character.

DejaVu Sans has no CJK glyphs, so a name such as "Ñúñez-李, Zoë" would
print with empty boxes. Text is split into runs by glyph coverage (each
font's own character map): a run goes to the first font of the fallback
chain that has its characters. Paragraph text gets ``<font>`` tags; canvas
text (page headers) is drawn run by run.
"""

from __future__ import annotations

from functools import cache
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from cathlog.resources import font_path

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
FALLBACKS = ("DroidSansFallback", "NanumSquare")  # CJK (Chinese, Japanese), then Korean Hangul


@cache
def register() -> None:
    for name in (FONT, BOLD, *FALLBACKS):
        pdfmetrics.registerFont(TTFont(name, str(font_path(name))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)
    for name in FALLBACKS:  # no bold or italic cut: <b> inside a fallback run keeps the regular face
        pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)


@cache
def _coverage(name: str) -> frozenset[int]:
    register()
    font = pdfmetrics.getFont(name)
    return frozenset(font.face.charToGlyph)  # type: ignore[attr-defined]  # TTFont's face, not in the stubs


def font_for(char: str, primary: str = FONT) -> str:
    """The font that draws ``char``: the primary when it has the glyph, else the first fallback that has it
    (a character no font has stays in the primary, which shows its "missing" box)."""
    code = ord(char)
    if code in _coverage(primary) or char.isspace():
        return primary
    for name in FALLBACKS:
        if code in _coverage(name):
            return name
    return primary


def runs(text: str, primary: str = FONT) -> list[tuple[str, str]]:
    """``text`` as (font, text) runs, neighbours in the same font joined."""
    if _coverage(primary).issuperset(map(ord, text)):  # the common case, checked in C: one run
        return [(primary, text)] if text else []
    out: list[tuple[str, str]] = []
    for char in text:
        name = font_for(char, primary)
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + char)
        else:
            out.append((name, char))
    return out


def markup(text: str, primary: str = FONT) -> str:
    """``text`` escaped for a Paragraph, with fallback runs wrapped in ``<font name=...>``."""
    return "".join(escape(part) if name == primary else f'<font name="{name}">{escape(part)}</font>'
                   for name, part in runs(text, primary))


def width(text: str, primary: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(part, name, size) for name, part in runs(text, primary))


def draw(canvas: Canvas, x: float, y: float, text: str, primary: str, size: float, right: bool = False) -> None:
    """Draw ``text`` at (x, y) run by run, in one text object (a text extractor reads it as one line);
    ``right`` aligns its end at x."""
    if right:
        x -= width(text, primary, size)
    obj = canvas.beginText(x, y)
    for name, part in runs(text, primary):
        obj.setFont(name, size)
        obj.textOut(part)
    canvas.drawText(obj)
