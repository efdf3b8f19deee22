"""Quantities are written and read the Do-Not-Use way (reliability I3)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cathlog.domain.units import QuantityError, format_number, format_quantity, parse_number, parse_quantity


@pytest.mark.parametrize("value, decimals, text", [
    (5.0, 3, "5"), (0.5, 3, "0.5"), (2.25, 2, "2.25"), (6000, 0, "6000"), (0.1 + 0.2, 3, "0.3"),
    (100.0, 1, "100"), (-0.0, 2, "0"),
])
def test_format_number_has_no_trailing_zero_and_a_leading_zero(value, decimals, text):
    assert format_number(value, decimals) == text


def test_format_quantity_spells_units_out():
    assert format_quantity(6000, "units") == "6000 units"
    assert format_quantity(0.5, "mg") == "0.5 mg"
    assert format_quantity(85, "%") == "85%"
    assert format_quantity(None, "mL") == ""


@pytest.mark.parametrize("text, message", [
    (".5", "leading zero"), ("5.0", "trailing zero"), ("5.50", "trailing zero"), ("abc", "not a number"),
    ("1e3", "not a number"), ("", "not a number"), ("--5", "not a number"),
])
def test_parse_number_refuses_do_not_use_forms(text, message):
    with pytest.raises(QuantityError, match=message):
        parse_number(text)


@pytest.mark.parametrize("text, units, message", [
    ("5000 U", ("units",), "write 'units', not 'U'"),
    ("5000 IU", ("units",), "write 'units', not 'IU'"),
    ("200 ug", ("mcg", "mg"), "write 'mcg'"),
    ("5 kg", ("mg",), "not allowed here"),
    ("5000", ("units",), "a number and a unit"),
])
def test_parse_quantity_refuses_bad_units(text, units, message):
    with pytest.raises(QuantityError, match=message):
        parse_quantity(text, units)


def test_parse_quantity_reads_good_input():
    assert parse_quantity("5000 units", ("units",)) == (5000.0, "units")
    assert parse_quantity("0.5 mg", ("mg", "mcg")) == (0.5, "mg")


@given(st.decimals(min_value=0, max_value=100000, places=3, allow_nan=False, allow_infinity=False))
def test_format_then_parse_round_trips(value):
    text = format_number(float(value), 3)
    assert parse_number(text) == pytest.approx(float(value), abs=1e-9)
    assert not text.startswith(".") and not (("." in text) and text.endswith("0"))


@pytest.mark.parametrize("text", ["10,000", "5,000", "1,125", "2,5"])
def test_commas_are_refused_without_guessing(text):
    with pytest.raises(QuantityError, match="without commas") as info:
        parse_number(text)
    assert "write 10" not in str(info.value) and "write 1" not in str(info.value)
