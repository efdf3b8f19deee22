"""Reading a device's GS1 UDI as a barcode scanner types it.

biip does the GS1 parsing (application identifiers, check digits, dates);
this module only cleans up what real keyboard-wedge scanners send: a
symbology prefix (``]d2``, ``]C1``), the group separator as the control
character, as the text ``<GS>`` or as ``␝``, or human-readable form with
parentheses ``(01)...(17)...``. A scanner that drops the separator after a
variable-length field (lot before serial) makes the fields run together:
the entry form shows what was read, for the nurse to check before saving.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from biip import ParseConfig, parse
from biip.gs1_messages import GS1Message

from cathlog.domain.errors import CathlogError

_CONFIG = ParseConfig(separator_chars=("\x1d", "␝"))


class BarcodeError(CathlogError):
    """The scan is not a GS1 device identifier we can read."""


@dataclass(frozen=True)
class ScannedUdi:
    udi: str
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry_date: str | None = None  # YYYY-MM-DD

    def is_expired(self, on: date) -> bool:
        return self.expiry_date is not None and date.fromisoformat(self.expiry_date) < on

    def fields(self) -> dict[str, str]:
        """The device-entry fields this scan fills."""
        out = {"udi": self.udi, "gtin": self.gtin, "lot": self.lot, "serial": self.serial,
               "expiry_date": self.expiry_date}
        return {k: v for k, v in out.items() if v}


def parse_udi(text: str) -> ScannedUdi:
    """Parse a scanned GS1 string; BarcodeError says what is wrong with it."""
    raw = text.strip().replace("<GS>", "\x1d").replace("<gs>", "\x1d")
    if not raw:
        raise BarcodeError("the scan was empty")
    try:
        if raw.startswith("("):
            message = GS1Message.parse_hri(raw)
        else:
            result = parse(raw, config=_CONFIG)
            if result.gs1_message is None:
                raise BarcodeError(f"not a GS1 device barcode ({result.gs1_message_error or 'unknown format'})")
            message = result.gs1_message
    except BarcodeError:
        raise
    except Exception as exc:  # biip raises ParseError and ValueError subclasses
        raise BarcodeError(f"not a GS1 device barcode ({exc})") from None

    def value(ai: str) -> str | None:
        element = message.element_strings.get(ai=ai)
        return element.value if element else None

    gtin_element = message.element_strings.get(ai="01")
    if gtin_element is None:
        raise BarcodeError("the scan has no GTIN (AI 01): scan the device's UDI barcode")
    if gtin_element.gtin is None:
        raise BarcodeError(f"the GTIN {gtin_element.value} has a wrong check digit: scan again")
    expiry_element = message.element_strings.get(ai="17")
    expiry = expiry_element.date.isoformat() if expiry_element and expiry_element.date else None
    udi = "".join(f"({es.ai.ai}){es.value}" for es in message.element_strings)
    return ScannedUdi(udi=udi, gtin=gtin_element.value, lot=value("10"), serial=value("21"), expiry_date=expiry)
