"""The shipped device catalog loads, covers the sizes the lab uses, and is checked."""

import json

import pytest

from cathlog.catalog import CatalogError, load_catalog
from cathlog.domain.enums import BURR_SIZES_MM, DeviceType
from cathlog.resources import resource_path
from cathlog.rules.barcode import parse_udi


def test_catalog_covers_the_lab():
    cat = load_catalog()
    coronary_balloons = [d for i in cat.of_type(DeviceType.BALLOON) if i.bed == "coronary" for d in i.diameters_mm]
    assert min(coronary_balloons) == 1.0 and max(coronary_balloons) == 4.0
    nc = [d for i in cat.of_type(DeviceType.NC_BALLOON) for d in i.diameters_mm]
    assert max(nc) == 5.0
    assert set(cat.of_type(DeviceType.RA_BURR)[0].diameters_mm) == set(BURR_SIZES_MM)
    tibial = [d for i in cat.items if i.bed == "below_knee" for d in i.diameters_mm]
    assert min(tibial) == 2.0 and max(tibial) == 4.0
    venous = [d for i in cat.of_type(DeviceType.VENOUS_STENT) for d in i.diameters_mm]
    assert min(venous) == 10.0 and max(venous) == 20.0
    assert cat.of_type(DeviceType.IVC_FILTER_RETRIEVABLE) and cat.of_type(DeviceType.IVC_FILTER_PERMANENT)
    for item in cat.items:
        if item.device_type in (DeviceType.BALLOON, DeviceType.NC_BALLOON, DeviceType.DCB, DeviceType.DES):
            assert item.nominal_atm and item.rated_burst_atm, item.id


def test_every_catalog_gtin_scans():
    cat = load_catalog()
    for item in cat.items:
        for gtin in item.gtins:
            assert parse_udi(f"01{gtin}").gtin == gtin
            assert cat.by_gtin(gtin)[0] is item


def test_bad_catalog_is_refused(tmp_path):
    doc = json.loads(resource_path("device_catalog.json").read_text(encoding="utf-8"))
    doc["items"][0]["diameters_mm"].append(99)
    bad = tmp_path / "cat.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(CatalogError, match="item 1"):
        load_catalog(bad)


def test_resource_names_cannot_escape():
    with pytest.raises(ValueError):
        resource_path("../secrets")
