"""Reading a HIBC LIC device barcode (ANSI/HIBC 2.6), the UDI format of many US devices.

No maintained parser exists on PyPI (the one package that names HIBCC sends the scan to a web
service), so this module reads the standard's data structure itself:

``+`` then the *primary* data: labeler code (LIC, 4 characters, the first a letter), the labeler's
product or catalog number (PCN, 1-18 characters), unit of measure (1 digit). A label with one
barcode concatenates primary and *secondary* data with ``/``: ``+A99912345/$$52001510X3`` + check
character. The secondary data starts with

* ``$``  lot;  ``$+`` serial;  ``$$`` expiry then lot;  ``$$+`` expiry then serial;
* 5 digits (the old ``YYJJJ`` expiry, a Julian day) then lot.

After ``$$``/``$$+`` an optional quantity (``8`` + 2 digits, ``9`` + 5 digits), then the expiry:
a first digit ``0``/``1`` is ``MMYY`` (the last day of that month, as GS1 reads day 00), ``2`` MMDDYY,
``3`` YYMMDD, ``4`` YYMMDDHH, ``5`` YYJJJ, ``6`` YYJJJHH, ``7`` no expiry. Supplementary fields
follow, each after ``/``: ``14D`` expiry YYYYMMDD, ``16D`` manufacture date YYYYMMDD, ``S`` serial,
``Q`` quantity.

The last character is the check character: the sum of every character's value (``0``-``9`` 0-9,
``A``-``Z`` 10-35, then ``-`` ``.`` space ``$`` ``/`` ``+`` ``%`` 36-42), modulo 43. A wrong one is
refused (a misread); so is a label's second barcode alone (secondary data with its link
character), which names no device: the nurse types lot and serial from the label.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from cathlog.rules.barcode import BarcodeError, ScannedUdi

HIBC_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
_TYPE_IT = "type the lot, serial and expiry from the label"
_LIC = re.compile(r"[A-Z][A-Z0-9]{3}")
_PCN = re.compile(r"[A-Z0-9]{1,18}")
_LOT = re.compile(r"[A-Z0-9\-. $+%]{0,18}")


class HibcError(BarcodeError):
    """A HIBC barcode that cannot be read; the message says what to do at the bedside."""


def check_character(data: str) -> str:
    """The HIBC modulo-43 check character of ``data`` (the ``+`` included)."""
    return HIBC_CHARS[sum(HIBC_CHARS.index(c) for c in data) % 43]


def is_hibc(text: str) -> bool:
    """Whether a scan (symbology identifier and Code 39 asterisks removed) is HIBC LIC data."""
    return text.lstrip("*").startswith("+")


def read_hibc(text: str) -> ScannedUdi:
    """The UDI fields of a HIBC LIC scan; HibcError with a message a nurse can act on."""
    raw = text.strip().strip("*").upper()  # HIBC has no lower case: a scanner on Caps Lock types it inverted
    bad = sorted({c for c in raw if c not in HIBC_CHARS})
    if bad:
        raise HibcError(f"this HIBC barcode holds characters HIBC does not use ({' '.join(map(repr, bad))}): "
                        f"scan again, or {_TYPE_IT}")
    if len(raw) < 4:
        raise HibcError(f"this HIBC barcode is too short to be a device label: scan again, or {_TYPE_IT}")
    data, check = raw[:-1], raw[-1]
    if check_character(data) != check:
        raise HibcError(f"this HIBC barcode did not read correctly (its check character is wrong): scan again, "
                        f"or {_TYPE_IT}")
    body = data[1:]
    primary, sep, secondary = body.partition("/")
    if not body[:1].isalpha():
        raise HibcError("this is the second HIBC barcode of the label (lot and expiry only): scan the first "
                        f"barcode (the product), or {_TYPE_IT}")
    if not _LIC.fullmatch(primary[:4]) or len(primary) < 6 or not primary[-1].isdigit() \
            or not _PCN.fullmatch(primary[4:-1]):
        raise HibcError(f"this HIBC barcode has no valid labeler and product code: {_TYPE_IT}")
    fields = _secondary(secondary) if sep else {}
    return ScannedUdi(udi=raw, gtin=None, lot=fields.get("lot"), serial=fields.get("serial"),
                      expiry_date=fields.get("expiry"), production_date=fields.get("made"),
                      catalog_number=primary[4:-1], labeler=primary[:4], issuer="HIBCC")


def _secondary(text: str) -> dict[str, str]:
    """Lot, serial, expiry and manufacture date (ISO dates) of the secondary data."""
    main, *supplements = text.split("/")
    out: dict[str, str] = {}
    if main[:5].isdigit() and len(main) >= 5:  # the old format: YYJJJ expiry, then the lot
        out["expiry"], what, rest = _julian(main[:5]), "lot", main[5:]
    elif main.startswith("$$"):
        what, rest = ("serial", main[3:]) if main.startswith("$$+") else ("lot", main[2:])
        rest = _skip_quantity(rest)
        expiry, rest = _expiry(rest)
        if expiry:
            out["expiry"] = expiry
    elif main.startswith("$+"):
        what, rest = "serial", main[2:]
    elif main.startswith("$"):
        what, rest = "lot", main[1:]
    else:
        raise HibcError(f"this HIBC barcode's lot and serial part is in a form cathlog does not know: {_TYPE_IT}")
    if not _LOT.fullmatch(rest):
        raise HibcError(f"this HIBC barcode's {what} number is not valid: {_TYPE_IT}")
    if rest:
        out[what] = rest
    for sup in supplements:
        if sup.startswith("14D") or sup.startswith("16D"):
            out["expiry" if sup.startswith("14D") else "made"] = _ymd(sup[3:], "%Y%m%d")
        elif sup.startswith("S") and _LOT.fullmatch(sup[1:]) and sup[1:] and "serial" not in out:
            out["serial"] = sup[1:]
        elif sup.startswith("Q") and sup[1:].isdigit():
            continue  # a quantity: not a field of a device entry
        else:
            raise HibcError(f"this HIBC barcode carries a field cathlog does not know (/{sup[:3]}): {_TYPE_IT}")
    return out


def _skip_quantity(text: str) -> str:
    if text[:1] in ("8", "9"):
        digits = 2 if text[0] == "8" else 5
        if not text[1:1 + digits].isdigit():
            raise HibcError(f"this HIBC barcode's quantity is not valid: {_TYPE_IT}")
        return text[1 + digits:]
    return text


def _expiry(text: str) -> tuple[str | None, str]:
    """(ISO expiry or None, the rest) after ``$$`` and the quantity."""
    first = text[:1]
    if first in ("0", "1"):  # MMYY: the device may be used to the end of that month
        mm, yy = text[0:2], text[2:4]
        if not (mm + yy).isdigit() or len(yy) < 2 or not 1 <= int(mm) <= 12:
            raise HibcError(f"this HIBC barcode's expiry date is not valid: {_TYPE_IT}")
        year = 2000 + int(yy)
        return date(year, int(mm), calendar.monthrange(year, int(mm))[1]).isoformat(), text[4:]
    widths = {"2": ("%m%d%y", 6), "3": ("%y%m%d", 6), "4": ("%y%m%d", 8), "5": ("julian", 5), "6": ("julian", 7)}
    if first == "7":
        return None, text[1:]
    if first not in widths:
        raise HibcError(f"this HIBC barcode's expiry date is in a form cathlog does not know: {_TYPE_IT}")
    form, width = widths[first]
    digits = text[1:1 + width]
    if len(digits) != width or not digits.isdigit():
        raise HibcError(f"this HIBC barcode's expiry date is not valid: {_TYPE_IT}")
    day = _julian(digits[:5]) if form == "julian" else _ymd(digits[:6], form)
    return day, text[1 + width:]


def _ymd(digits: str, form: str) -> str:
    """An ISO date from YYYYMMDD, MMDDYY or YYMMDD digits (two-digit years are 20YY)."""
    full = {"%Y%m%d": digits, "%m%d%y": "20" + digits[4:6] + digits[0:4], "%y%m%d": "20" + digits}[form]
    try:
        if len(digits) != (8 if form == "%Y%m%d" else 6) or not digits.isdigit():
            raise ValueError(digits)
        return date(int(full[0:4]), int(full[4:6]), int(full[6:8])).isoformat()
    except ValueError:
        raise HibcError(f"this HIBC barcode holds an impossible date ({digits}): {_TYPE_IT}") from None


def _julian(digits: str) -> str:
    year, day = 2000 + int(digits[:2]), int(digits[2:5])
    if not 1 <= day <= (366 if calendar.isleap(year) else 365):
        raise HibcError(f"this HIBC barcode holds an impossible date ({digits}): {_TYPE_IT}")
    return (date(year, 1, 1) + timedelta(days=day - 1)).isoformat()
