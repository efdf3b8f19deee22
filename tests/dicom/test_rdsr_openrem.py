"""The RDSR reader against real vendor files (Philips Allura and Azurion, Siemens Artis Zee and
Fluorospot, GE Super-C and OEC Elite, Eurocolumbus) from OpenREM 0.10.0's source distribution, fetched
at test time (scripts/fetch_openrem_samples.py; GPLv3, never committed). Two oracles nobody on this team
wrote: the values OpenREM's own tests assert (openrem/remapp/tests/test_import_rf_rdsr.py) and what
dcmtk's ``dsrdump -Er -Ev -Ec -Ee -Ei`` prints."""

from __future__ import annotations

import re
import subprocess

import pytest

from cathlog.dicom.rdsr import read_bytes
from cathlog.domain.dose import DoseReportRefused
from cathlog.rules.dose import entry_data
from tests.peers import dcmtk, openrem_samples

RF_FILES = ("RF-RDSR-Philips_Allura.dcm", "RF-RDSR-Philips_Azurion.dcm", "RF-RDSR-Siemens-Zee.dcm",
            "RF-RDSR-Siemens-Zee_adjusted.dcm", "RF-RDSR-GE.dcm", "RF-RDSR-GE-OECEliteMiniView.dcm",
            "RF-RDSR-Eurocolumbus.dcm", "RF-No-kVp-and-others.dcm", "RF-Pat-Orientation-Modifier-Missing.dcm",
            "Dual-RDSR-RF.dcm")
GY_M2 = 1e4  # Gy·m² -> Gy·cm²
GY = 1e3  # Gy -> mGy


@pytest.fixture(scope="session")
def samples():
    """Fetched once per session, before the hermetic fixture moves XDG_CACHE_HOME."""
    return openrem_samples()


def read(samples, name):
    return read_bytes((samples / name).read_bytes())


def test_openrems_asserted_values(samples):
    """The values openrem/remapp/tests/test_import_rf_rdsr.py asserts, in cathlog's units."""
    azurion = read(samples, "RF-RDSR-Philips_Azurion.dcm").planes[0]
    assert azurion.fluoro_dap_gy_cm2 == pytest.approx(0.00101567 * GY_M2)
    ge = read(samples, "RF-RDSR-GE.dcm")
    [plane] = ge.planes
    assert plane.fluoro_dap_gy_cm2 == pytest.approx(0.00024126 * GY_M2)
    assert plane.fluoro_air_kerma_mgy == pytest.approx(0.01173170 * GY)  # GE spells it "Fluoro Dose(RP) Total"
    assert (plane.acquisition_dap_gy_cm2, plane.acquisition_air_kerma_mgy) == (0, 0)
    assert plane.dap_gy_cm2 == pytest.approx(0.00024126 * GY_M2)  # total_dap_a, total_dap
    assert plane.air_kerma_mgy == pytest.approx(0.01173170 * GY)  # total_rp_dose_a
    assert len(ge.events) == 8 and len(ge.planes) == 1
    event_4 = ge.events[3]
    assert event_4.started_local == "2019-03-16T13:27:25"
    assert event_4.event_uid == "1.3.6.1.4.1.5962.99.1.3577657414.286912992.1554060884038.8.0"
    assert event_4.dap_gy_cm2 == pytest.approx(0.00004334 * GY_M2)
    assert event_4.air_kerma_mgy == pytest.approx(0.00210763 * GY)
    oec = read(samples, "RF-RDSR-GE-OECEliteMiniView.dcm").planes[0]  # no ContentTemplateSequence
    assert oec.fluoro_dap_gy_cm2 == pytest.approx(0.0000013316568 * GY_M2)
    assert oec.fluoro_air_kerma_mgy == pytest.approx(0.00022034578 * GY)
    assert (oec.acquisition_dap_gy_cm2, oec.acquisition_air_kerma_mgy) == (0, 0)
    zee = read(samples, "RF-RDSR-Siemens-Zee.dcm")  # DAP in "Gym2"
    assert zee.planes[0].dap_gy_cm2 == pytest.approx(0.000016 * GY_M2)
    assert zee.planes[0].air_kerma_mgy == pytest.approx(0.00252 * GY)
    assert len(zee.events) == 8 and len(zee.planes) == 1
    assert zee.patient_name == "آدم كوري"  # Arabic script, as sent


