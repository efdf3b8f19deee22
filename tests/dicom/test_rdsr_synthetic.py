"""Edge cases no vendor file in reach shows, in committed synthetic reports (tests/data/rdsr, made by
tests/dicom/rdsr_maker.py with pydicom): biplane, other units, missing totals and units, CT."""

from __future__ import annotations

import pytest

from cathlog.dicom.rdsr import read_bytes
from cathlog.domain.dose import DoseReportRefused
from cathlog.rules.dose import differences, entry_data
from tests.dicom import rdsr_maker as mk


def read(name):
    return read_bytes((mk.DATA / name).read_bytes())


@pytest.mark.parametrize("name", sorted(mk.edge_cases()))
def test_the_committed_files_are_what_the_maker_makes(name):
    assert (mk.DATA / name).read_bytes() == mk.to_bytes(mk.edge_cases()[name])


def test_biplane_adds_dap_and_kerma_and_takes_the_longer_fluoro_time():
    report = read("biplane.dcm")
    assert [p.plane for p in report.planes] == ["A", "B"]
    assert [e.plane for e in report.events] == ["A", "B"] and report.events[0].kind == "fluoroscopy"
    data = entry_data(report)
    assert (data["dap_gy_cm2"], data["air_kerma_mgy"], data["fluoro_time_s"], data["planes"]) == (45.0, 1300.0, 600, 2)
    assert (data["dap_plane_a_gy_cm2"], data["dap_plane_b_gy_cm2"]) == (30.0, 15.0)


def test_gym2_and_totals_made_of_their_parts():
    data = entry_data(read("gym2_no_totals.dcm"))
    assert data["dap_gy_cm2"] == 0.2 and data["air_kerma_mgy"] == 3.5  # fluoro + acquisition, both given
    assert "fluoro_time_s" not in data  # not given: left out, never estimated


def test_other_units_are_converted_as_stated():
    data = entry_data(read("other_units.dcm"))
    assert (data["dap_gy_cm2"], data["air_kerma_mgy"], data["fluoro_time_s"]) == (12.34, 456.7, 570)


def test_values_without_a_known_unit_are_left_out_with_a_note():
    report = read("missing_units_and_values.dcm")
    data = entry_data(report)
    assert not {"dap_gy_cm2", "air_kerma_mgy", "fluoro_time_s"} & data.keys()
    assert any("unit 'furlong' not understood" in n for n in report.notes)
    assert any("unit None not understood" in n for n in report.notes)


def test_a_ct_report_under_the_xray_sop_class_is_refused_by_name():
    with pytest.raises(DoseReportRefused, match="a CT dose report"):
        read("ct_under_xray_class.dcm")


@pytest.mark.parametrize("data, refused", [
    (b"", "not a readable DICOM file"), (b"hello, I am not DICOM" * 10, "not a readable DICOM file"),
])
def test_garbage_is_refused(data, refused):
    with pytest.raises(DoseReportRefused, match=refused):
        read_bytes(data)


def test_another_sr_is_refused():
    ds = mk.make()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.33"  # Comprehensive SR
    with pytest.raises(DoseReportRefused, match="not an X-ray radiation dose report"):
        read_bytes(mk.to_bytes(ds))


def test_no_accumulated_data_is_refused():
    with pytest.raises(DoseReportRefused, match="no accumulated X-ray dose data"):
        read_bytes(mk.to_bytes(mk.make(planes=[])))


@pytest.mark.parametrize("typed, shown", [
    ({"dap_gy_cm2": 10.9, "air_kerma_mgy": 210.0, "fluoro_time_s": 305}, []),  # 12 vs 10.9: 9.2 % apart
    ({"dap_gy_cm2": 10.7}, ["DAP"]),
    ({"dap_gy_cm2": 10.8}, []),  # exactly 10 %: not more than 10 %
    ({"fluoro_time_s": 0}, ["Fluoro time"]),
    ({}, []),
])
def test_differences_over_ten_percent(typed, shown):
    reported = {"dap_gy_cm2": 12.0, "air_kerma_mgy": 210.0, "fluoro_time_s": 305}
    assert [d.label for d in differences(typed, reported)] == shown
