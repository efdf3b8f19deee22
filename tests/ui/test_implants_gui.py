"""Implants logged through the live log (issue 11 items 1, 13): a stent from the
catalog or a scan is stored implanted, a contradicting state asks, the patient
sheet lists the stent with lot and serial, and a later case retrieves a filter."""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from cathlog.domain.enums import EventKind
from cathlog.ui.review import ReviewDialog
from tests.helpers import TEAM
from tests.ui.test_live_log import _fill, _new_case, _save, window  # noqa: F401 - window is a fixture


def _gtin(body13: str) -> str:
    """A GTIN-14 with its check digit (GS1 mod 10)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body13)))
    return body13 + str((10 - total % 10) % 10)


GTIN_NITINOL = _gtin("0880963099990")  # not in the catalog: the nurse chooses the kind


def _pdf_text(path) -> str:
    return "".join(p.extract_text() for p in PdfReader(str(path)).pages).replace("\n", "")


def test_a_case_logged_through_the_gui_prints_the_stent_on_the_implant_card(qtbot, window, services, nurse,
                                                                             physician, tmp_path):
    pid = _new_case(qtbot, services, nurse, "IMP-1", "peripheral_arterial", {"stenting"}, "clti")
    window.open_case(pid)
    live = window.live

    # a stent picked from the catalog is stored implanted, not "used"
    live.new_entry(EventKind.DEVICE)
    form = live.form
    form.catalog_model.setCurrentIndex(form.catalog_model.findData("supera"))
    assert form.inputs["device_type"].value() == "nitinol_stent"
    assert form.inputs["state"].value() == "implanted"
    form.catalog_size.setCurrentIndex(1)
    form.catalog_size.activated.emit(form.catalog_size.currentIndex())
    assert form.inputs["state"].value() == "implanted"
    _fill(qtbot, live, {"lot": "SUP-LOT-42", "serial": "SUP-SN-7"})
    stent = _save(qtbot, live)
    assert stent.data["state"] == "implanted" and stent.data["serial"] == "SUP-SN-7"
    assert live.model.data(live.model.index(0, 2)).startswith("▣ IMPLANT: ")

    # a scanned nitinol stent not in the catalog: once the nurse says what it is, it is an implant
    live.scan.insert(f"01{GTIN_NITINOL}17280331" + "10NIT-LOT\x1d21NIT-SN")
    qtbot.keyClick(live.scan, Qt.Key.Key_Return)
    form = live.form
    assert form.kind is EventKind.DEVICE and form.inputs["state"].value() is None
    _fill(qtbot, live, {"device_type": "nitinol_stent"})
    assert form.inputs["state"].value() == "implanted"
    # the nurse says "used": that contradicts the kind, so she is asked
    _fill(qtbot, live, {"state": "used"})
    _fill(qtbot, live, {"device_type": "covered_stent"})  # her choice stays when the kind changes
    assert form.inputs["state"].value() == "used"
    _fill(qtbot, live, {"device_type": "nitinol_stent"})
    qtbot.keyClick(form.save_button, Qt.Key.Key_Return)
    assert form.isVisible() and "is an implant" in form.messages.text()
    assert "Confirm and save" in form.save_button.text()
    _fill(qtbot, live, {"state": "implanted"})
    scanned = _save(qtbot, live)
    assert scanned.data["state"] == "implanted" and scanned.data["lot"] == "NIT-LOT"

    dialog = ReviewDialog(services, physician, pid)
    qtbot.addWidget(dialog)
    paths = dialog.save_pdfs(str(tmp_path))
    card = _pdf_text(next(p for p in paths if p.name.endswith("patient.pdf")))
    assert "No device was left in your body" not in card
    for word in ("Supera", "SUP-LOT-42", "SUP-SN-7", "NIT-LOT", "NIT-SN", "2028-03-31"):
        assert word in card, word
    summary = _pdf_text(next(p for p in paths if p.name.endswith("summary.pdf")))
    assert "Implants (left in the patient)" in summary and "SUP-SN-7" in summary


@pytest.mark.parametrize("state, window_open", [("retrieved", False), ("retrieval_failed", True)])
def test_a_later_case_retrieves_the_filter_chosen_from_the_patients_implants(qtbot, window, services, nurse,
                                                                             physician, clock, state, window_open):
    pid = _new_case(qtbot, services, nurse, "IVC-9", "venous", {"ivc_filter_placement"}, "pe_prophylaxis")
    window.open_case(pid)
    live = window.live
    live.new_entry(EventKind.DEVICE)
    form = live.form
    form.catalog_model.setCurrentIndex(form.catalog_model.findData("gunther-tulip"))
    assert form.inputs["state"].value() == "implanted"
    _fill(qtbot, live, {"lot": "GT-1", "serial": "GT-SN-1"})
    placed = _save(qtbot, live)
    services.cases.close_case(nurse, pid)

    clock.advance(days=35)
    patient_id = services.cases.get_record(nurse, pid).patient.patient_id
    later = services.cases.open_case(nurse, patient_id, {"category": "venous", "planned": ["ivc_filter_retrieval"],
                                                         "indication": "pe_prophylaxis", "urgency": "elective"},
                                     team=TEAM).procedure_id
    window.open_case(later)
    live.new_entry(EventKind.DEVICE)
    form = live.form
    combo = form.inputs["removes_event_id"].editor
    index = combo.findData(placed.event_id)
    assert index > 0 and "GT-SN-1" in combo.itemText(index)
    combo.setCurrentIndex(index)
    _fill(qtbot, live, {"device_type": "ivc_filter_retrievable", "state": state})
    removal = _save(qtbot, live)
    assert removal.data["removes_event_id"] == placed.event_id
    assert live.model.data(live.model.index(0, 2)).startswith("▣ IMPLANT ")

    windows = [r for r in services.review.worklist(physician, "2100-01-01") if r.rule_id == "R3"]
    assert bool(windows) is window_open
    if window_open:
        assert all("failed; the filter is still in place" in r.text for r in windows)


def test_scanning_the_patients_filter_in_a_later_case_records_its_removal(qtbot, window, services, nurse, clock):
    from tests.helpers import make_patient

    venous = {"category": "venous", "planned": ["ivc_filter_placement"], "indication": "pe_prophylaxis",
              "urgency": "elective"}
    first = services.cases.start_case(nurse, make_patient("IVC-5"), venous, team=TEAM)
    placed = services.cases.record_event(nurse, first.procedure_id, "device", {
        "device_type": "ivc_filter_retrievable", "state": "implanted", "gtin": "08809630000839", "lot": "GT-7",
        "serial": "GT-SN-7", "udi": "(01)08809630000839(17)280331(10)GT-7(21)GT-SN-7"})
    clock.advance(days=40)
    later = services.cases.start_case(nurse, make_patient("IVC-5"), {**venous, "planned": ["ivc_filter_retrieval"]},
                                      team=TEAM)
    window.open_case(later.procedure_id)
    live = window.live
    live.scan.insert("0108809630000839172803311" + "0GT-7\x1d21GT-SN-7")
    qtbot.keyClick(live.scan, Qt.Key.Key_Return)
    form = live.form
    assert form.inputs["removes_event_id"].value() == placed.event_id
    assert form.inputs["state"].value() == "retrieved" and "recorded as removed" in live.message.text()
    removal = _save(qtbot, live)
    assert removal.data["removes_event_id"] == placed.event_id
    assert services.implants.in_place(nurse, first.patient_id) == ()
