"""GS1 UDI scans as scanners really type them (field-notes: separators dropped or mangled)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cathlog.rules.barcode import BarcodeError, parse_udi

GTIN = "08809630000129"  # valid check digit


@pytest.mark.parametrize("scan", [
    f"01{GTIN}17280331" + "10LOT8831\x1d21SER001",
    f"]d201{GTIN}17280331" + "10LOT8831\x1d21SER001",
    f"]C101{GTIN}17280331" + "10LOT8831<GS>21SER001",
    f"01{GTIN}17280331" + "10LOT8831␝21SER001",
    f"(01){GTIN}(17)280331(10)LOT8831(21)SER001",
    f"  01{GTIN}17280331" + "10LOT8831\x1d21SER001\n",
])
def test_scans_with_every_separator_style(scan):
    udi = parse_udi(scan)
    assert (udi.gtin, udi.lot, udi.serial, udi.expiry_date) == (GTIN, "LOT8831", "SER001", "2028-03-31")
    assert udi.udi == f"(01){GTIN}(17)280331(10)LOT8831(21)SER001"


def test_lot_last_needs_no_separator():
    udi = parse_udi(f"01{GTIN}1728033110LOT8831")
    assert udi.lot == "LOT8831" and udi.serial is None


def test_expired():
    udi = parse_udi(f"01{GTIN}17250101" + "10A1")
    assert udi.is_expired(date(2026, 11, 21)) and not parse_udi(f"01{GTIN}17280331").is_expired(date(2026, 11, 21))


@pytest.mark.parametrize("scan, words", [
    ("", "empty"),
    ("hello world", "not a GS1 device barcode"),
    ("01088096300001231728033110LOT", "wrong check digit"),
    ("1728033110LOT8831", "no GTIN"),
])
def test_bad_scans_say_why(scan, words):
    with pytest.raises(BarcodeError, match=words):
        parse_udi(scan)


@given(st.text(max_size=60))
def test_any_keystrokes_parse_or_fail_cleanly(text):
    try:
        parse_udi(text)
    except BarcodeError:
        pass
