"""Issue 14 item 13 through the live log's scan field: a HIBC label and a GS1 Digital Link
fill the device form; a misread HIBC barcode is refused in words, and nothing is stored."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt

from cathlog.domain.enums import EventKind
from cathlog.ui.main_window import MainWindow
from tests.helpers import open_case

HIBC_LABEL = "+H123PTCA25MM1/$$3291130LX2291/SSN00426"  # labeler H123, product PTCA25MM, expiry 2029-11-30


@pytest.fixture
def window(qtbot, services, nurse, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow(services, nurse, "test.db", settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def _scan(qtbot, live, text: str) -> None:
    qtbot.keyClicks(live.scan, text)
    qtbot.keyClick(live.scan, Qt.Key.Key_Return)


@pytest.mark.parametrize(("scan", "expected"), [
    (HIBC_LABEL, {"udi": HIBC_LABEL, "catalog_number": "PTCA25MM", "lot": "LX2291", "serial": "SN0042",
                  "expiry_date": "2029-11-30", "gtin": None}),
    ("https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=290131",
     {"udi": "(01)09506000134352(10)ABC123(21)XYZ(17)290131", "catalog_number": None, "lot": "ABC123",
      "serial": "XYZ", "expiry_date": "2029-01-31", "gtin": "09506000134352"}),
])
def test_a_scan_fills_the_device_form(qtbot, window, services, nurse, scan, expected):
    proc = open_case(services, nurse)
    window.open_case(proc.procedure_id)
    live = window.live
    _scan(qtbot, live, scan)
    form = live.form
    assert form.kind is EventKind.DEVICE, live.message.text()
    assert {name: form.inputs[name].value() or None for name in expected} == expected
    assert "Scan not read" not in live.message.text()


def test_the_hibc_scan_is_named_in_the_message_and_saved(qtbot, window, services, nurse):
    proc = open_case(services, nurse)
    window.open_case(proc.procedure_id)
    live = window.live
    _scan(qtbot, live, HIBC_LABEL)
    assert "HIBC H123 PTCA25MM" in live.message.text()
    live.form.inputs["device_type"].set_value("balloon")
    live.form.inputs["state"].set_value("used")
    saved: list = []
    live.entry_saved.connect(saved.append)
    qtbot.mouseClick(live.form.save_button, Qt.MouseButton.LeftButton)
    assert saved, live.form.messages.text()
    (device,) = services.cases.get_record(nurse, proc.procedure_id).current_events(EventKind.DEVICE)
    assert device.data["udi"] == HIBC_LABEL and device.data["catalog_number"] == "PTCA25MM"
    assert device.data["lot"] == "LX2291" and device.data["serial"] == "SN0042" and "gtin" not in device.data


def test_a_misread_hibc_barcode_is_refused_in_words(qtbot, window, services, nurse):
    proc = open_case(services, nurse)
    window.open_case(proc.procedure_id)
    live = window.live
    _scan(qtbot, live, HIBC_LABEL[:-1] + "Q")  # a wrong check character
    text = live.message.text()
    assert "Scan not read" in text and "HIBC" in text and "type the lot" in text
    assert live.form.kind is None
    assert not services.cases.get_record(nurse, proc.procedure_id).current_events(EventKind.DEVICE)