def test_the_azurion_gives_the_radiation_entry_in_cathlogs_units(samples):
    report = read(samples, "RF-RDSR-Philips_Azurion.dcm")
    data = entry_data(report)
    assert (data["fluoro_time_s"], data["air_kerma_mgy"], data["dap_gy_cm2"]) == (568, 548.4, 24.7409)
    assert (data["device_manufacturer"], data["device_model"], data["device_observer"]) == \
        ("Philips", "Azurion", "Azurion71")
    assert (data["fluoro_dap_gy_cm2"], data["acquisition_dap_gy_cm2"]) == (10.1567, 14.5842)
    assert len(report.events) == 89


_CONTAINER = re.compile(r'^(\s*)<contains CONTAINER:\(113702,DCM,')
_NUM = re.compile(r'^\s*<contains NUM:\((\d+),DCM,"[^"]*"\)="([^"]*)" \(([^,]+),')
_FIELDS = {"113722": "dap_total_gy_cm2", "113725": "air_kerma_total_mgy", "113726": "fluoro_dap_gy_cm2",
           "113728": "fluoro_air_kerma_mgy", "113730": "fluoro_time_s", "113727": "acquisition_dap_gy_cm2",
           "113729": "acquisition_air_kerma_mgy", "113855": "acquisition_time_s"}
_FACTORS = {"Gy.m2": GY_M2, "Gym2": GY_M2, "Gy": GY, "s": 1.0}


def dsrdump_totals(path) -> list[dict[str, float]]:
    """The accumulated totals of each 113702 container as dcmtk prints them, in cathlog's units."""
    out = subprocess.run([dcmtk("dsrdump"), "-Er", "-Ev", "-Ec", "-Ee", "-Ei", "+Pc", str(path)],
                         capture_output=True, timeout=60, check=True).stdout.decode("latin-1")
    planes: list[dict[str, float]] = []
    depth = None
    for line in out.splitlines():
        start = _CONTAINER.match(line)
        if start:
            depth = len(start.group(1))
            planes.append({})
            continue
        if depth is not None and line.strip() and len(line) - len(line.lstrip()) <= depth:
            depth = None
        m = _NUM.match(line) if depth is not None else None
        if m and m.group(1) in _FIELDS and m.group(2) != "":
            planes[-1].setdefault(_FIELDS[m.group(1)], float(m.group(2)) * _FACTORS[m.group(3)])
    return planes


@pytest.mark.parametrize("name", RF_FILES)
def test_the_reader_agrees_with_dsrdump(samples, name):
    expected = dsrdump_totals(samples / name)
    report = read(samples, name)
    assert len(report.planes) == len(expected) >= 1
    for plane, want in zip(report.planes, expected):
        got = {k: getattr(plane, k) for k in _FIELDS.values() if getattr(plane, k) is not None}
        assert got.keys() == want.keys(), name
        for key, value in want.items():
            assert got[key] == pytest.approx(value, rel=1e-9), (name, key)


@pytest.mark.parametrize("prefix, reason", [("CT-RDSR-", "a CT dose report"), ("MG-RDSR-", "a mammography dose report")])
def test_other_modalities_under_the_same_sop_class_are_refused_by_name(samples, prefix, reason):
    files = sorted(samples.glob(prefix + "*.dcm"))
    assert files
    for path in files:
        with pytest.raises(DoseReportRefused, match=reason):
            read_bytes(path.read_bytes())


def test_an_image_is_not_a_dose_report(samples):
    with pytest.raises(DoseReportRefused, match="not an X-ray radiation dose report"):
        read_bytes((samples / "DX-Im-GE_XR220-1.dcm").read_bytes())
