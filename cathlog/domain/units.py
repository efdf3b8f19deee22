"""Writing and reading quantities the safe way.

Joint Commission "Do Not Use" list: never a trailing zero ("5.0 mg" can be
read as 50), always a leading zero ("0.5", never ".5"), "units" never "U".
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?$")
_FORBIDDEN_UNITS = {"u": "units", "iu": "units", "µg": "mcg", "ug": "mcg", "cc": "mL", "ml": "mL"}


def format_number(value: float | int, decimals: int = 3) -> str:
    """``5.0`` -> ``"5"``, ``0.50`` -> ``"0.5"``; rounds to ``decimals`` places."""
    text = f"{Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals)):f}" if decimals else f"{round(value):d}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_quantity(value: float | int | None, unit: str | None, decimals: int = 3) -> str:
    """A number with its unit for display, e.g. ``"6000 units"``, ``"0.5 mg"``."""
    if value is None:
        return ""
    number = format_number(value, decimals)
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


class QuantityError(ValueError):
    """A typed quantity in a form the Do-Not-Use list forbids, or not a number."""


def parse_number(text: str) -> float:
    """Read a number as a person typed it, refusing Do-Not-Use forms."""
    raw = text.strip()
    if "," in raw:  # "10,000" or "2,5": a separator or a decimal comma cannot be told apart safely
        raise QuantityError(f"{text!r}: write the number without commas (a decimal point, no thousands separator)")
    if raw.startswith("."):
        raise QuantityError(f"write 0{raw}, with a leading zero (Do-Not-Use list)")
    if not _NUMBER.match(raw):
        raise QuantityError(f"{text!r} is not a number")
    if "." in raw and raw.endswith("0"):
        raise QuantityError(f"write {format_number(float(raw))}, without a trailing zero (Do-Not-Use list)")
    try:
        return float(Decimal(raw))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only decimals
        raise QuantityError(f"{text!r} is not a number") from exc


def parse_quantity(text: str, allowed_units: tuple[str, ...]) -> tuple[float, str]:
    """``"5000 units"`` -> ``(5000.0, "units")``; the unit must be one of ``allowed_units``."""
    parts = text.strip().split()
    if len(parts) != 2:
        raise QuantityError(f"write a number and a unit, e.g. '5 {allowed_units[0]}'")
    number, unit = parts
    if unit not in allowed_units:
        better = _FORBIDDEN_UNITS.get(unit.casefold())
        if better and better in allowed_units:
            raise QuantityError(f"write '{better}', not '{unit}' (Do-Not-Use list)")
        raise QuantityError(f"unit {unit!r} is not allowed here; use one of: {', '.join(allowed_units)}")
    return parse_number(number), unit
