"""Issue 14 item 13: GS1 Digital Link addresses and HIBC LIC barcodes read to the same UDI fields."""

from __future__ import annotations

import pytest

from cathlog.rules.barcode import BarcodeError, parse_udi, read_udi
from cathlog.rules.hibc import HibcError, check_character

GTIN = "09506000134352"  # GS1's example GTIN (valid check digit)

# --- GS1 Digital Link ------------------------------------------------------------------------------


@pytest.mark.parametrize(("scan", "expected"), [
    (f"https://id.gs1.org/01/{GTIN}/10/ABC123/21/XYZ", (GTIN, "ABC123", "XYZ", None)),
    (f"https://id.gs1.org/01/{GTIN}/10/ABC123/21/XYZ?17=290131", (GTIN, "ABC123", "XYZ", "2029-01-31")),
    (f"https://id.gs1.org/01/{GTIN}/10/ABC123?17=290100&linkType=gs1:pip", (GTIN, "ABC123", None, "2029-01-31")),
    (f"HTTPS://ID.GS1.ORG/01/{GTIN}/10/ABC123/21/XYZ", (GTIN, "ABC123", "XYZ", None)),  # scheme and host any case
    (f"http://example.com/udi/01/{GTIN}/21/SN%2F7?17=280331", (GTIN, None, "SN/7", "2028-03-31")),  # a prefix path
    (f"id.gs1.org/01/{GTIN}/10/ABC123/21/XYZ", (GTIN, "ABC123", "XYZ", None)),  # no scheme
    (f"/01/{GTIN}/10/ABC123/21/XYZ?17=290131", (GTIN, "ABC123", "XYZ", "2029-01-31")),  # the path alone
    (f"]Q1https://id.gs1.org/01/{GTIN}/10/ABC123", (GTIN, "ABC123", None, None)),  # QR symbology identifier
    ("https://id.gs1.org/01/9506000134352/10/L1", (GTIN, "L1", None, None)),  # a GTIN-13 reads as GTIN-14
])
def test_digital_links_read_to_gtin_lot_serial_expiry(scan, expected):
    udi = parse_udi(scan)
    assert (udi.gtin, udi.lot, udi.serial, udi.expiry_date) == expected
    assert udi.issuer == "GS1" and udi.udi.startswith(f"(01){GTIN}")
    assert udi.fields()["gtin"] == GTIN


def test_a_digital_link_and_a_gs1_128_scan_of_one_label_agree():
    link = parse_udi(f"https://id.gs1.org/01/{GTIN}/10/ABC123/21/XYZ?17=290131")
    linear = parse_udi(f"01{GTIN}17290131" + "10ABC123\x1d21XYZ")
    assert link.fields().keys() == linear.fields().keys()
    assert {k: v for k, v in link.fields().items() if k != "udi"} == \
        {k: v for k, v in linear.fields().items() if k != "udi"}


@pytest.mark.parametrize(("scan", "says"), [
    ("https://example.com/products/stent", "not a GS1 device barcode"),
    ("https://id.gs1.org/10/ABC123", "not a GS1 device barcode"),  # no GTIN
    ("https://id.gs1.org/01/09506000134353/10/A", "wrong check digit"),
    (f"https://id.gs1.org/01/{GTIN}/10/A?17=291331", "not a GS1 device barcode"),  # month 13
])
def test_a_bad_digital_link_is_refused(scan, says):
    with pytest.raises(BarcodeError, match=says):
        read_udi(scan)


# --- HIBC LIC -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "check"), [
    ("+A99912345", "7"),  # ANSI/HIBC 2.6 primary example
    ("+A99912345/$$52001510X3", "3"),  # ANSI/HIBC 2.6 2.2.1.1, concatenated primary and secondary
    ("+$$52001510X3G", "D"),  # secondary alone, with its link character
    ("+E235817C19/$$9000067101822", "%"),
    ("+E490HE21KL1/$+HEK13044/16D20220531/Q1", "$"),
])
def test_the_modulo_43_check_character(data, check):
    assert check_character(data) == check


