"""A save refreshes only what it changes (issue 18 item 2): the timeline adds or updates its one row and
only the panels that read the saved kind are refreshed. What the page then shows must be exactly what a
page showing the same case afresh shows, after every kind of entry, a correction and a void."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog

from cathlog.catalog import load_catalog
from cathlog.domain.enums import EventKind
from cathlog.ui.live_log import LiveLogPage
from tests.helpers import open_case

ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.BackgroundRole,
         Qt.ItemDataRole.ForegroundRole)
HEPARIN = {"drug": "heparin", "dose": 5000.0, "dose_unit": "units", "route": "iv"}
BALLOON = {"device_type": "balloon", "state": "used", "manufacturer": "Boston Scientific", "model": "Emerge"}


def _shown(page: LiveLogPage) -> dict:
    """Everything the page shows that comes from the case."""
    model = page.model
    rows = []
    for row in range(model.rowCount()):
        cells = []
        for column in range(model.columnCount()):
            index = model.index(row, column)
            font = model.data(index, Qt.ItemDataRole.FontRole)
            cells.append(tuple(str(model.data(index, role)) for role in ROLES)
                         + (None if font is None else font.key(),))
        rows.append(tuple(cells))
    panels = {}
    for name in ("act_panel", "drug_panel", "contrast_panel", "radiation_panel", "timer_panel"):
        panel = getattr(page, name)
        panels[name] = (panel.value.text(), panel.aside.text(), panel.status.text(), panel.toolTip(),
                        panel.property("level"))
    timer = page.timer_panel
    return {"rows": rows, "panels": panels, "act_trend": (page.act_panel.trend.text(), page.act_panel.trend.toolTip()),
            "timer": ([timer.device.itemText(i) for i in range(timer.device.count())],
                      [timer.device.itemData(i) for i in range(timer.device.count())], timer.button.isEnabled()),
            "header": page.header.text(), "clock": (page.clock_warning.isVisibleTo(page), page.clock_warning.text()),
            "banner": page.allergy_banner.text(),
            "buttons": [b.isEnabled() for b in (*page.quick_buttons.values(), *page.entry_buttons, page.close_button)]}


@pytest.fixture
def pages(qtbot, services, nurse):
    catalog = load_catalog()

    def fresh(procedure_id: str) -> LiveLogPage:
        page = LiveLogPage(services, nurse, catalog)
        qtbot.addWidget(page)
        page.show_case(procedure_id)
        return page

    return fresh


def _same_as_fresh(page: LiveLogPage, pages) -> None:
    assert page.record is not None
    fresh = pages(page.record.procedure.procedure_id)
    assert _shown(page) == _shown(fresh)
    assert page.record.events == fresh.record.events


def test_every_kind_recorded_through_the_form_shows_what_a_fresh_page_shows(qtbot, services, nurse, clock, pages):
    pid = open_case(services, nurse).procedure_id
    page = pages(pid)
    saved = []
    page.entry_saved.connect(saved.append)
    for kind, fields in ((EventKind.MEDICATION, {"dose": "5000"}), (EventKind.ACT, {"act_s": "210"}),
                         (EventKind.ACT, {"act_s": "270"}), (EventKind.NOTE, {"text": "sheath in"})):
        clock.advance(minutes=3)
        page.new_entry(kind)
        if kind is EventKind.MEDICATION:
            drug = page.form.inputs["drug"].editor
            drug.setCurrentIndex(drug.findData("heparin"))
        for name, text in fields.items():
            editor = page.form.inputs[name].editor
            if hasattr(editor, "setPlainText"):
                editor.setPlainText(text)
            else:
                editor.setText(text)
        page.form.submit()
        if page.form.save_button.text().startswith("Confirm"):
            page.form.submit()
        assert saved and saved[-1].kind is kind, page.form.messages.text()
        _same_as_fresh(page, pages)


def test_entries_of_every_panel_a_correction_and_a_void_show_what_a_fresh_page_shows(
        qtbot, services, nurse, clock, pages, monkeypatch):
    pid = open_case(services, nurse).procedure_id
    page = pages(pid)
    cases = services.cases

    def store(ev):
        page.entry_stored(ev)
        _same_as_fresh(page, pages)
        return ev

    clock.advance(minutes=2)
    store(cases.record_event(nurse, pid, "medication", HEPARIN, confirm=True))
    act = store(cases.record_event(nurse, pid, "act", {"act_s": 230}))
    # an ACT charted late, drawn before the one above: the ACT panel judges only the new reading, and its
    # line goes before the other's in the trend (tests/ui/test_act_trend_lines.py has the cases of the memo)
    store(cases.record_event(nurse, pid, "act", {"act_s": 190}, occurred_at=clock() - timedelta(minutes=1)))
    store(cases.record_event(nurse, pid, "contrast", {"agent": "iohexol", "volume_ml": 40.0}, confirm=True))
    store(cases.record_event(nurse, pid, "radiation", {"fluoro_time_s": 400, "air_kerma_mgy": 300.0}))
    balloon = store(cases.record_event(nurse, pid, "device", BALLOON))
    store(cases.record_event(nurse, pid, "inflation", {"device_event_id": balloon.event_id, "pressure_atm": 8,
                                                       "duration_s": 30}))
    # back-dated: its row goes between the others, not at the end
    store(cases.record_event(nurse, pid, "note", {"text": "consent checked"},
                             occurred_at=clock() - timedelta(minutes=1)))
    clock.advance(minutes=5)
    # a GP IIb/IIIa inhibitor charted late, given before the ACT was drawn: that reading's band changes
    store(cases.record_event(nurse, pid, "medication", {"drug": "eptifibatide", "dose": 15.0, "dose_unit": "mg",
                                                        "route": "iv"}, confirm=True,
                             occurred_at=clock() - timedelta(minutes=6)))  # the ACT: 5 min ago
    assert "(200-250)" in page.act_panel.trend.text()
    # a correction renames the balloon the inflation's row names; another changes the ACT's value
    store(cases.correct_event(nurse, balloon.event_id, {**BALLOON, "model": "NC Emerge"}, "wrong model"))
    store(cases.correct_event(nurse, act.event_id, {"act_s": 330}, "misread"))
    # the void goes through the page, as the nurse does it
    page.timeline.selectRow(page.model.row_of(act.event_id))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("wrong patient's sample", True))
    page.void_selected()
    assert page.model.row_object(page.model.row_of(act.event_id)).current.voided
    _same_as_fresh(page, pages)


def test_a_save_after_another_workstation_stored_reads_the_case_whole(qtbot, services, nurse, pages):
    pid = open_case(services, nurse).procedure_id
    page = pages(pid)
    services.cases.record_event(nurse, pid, "act", {"act_s": 240})  # not shown: another workstation
    page.entry_stored(services.cases.record_event(nurse, pid, "contrast", {"agent": "iohexol", "volume_ml": 20.0},
                                                  confirm=True))
    assert page.model.rowCount() == 2
    _same_as_fresh(page, pages)


def test_a_save_hands_the_focus_straight_to_the_timeline(qtbot, services, nurse, pages):
    """The closing form gives the focus to the timeline itself, before Qt would pass it along the tab
    chain to a button of the page (drawn twice in the save's frame, issue 18 item 2)."""
    page = pages(open_case(services, nurse).procedure_id)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    page.new_entry(EventKind.NOTE)
    editor = page.form.inputs["text"].editor
    editor.setPlainText("sheath in")
    editor.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editor)
    moves = []
    QApplication.instance().focusChanged.connect(lambda _old, new: moves.append(new))
    page.form.submit()
    assert moves == [page.timeline]
    page.new_entry(EventKind.NOTE)
    page.form.inputs["text"].editor.setFocus()
    qtbot.waitUntil(lambda: page.form.isAncestorOf(QApplication.focusWidget()))
    moves.clear()
    page.form.cancel()  # Esc, Cancel
    assert moves == [page.timeline]
