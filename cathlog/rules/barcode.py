"""Reading a device's GS1 UDI as a barcode scanner types it.

biip does the GS1 parsing (application identifiers, check digits, dates);
this module only cleans up what real keyboard-wedge scanners send: a
symbology prefix (``]d2``, ``]C1``), the group separator as the control
character, as the text ``<GS>`` or as ``␝``, or human-readable form with
parentheses ``(01)...(17)...``. A scanner that drops the separator after a
variable-length field (lot before serial) makes the fields run together:
when a variable-length field (lot, serial) could also be read as ending
where another UDI field starts (``21``, ``17``, ``10``, ``11`` inside a lot),
:func:`read_udi` returns every plausible reading and :func:`parse_udi` refuses
to guess (:class:`AmbiguousScanError`): the nurse chooses or scans again.

A GS1 Digital Link (a web address carrying ``/01/<GTIN>/10/<lot>...``, which a
scanner types as it reads a QR code) is read through biip too, with or without
its ``https://`` host; a HIBC LIC barcode (``+...``, common on US devices) is
read by :mod:`cathlog.rules.hibc`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from biip import ParseConfig, parse
from biip.gs1_messages import GS1Message

from cathlog.domain.errors import CathlogError

_CONFIG = ParseConfig(separator_chars=("\x1d", "␝"))


class BarcodeError(CathlogError):
    """The scan is not a GS1 device identifier we can read."""


class AmbiguousScanError(BarcodeError):
    """The scan reads in more than one way (a group separator was lost): never guess."""

    def __init__(self, candidates: tuple[ScannedUdi, ...]):
        self.candidates = candidates
        super().__init__(f"the scan can be read {len(candidates)} ways (a separator between fields was lost): "
                         + "; ".join(c.describe() for c in candidates) + ". Choose the one on the label, or scan again")


@dataclass(frozen=True)
class ScannedUdi:
    udi: str
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry_date: str | None = None  # YYYY-MM-DD
    production_date: str | None = None  # YYYY-MM-DD (AI 11); in the UDI, not a device-entry field
    catalog_number: str | None = None  # HIBC: the labeler's product number (PCN); GS1 barcodes carry none
    labeler: str | None = None  # HIBC: the labeler identification code (LIC); not a device-entry field
    issuer: str = "GS1"  # who issued the identifier: "GS1" or "HIBCC"

    def is_expired(self, on: date) -> bool:
        return self.expiry_date is not None and date.fromisoformat(self.expiry_date) < on

    def fields(self) -> dict[str, str]:
        """The device-entry fields this scan fills."""
        out = {"udi": self.udi, "gtin": self.gtin, "lot": self.lot, "serial": self.serial,
               "expiry_date": self.expiry_date, "catalog_number": self.catalog_number}
        return {k: v for k, v in out.items() if v}

    def product(self) -> str:
        """The device identifier in words: its GTIN, or the HIBC labeler and product number."""
        if self.gtin:
            return self.gtin
        return f"HIBC {self.labeler} {self.catalog_number}" if self.catalog_number else self.udi

    def describe(self) -> str:
        """One reading in words, for the nurse to compare with the label."""
        parts = [f"lot {self.lot}" if self.lot else "no lot", f"serial {self.serial}" if self.serial else "no serial"]
        if self.expiry_date:
            parts.append(f"expiry {self.expiry_date}")
        if self.production_date:
            parts.append(f"made {self.production_date}")
        return ", ".join(parts)


def parse_udi(text: str) -> ScannedUdi:
    """Parse a scanned GS1 string; BarcodeError says what is wrong with it, and
    AmbiguousScanError (a BarcodeError) lists the readings when there is more than one."""
    readings = read_udi(text)
    if len(readings) > 1:
        raise AmbiguousScanError(readings)
    return readings[0]


def read_udi(text: str) -> tuple[ScannedUdi, ...]:
    """Every plausible reading of a scan: one when it is unambiguous (the usual case),
    several when a lost group separator lets a lot or serial swallow the fields after it.
    BarcodeError when it cannot be read at all."""
    raw = text.strip().replace("<GS>", "\x1d").replace("<gs>", "\x1d")
    if not raw:
        raise BarcodeError("the scan was empty")
    data = _SYMBOLOGY.sub("", raw)
    from cathlog.rules import hibc  # it builds on this module's ScannedUdi

    if hibc.is_hibc(data):
        return (hibc.read_hibc(data),)
    link = _digital_link(data)
    if link is not None:
        return (_read_digital_link(link),)
    try:
        if raw.startswith("("):
            return (_scanned(GS1Message.parse_hri(raw)),)  # parentheses delimit every field
        result = parse(raw, config=_CONFIG)
        if result.gs1_message is None:
            raise BarcodeError(f"not a GS1 device barcode ({result.gs1_message_error or 'unknown format'})")
        message = result.gs1_message
    except BarcodeError:
        raise
    except Exception as exc:  # biip raises ParseError and ValueError subclasses
        raise BarcodeError(f"not a GS1 device barcode ({exc})") from None
    reading = _scanned(message)
    others = _splits(raw)
    if len(others) <= 1:
        return (reading,)
    return others


# --- GS1 Digital Link ----------------------------------------------------------------------------

_URL = re.compile(r"^(https?)://([^/?#]+)(.*)$", re.IGNORECASE)
_BARE_LINK = re.compile(r"^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?/(?:[^?#]*/)?01/\d{8,14}(?:[/?#]|$)")


def _digital_link(data: str) -> str | None:
    """The scan as an ``https://`` Digital Link address, or None when it is not one: a full address
    (scheme and host in any case), a host and path (``id.gs1.org/01/...``) or a bare path (``/01/...``)."""
    url = _URL.match(data)
    if url:
        return f"{url.group(1).lower()}://{url.group(2).lower()}{url.group(3)}"
    if _BARE_LINK.match(data):
        return ("https://id.gs1.org" if data.startswith("/") else "https://") + data
    return None


def _read_digital_link(url: str) -> ScannedUdi:
    try:
        result = parse(url, config=_CONFIG)
    except Exception as exc:  # biip raises ParseError and ValueError subclasses
        raise BarcodeError(f"this web address is not a GS1 device barcode ({exc})") from None
    link = result.gs1_digital_link_uri
    if link is None:
        reason = result.gs1_digital_link_uri_error or "no /01/ GTIN in it"
        raise BarcodeError(f"this web address is not a GS1 device barcode ({reason}): scan the device's "
                           "UDI barcode, or type the lot and serial from the label")
    return _scanned(link.as_gs1_message())


# --- the readings of a scan whose separators may be lost ---------------------------------------

_FIXED = {"01": 14, "11": 6, "17": 6}  # the UDI's fixed-length fields: GTIN, production date, expiry
_VARIABLE = {"10": 20, "21": 20}  # lot, serial: up to 20 characters, ended by a separator or the end
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+")  # GS1 AI encodable character set 82
_SYMBOLOGY = re.compile(r"^\][A-Za-z][0-9]")
MAX_READINGS = 8


def _segment_parses(seg: str) -> list[list[tuple[str, str]]]:
    """Every way ``seg`` (no separators) reads as UDI fields (AI, value), in order."""
    memo: dict[int, list[list[tuple[str, str]]]] = {}

    def at(pos: int) -> list[list[tuple[str, str]]]:
        if pos == len(seg):
            return [[]]
        if pos in memo:
            return memo[pos]
        out: list[list[tuple[str, str]]] = []
        ai = seg[pos:pos + 2]
        if ai in _FIXED:
            end = pos + 2 + _FIXED[ai]
            value = seg[pos + 2:end]
            if len(value) == _FIXED[ai] and value.isdigit():
                out += [[(ai, value), *rest] for rest in at(end)]
        elif ai in _VARIABLE:
            for end in range(pos + 3, min(len(seg), pos + 2 + _VARIABLE[ai]) + 1):
                value = seg[pos + 2:end]
                if not _CSET82.fullmatch(value):
                    break
                out += [[(ai, value), *rest] for rest in at(end)]
                if len(out) > 4 * MAX_READINGS:
                    break
        memo[pos] = out
        return out

    return at(0)


def _splits(raw: str) -> tuple[ScannedUdi, ...]:
    """The readings of ``raw`` using only the UDI fields, each a valid GS1 message (check
    digit, real dates) with no field twice. Empty when the scan holds other fields."""
    body = _SYMBOLOGY.sub("", raw)
    parses: list[list[tuple[str, str]]] = [[]]
    for seg in re.split("[\x1d␝]", body):
        if not seg:
            continue
        parses = [p + q for p in parses for q in _segment_parses(seg)][: 4 * MAX_READINGS]
    out: list[ScannedUdi] = []
    for fields in parses:
        ais = [ai for ai, _ in fields]
        if not fields or len(set(ais)) != len(ais):
            continue
        try:
            reading = _scanned(GS1Message.parse_hri("".join(f"({ai}){value}" for ai, value in fields)))
        except Exception:  # a wrong check digit, an impossible date: not a plausible reading
            continue
        if reading not in out:
            out.append(reading)
    return tuple(out[:MAX_READINGS])


def _scanned(message: GS1Message) -> ScannedUdi:
    def value(ai: str) -> str | None:
        element = message.element_strings.get(ai=ai)
        return element.value if element else None

    def day(ai: str) -> str | None:
        element = message.element_strings.get(ai=ai)
        return element.date.isoformat() if element and element.date else None

    gtin_element = message.element_strings.get(ai="01")
    if gtin_element is None:
        raise BarcodeError("the scan has no GTIN (AI 01): scan the device's UDI barcode")
    if gtin_element.gtin is None:
        raise BarcodeError(f"the GTIN {gtin_element.value} has a wrong check digit: scan again")
    udi = "".join(f"({es.ai.ai}){es.value}" for es in message.element_strings)
    return ScannedUdi(udi=udi, gtin=gtin_element.value, lot=value("10"), serial=value("21"),
                      expiry_date=day("17"), production_date=day("11"))