# barcode -> (labeler, product number, lot, serial, expiry, manufactured); check characters as printed
HIBC = [
    ("+A999123457", ("A999", "1234", None, None, None, None)),  # primary only
    ("+A99912345/$$52001510X3/16D20111212/S77DEFG457", ("A999", "1234", "10X3", "77DEFG45", "2020-01-15",
                                                        "2011-12-12")),  # $$5 YYJJJ
    ("*+A99912345/$$52001510X3/16D20111212/S77DEFG457*", ("A999", "1234", "10X3", "77DEFG45", "2020-01-15",
                                                          "2011-12-12")),  # Code 39 asterisks
    ("]C0+A99912345/$$52001510X3/16D20111212/S77DEFG457", ("A999", "1234", "10X3", "77DEFG45", "2020-01-15",
                                                           "2011-12-12")),  # symbology identifier
    ("+A99912345/$10X3/16D20111231/14D202001313", ("A999", "1234", "10X3", None, "2020-01-31", "2011-12-31")),
    ("+A99912349/$10X3/16D20111231/14D20200131/Q500Z", ("A999", "1234", "10X3", None, "2020-01-31",
                                                        "2011-12-31")),  # quantity: not a device field
    ("+J123AQ3451/$$3231231BC34567/S4012R", ("J123", "AQ345", "BC34567", "4012", "2023-12-31", None)),  # $$3
    ("+EDMG2203430/$$0723244375H", ("EDMG", "220343", "244375", None, "2023-07-31", None)),  # MMYY: month end
    ("+D002659740V1/$$704978087T", ("D002", "659740V", "04978087", None, None, None)),  # $$7: no expiry
    ("+E2513079NL1/$$90001020331222021050425-1P", ("E251", "3079NL", "2021050425-1", None, "2022-03-31",
                                                  None)),  # $$9 quantity, then $$2 MMDDYY
    ("+EOROCDF366A01501/$$900001122321007217", ("EORO", "CDF366A0150", "2100721", None, "2023-12-31", None)),
    ("+E490HE21KL1/$+HEK13044/16D20220531/Q1$", ("E490", "HE21KL", None, "HEK13044", None, "2022-05-31")),
    ("+H123PTCA25MM1/$$3291130LX2291/SSN00426", ("H123", "PTCA25MM", "LX2291", "SN0042", "2029-11-30", None)),
    ("+h123ptca25mm1/$$3291130lx2291/ssn00426", ("H123", "PTCA25MM", "LX2291", "SN0042", "2029-11-30",
                                                 None)),  # typed with Caps Lock on
]


@pytest.mark.parametrize(("scan", "expected"), HIBC)
def test_hibc_primary_and_secondary_read_to_the_udi_fields(scan, expected):
    (udi,) = read_udi(scan)
    assert (udi.labeler, udi.catalog_number, udi.lot, udi.serial, udi.expiry_date, udi.production_date) == expected
    assert udi.gtin is None and udi.issuer == "HIBCC"
    assert udi.udi.startswith("+") and udi.udi == udi.udi.upper() and "*" not in udi.udi
    fields = udi.fields()
    assert "gtin" not in fields and fields["catalog_number"] == expected[1] and fields["udi"] == udi.udi
    assert udi.product() == f"HIBC {expected[0]} {expected[1]}"


def _nurse_readable(message: str) -> None:
    assert "HIBC" in message and ("scan again" in message or "type the lot" in message)
    for jargon in ("Error", "Traceback", "pattern", "AI ", "biip", "regex"):
        assert jargon not in message


@pytest.mark.parametrize(("scan", "says"), [
    ("+A99912345/$$52001510X3/16D20111212/S77DEFG45Z", "check character is wrong"),
    ("+A999123458", "check character is wrong"),
    ("+A99912345/$10X3/16D20111231/14D202001314", "check character is wrong"),
    ("+H123PTCA25MM1/$$3291130LX2291/SSN0042Q", "check character is wrong"),
    ("+$$52001510X3GD", "second HIBC barcode"),  # the label's lot-and-expiry barcode alone names no device
    ("+H123PTCA25MM1/$$3291131LX2291B", "impossible date"),  # 31 November
    ("+H123PTCA25MM1/$$5291OOLX%", "expiry date is not valid"),
    ("+H123PTCA25MM1/$LX22/Z9Q", "does not know"),
    ("+A99912345/$$52001510X3/16D20111212/S77DEFG45é", "characters HIBC does not use"),
    ("+A9", "too short"),
])
def test_a_bad_hibc_barcode_is_refused_in_words_a_nurse_understands(scan, says):
    with pytest.raises(HibcError, match=says) as refused:
        read_udi(scan)
    assert isinstance(refused.value, BarcodeError)
    _nurse_readable(str(refused.value))
