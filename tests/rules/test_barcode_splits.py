"""Issue 11 item 3: a scan whose group separator was lost is never read by guess."""

import pytest

from cathlog.rules.barcode import AmbiguousScanError, BarcodeError, parse_udi, read_udi

GTIN = "00614141999996"


def _split(reading):
    return reading.lot, reading.serial, reading.expiry_date, reading.production_date


def test_the_issue_scan_lists_every_plausible_split():
    readings = read_udi(f"01{GTIN}17270630" + "10AB211721XY9")
    assert [_split(r) for r in readings] == [
        ("AB", "1721XY9", "2027-06-30", None),
        ("AB2117", "XY9", "2027-06-30", None),
        ("AB211721XY9", None, "2027-06-30", None),
    ]
    with pytest.raises(AmbiguousScanError) as info:
        parse_udi(f"01{GTIN}17270630" + "10AB211721XY9")
    assert info.value.candidates == readings and isinstance(info.value, BarcodeError)
    assert "lot AB2117, serial XY9" in str(info.value)


@pytest.mark.parametrize("scan, splits", [
    # an expiry swallowed into the lot
    (f"01{GTIN}" + "10AB17270630", [("AB", None, "2027-06-30", None), ("AB17270630", None, None, None)]),
    # a production date (AI 11) swallowed
    (f"01{GTIN}" + "10XY11250101", [("XY", None, None, "2025-01-01"), ("XY11250101", None, None, None)]),
    # "17" inside the lot but no real date after it: one reading only
    (f"01{GTIN}" + "10AB17ZZ9999", [("AB17ZZ9999", None, None, None)]),
    (f"01{GTIN}" + "10AB17279999", [("AB17279999", None, None, None)]),  # month 99: not a date
    # the separator kept: lot and serial as sent
    (f"01{GTIN}17270630" + "10AB2117\x1d21XY9", [("AB2117", "XY9", "2027-06-30", None)]),
    # a serial before a lot, separator lost: "10" inside the serial
    (f"01{GTIN}" + "21SN10LOT7", [("LOT7", "SN", None, None), (None, "SN10LOT7", None, None)]),
])
def test_splits_are_valid_by_gs1_rules(scan, splits):
    assert [_split(r) for r in read_udi(scan)] == splits


@pytest.mark.parametrize("scan", [
    f"01{GTIN}17270630" + "10LOT8831",
    f"01{GTIN}17270630" + "10LOT8831\x1d21SER001",
    f"(01){GTIN}(17)270630(10)AB2117(21)XY9",  # parentheses delimit every field
    f"]d201{GTIN}17270630" + "10A1",
])
def test_one_reading_goes_through(scan):
    assert len(read_udi(scan)) == 1
    parse_udi(scan)
