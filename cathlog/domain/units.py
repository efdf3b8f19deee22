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


# --- Radiation as the C-arm shows it (issue 11 item 8) ------------------------
#
# Stored in one unit each: fluoro time in whole seconds, DAP in Gy·cm²
# (domain-reference.md section 0: 1 Gy·cm² = 100 µGy·m² = 10 dGy·cm² = 1000 mGy·cm²;
# DICOM RDSR reports Gy·m², Epic's MPPS table dGy·cm² [34]). The arithmetic is
# Decimal, so a conversion is exact; a value the store cannot hold exactly is
# refused with its exact value named, never rounded.

FLUORO_UNITS: tuple[str, ...] = ("s", "min", "mm:ss")
DAP_UNITS: tuple[str, ...] = ("Gy·cm²", "mGy·cm²", "cGy·cm²", "dGy·cm²", "µGy·m²", "Gy·m²")
DAP_STORED_UNIT = "Gy·cm²"
# Gy·cm² per one of each unit.
DAP_FACTORS: dict[str, Decimal] = {
    "Gy·cm²": Decimal(1),
    "mGy·cm²": Decimal("0.001"),
    "cGy·cm²": Decimal("0.01"),
    "dGy·cm²": Decimal("0.1"),
    "µGy·m²": Decimal("0.01"),
    "Gy·m²": Decimal(10000),
}
DAP_STORED_DECIMALS = 4  # 0.0001 Gy·cm² = 0.01 µGy·m² = 0.1 mGy·cm²: every C-arm display fits
_MM_SS = re.compile(r"^(\d{1,3}):([0-5]\d)$")


def _decimal(text: str) -> Decimal:
    """The typed number as an exact Decimal, with the Do-Not-Use rules of :func:`parse_number`."""
    parse_number(text)
    return Decimal(text.strip())


def parse_fluoro_time(text: str, unit: str) -> int:
    """Fluoro time as typed -> whole seconds: ``"12:34"`` (mm:ss), ``"12.5"`` min, ``"754"`` s."""
    raw = text.strip()
    if unit == "mm:ss":
        match = _MM_SS.match(raw)
        if not match:
            raise QuantityError(f"{text!r}: write fluoro time as minutes:seconds, e.g. 12:34")
        return int(match.group(1)) * 60 + int(match.group(2))
    if unit not in ("s", "min"):
        raise QuantityError(f"fluoro time unit {unit!r}: use one of {', '.join(FLUORO_UNITS)}")
    if ":" in raw:
        raise QuantityError(f"{text!r} looks like minutes:seconds; choose mm:ss as the unit")
    seconds = _decimal(raw) * (60 if unit == "min" else 1)
    if seconds != seconds.to_integral_value():
        raise QuantityError(f"{raw} {unit} is {format_decimal(seconds)} s; fluoro time is kept in whole seconds, "
                            "so type it as the C-arm shows it (mm:ss or seconds)")
    return int(seconds)


def dap_to_gy_cm2(text: str, unit: str) -> Decimal:
    """DAP as typed in ``unit`` -> exact Gy·cm²; refused if it needs more than 4 decimals."""
    factor = DAP_FACTORS.get(unit)
    if factor is None:
        raise QuantityError(f"DAP unit {unit!r}: use one of {', '.join(DAP_UNITS)}")
    value = _decimal(text) * factor
    if value != value.quantize(Decimal(1).scaleb(-DAP_STORED_DECIMALS)):
        raise QuantityError(f"{text.strip()} {unit} = {format_decimal(value)} {DAP_STORED_UNIT}, more precise than "
                            f"the {DAP_STORED_DECIMALS} decimals kept; check the reading")
    return value


def format_decimal(value: Decimal) -> str:
    """An exact Decimal without exponent or trailing zeros: ``Decimal('24.7400')`` -> ``"24.74"``."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_fluoro_time(seconds: int) -> str:
    """``754`` -> ``"12:34"`` (minutes:seconds, as a C-arm shows it)."""
    return f"{seconds // 60}:{seconds % 60:02d}"
