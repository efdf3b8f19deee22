"""Issue 12 items 4-8 on the live log page: it fits a 1366x768 laptop screen with
every entry form open, the device form never scrolls sideways, keys for close,
reopen and back, a half-typed entry is never dropped without asking, the
timeline wraps and marks complications and implants, panels read from 2 m."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from cathlog.domain.enums import EventKind, ProcedureStatus
from cathlog.ui import entry_drafts, theme
from cathlog.ui.fields import FieldBlock
from cathlog.ui.main_window import MainWindow
from tests.helpers import open_case

SCREEN_W, SCREEN_H = 1366, 730  # a 1366x768 laptop less its task bar and title bar


@pytest.fixture(params=theme.THEMES)
def themed(request, qapp):
    theme.apply_theme(qapp, request.param)
    yield request.param
    theme.apply_theme(qapp, "light")


@pytest.fixture
def window(qtbot, services, nurse, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow(services, nurse, "test.db", settings=settings)
    qtbot.addWidget(win)
    win.resize(SCREEN_W, SCREEN_H)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=3000)
    return win


@pytest.fixture
def case(services, nurse):
    return open_case(services, nurse).procedure_id


def _in_window(widget: QWidget) -> bool:
    """Shown and wholly inside its window (nothing cut off at the screen's edge)."""
    win = widget.window()
    rect = QRect(widget.mapTo(win, widget.rect().topLeft()), widget.size())
    return widget.isVisible() and win.rect().contains(rect)


def _fully_in_view(widget: QWidget) -> bool:
    """Not hidden by a scroll area's edge: all of the widget is painted."""
    return widget.visibleRegion().boundingRect().size() == widget.size()


# --- item 6: it fits ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(EventKind))
def test_the_page_fits_a_laptop_screen_with_every_entry_form_open(qtbot, themed, window, services, nurse, case,
                                                                  kind):
    window.open_case(case)
    live = window.live
    services.cases.record_event(nurse, case, "device", {"device_type": "balloon", "state": "used",
                                                        "manufacturer": "Boston Scientific", "model": "Emerge"})
    live.reload()
    live.new_entry(kind) if kind not in (EventKind.INFLATION, EventKind.ATHERECTOMY) else live.form.start(
        live.record, kind)
    assert live.form.kind is kind
    chrome = window.menuBar().sizeHint().height() + window.banner.sizeHint().height() \
        + window.statusBar().sizeHint().height()
    hint = live.minimumSizeHint()
    assert hint.width() <= SCREEN_W and hint.height() + chrome <= SCREEN_H, (kind, hint, chrome)
    qtbot.waitUntil(lambda: live.form.save_button.isVisible())
    for widget in (live.form.save_button, live.form.heading, live.scan, live.correct_button, live.void_button,
                   live.close_button, live.back_button, *live.quick_buttons.values()):
        assert _in_window(widget), (kind, widget.accessibleName() or widget.objectName())
    # the form never scrolls sideways
    assert live.form.fields_scroll.horizontalScrollBar().maximum() == 0
    assert live.form.body.width() <= live.form.fields_scroll.viewport().width()


def test_the_device_form_has_labels_above_fields_in_groups_and_never_scrolls_sideways(qtbot, themed, window,
                                                                                      case):
    window.open_case(case)
    live = window.live
    live.split.setSizes([2000, 1, 1])  # the form column squeezed to its narrowest
    live.new_entry(EventKind.DEVICE)
    form = live.form
    qtbot.waitUntil(lambda: form.fields_scroll.viewport().width() > 0)
    assert form.width() <= 360
    assert form.fields_scroll.horizontalScrollBar().maximum() == 0
    assert form.body.minimumSizeHint().width() <= form.fields_scroll.viewport().width()
    titles = [label.text() for label in form.body.findChildren(type(form.heading), "GroupTitle")]
    assert titles == ["From the catalog", "The device", "From the label (scan it: Ctrl+B)", "Links"]
    for name in ("device_type", "lot", "serial", "udi", "diameter_mm"):
        block = form.blocks[name]
        assert block.label.buddy() is form.inputs[name].editor
        assert block.label.geometry().bottom() <= form.inputs[name].geometry().top()  # label above its field
    lot, serial = form.blocks["lot"], form.blocks["serial"]
    assert lot.parentWidget() is serial.parentWidget() and lot.y() == serial.y()  # two short fields to a row


def test_tabbing_through_the_device_form_keeps_each_label_in_view(qtbot, window, case):
    window.open_case(case)
    live = window.live
    live.new_entry(EventKind.DEVICE)
    form = live.form
    form.blocks["occurred_at"].label.buddy().setFocus()
    qtbot.waitUntil(lambda: form.time.hasFocus())
    seen = set()
    for _ in range(40):
        focus = QApplication.focusWidget()
        if focus is form.save_button or not form.body.isAncestorOf(focus):
            break
        block = focus
        while block is not None and not isinstance(block, FieldBlock):
            block = block.parentWidget()
        if block is not None:
            assert _fully_in_view(block.label), block.label.text()
            seen.add(block.label.text())
        qtbot.keyClick(focus, Qt.Key.Key_Tab)
    assert {"Lot", "Serial", "UDI", "Treats lesion"} <= seen


def test_a_refused_value_is_named_under_its_field(qtbot, window, case):
    window.open_case(case)
    live = window.live
    live.new_entry(EventKind.DEVICE)
    form = live.form
    form.inputs["device_type"].set_value("balloon")
    qtbot.keyClicks(form.inputs["diameter_mm"].editor, "2,5,5")
    qtbot.keyClick(form.save_button, Qt.Key.Key_Return)
    error = form.blocks["diameter_mm"].error
    assert error.isVisible() and "Diameter" in error.text() and "Not saved" in form.messages.text()
    assert form.inputs["diameter_mm"].editor.hasFocus() and _fully_in_view(form.blocks["diameter_mm"].label)
    form.inputs["diameter_mm"].editor.setText("99")  # readable, beyond the range: the services refuse it
    qtbot.keyClick(form.save_button, Qt.Key.Key_Return)
    assert error.isVisible() and "45" in error.text()
    assert form.inputs["diameter_mm"].editor.text() == "99"  # the typing is kept
    form.inputs["diameter_mm"].editor.setText("2.5")
    saved = []
    live.entry_saved.connect(saved.append)
    qtbot.keyClick(form.save_button, Qt.Key.Key_Return)
    assert saved and not error.isVisible()


# --- item 4: switching F-keys ------------------------------------------------------------------------------


def test_an_untouched_form_switches_without_a_question(qtbot, window, case, monkeypatch):
    monkeypatch.setattr(entry_drafts, "ask_discard", lambda *a: pytest.fail("nothing was typed"))
    window.open_case(case)
    live = window.live
    qtbot.keyClick(live.timeline, Qt.Key.Key_F2)
    qtbot.keyClick(live.form.inputs["drug"].editor, Qt.Key.Key_F3)
    assert live.form.kind is EventKind.ACT


@pytest.mark.parametrize("discard", [False, True])
def test_switching_f_keys_with_a_half_typed_entry_asks_first(qtbot, window, case, monkeypatch, discard):
    asked = []
    monkeypatch.setattr(entry_drafts, "ask_discard", lambda parent, typed, then: asked.append((typed, then))
                        or discard)
    window.open_case(case)
    live = window.live
    qtbot.keyClick(live.timeline, Qt.Key.Key_F2)
    live.form.inputs["dose"].editor.setFocus()
    qtbot.waitUntil(live.form.inputs["dose"].editor.hasFocus)
    qtbot.keyClicks(live.form.inputs["dose"].editor, "5000")
    qtbot.keyClick(live.form.inputs["dose"].editor, Qt.Key.Key_F3)
    assert asked == [("drug", "start a new act entry")]
    if discard:
        assert live.form.kind is EventKind.ACT and live.form.inputs["act_s"].editor.text() == ""
    else:  # Keep editing: the typing is where it was
        assert live.form.kind is EventKind.MEDICATION and live.form.inputs["dose"].editor.text() == "5000"
        assert live.form.inputs["dose"].editor.hasFocus()


def test_a_scan_over_a_half_typed_entry_asks_and_keeps_it(qtbot, window, case, monkeypatch):
    monkeypatch.setattr(entry_drafts, "ask_discard", lambda *a: False)
    window.open_case(case)
    live = window.live
    qtbot.keyClick(live.timeline, Qt.Key.Key_F10)
    qtbot.keyClicks(live.form.inputs["text"].editor, "sheath flushed")
    live.scan.setText("(01)08809630000389(17)290101(10)LOT1")
    live.scanned()
    assert live.form.kind is EventKind.NOTE and live.form.inputs["text"].editor.toPlainText() == "sheath flushed"
    assert "Scan not used" in live.message.text()


def test_a_scanned_device_not_yet_saved_is_not_dropped_silently(qtbot, window, case, monkeypatch):
    asked = []
    monkeypatch.setattr(entry_drafts, "ask_discard", lambda *a: asked.append(a[1:]) or False)
    window.open_case(case)
    live = window.live
    live.scan.setText("(01)08809630000389(17)290101(10)LOT1")
    live.scanned()
    assert live.form.kind is EventKind.DEVICE and live.form.inputs["lot"].value() == "LOT1"
    qtbot.keyClick(live.timeline, Qt.Key.Key_F3)
    assert asked == [("device", "start a new act entry")]
    assert live.form.kind is EventKind.DEVICE and live.form.inputs["lot"].value() == "LOT1"


def test_the_wheel_cannot_change_a_form_choice_nobody_focused(qtbot, window, case):
    window.open_case(case)
    live = window.live
    qtbot.keyClick(live.timeline, Qt.Key.Key_F9)
    severity = live.form.inputs["severity"].combo
    assert not severity.hasFocus() and severity.focusPolicy() == Qt.FocusPolicy.StrongFocus
    from tests.ui.test_theme import _wheel

    _wheel(severity)
    assert severity.currentData() is None  # still "— choose —"


# --- item 5: keys ------------------------------------------------------------------------------------------


def test_buttons_show_their_keys(window, case):
    window.open_case(case)
    live = window.live
    for button, key in ((live.close_button, "Ctrl+Shift+C"), (live.reopen_button, "Ctrl+Shift+O"),
                        (live.back_button, "Esc"), (live.correct_button, "Ctrl+E"), (live.void_button, "Ctrl+Del")):
        assert key in button.text() and key in button.toolTip()
    assert "Alt+Left" in live.back_button.toolTip()
    assert all(k in b.text() and k in b.toolTip() for k, b in live.quick_buttons.items())


def test_ctrl_shift_c_closes_and_ctrl_shift_o_reopens(qtbot, window, services, nurse, case, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    window.open_case(case)
    live = window.live
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("closure on the ward", True))
    qtbot.keyClick(live.timeline, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert services.cases.get_record(nurse, case).procedure.status is ProcedureStatus.CLOSED
    qtbot.keyClick(live.timeline, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert services.cases.get_record(nurse, case).procedure.status is ProcedureStatus.OPEN


def test_esc_closes_the_form_first_then_goes_back_to_the_cases(qtbot, window, case):
    window.open_case(case)
    live = window.live
    qtbot.keyClick(live.timeline, Qt.Key.Key_F3)
    qtbot.keyClick(live.form.inputs["act_s"].editor, Qt.Key.Key_Escape)
    assert not live.form.isVisible() and window.pages.currentWidget() is live
    qtbot.keyClick(live.timeline, Qt.Key.Key_Escape)
    assert window.pages.currentWidget() is window.cases


def test_alt_left_goes_back_but_asks_about_a_half_typed_entry(qtbot, window, case, monkeypatch):
    answers = [False, True]
    monkeypatch.setattr(entry_drafts, "ask_discard", lambda *a: answers.pop(0))
    window.open_case(case)
    live = window.live
    qtbot.keyClick(live.timeline, Qt.Key.Key_F3)
    qtbot.keyClicks(live.form.inputs["act_s"].editor, "2")
    qtbot.keyClick(live.form.inputs["act_s"].editor, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.pages.currentWidget() is live and live.form.inputs["act_s"].editor.text() == "2"
    qtbot.keyClick(live.form.inputs["act_s"].editor, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.pages.currentWidget() is window.cases and answers == []


# --- items 7 and 8: timeline and panels ----------------------------------------------------------------------


def test_long_details_wrap_instead_of_being_cut(qtbot, window, services, nurse, case):
    long_note = ("LAD stented, 0 % residual, TIMI 3; radial band applied at 14 ml, distal pulse present, "
                 "patient comfortable, family informed, haemostasis checked twice")
    services.cases.record_event(nurse, case, "note", {"text": "ok"})
    services.cases.record_event(nurse, case, "note", {"text": long_note})
    window.open_case(case)
    view = window.live.timeline
    def fitted() -> bool:  # each row as tall as its text at the column's present width
        return all(view.rowHeight(r) == max(view.sizeHintForRow(r), view.verticalHeader().sectionSizeHint(r))
                   for r in (0, 1))

    qtbot.waitUntil(lambda: fitted() and view.rowHeight(1) > view.rowHeight(0))  # two lines or more, not cut
    assert view.textElideMode() == Qt.TextElideMode.ElideNone and view.wordWrap()
    before = view.rowHeight(1)
    timeline, form, panels = window.live.split.sizes()  # the nurse widens the form's column: the long row grows
    window.live.split.setSizes([timeline - 200, form + 200, panels])
    qtbot.waitUntil(lambda: fitted() and view.rowHeight(1) > before)


def test_complications_and_implants_stand_out_by_icon_word_and_colour(qtbot, window, services, nurse, case):
    services.cases.record_event(nurse, case, "complication", {"complication": "bleeding", "severity": "mild"})
    services.cases.record_event(nurse, case, "device", {"device_type": "des", "state": "implanted",
                                                        "model": "Onyx", "serial": "RO-22-4471"})
    services.cases.record_event(nurse, case, "note", {"text": "plain"})
    window.open_case(case)
    model = window.live.model
    entry, details = model.index(0, 1), model.index(1, 2)
    assert model.data(entry) == "⚠ COMPLICATION"
    assert model.data(entry, Qt.ItemDataRole.ForegroundRole) == theme.colour("alert")
    assert model.data(entry, Qt.ItemDataRole.FontRole).bold()
    assert model.data(model.index(1, 1)).startswith("▣") and "serial RO-22-4471" in model.data(details)
    assert model.data(model.index(2, 1), Qt.ItemDataRole.ForegroundRole) is None


def test_a_correction_by_someone_else_names_them_and_does_not_make_the_entry_late(
        qtbot, window, services, nurse, physician, case, clock):
    ev = services.cases.record_event(nurse, case, "note", {"text": "a"})
    clock.advance(minutes=40)
    services.cases.correct_event(physician, ev.event_id, {"text": "b"}, "typo")
    window.open_case(case)
    assert window.live.model.data(window.live.model.index(0, 3)) == "nurse; corrected by doc"


def test_panel_state_lines_are_as_large_as_their_values_in_the_dim_theme(qtbot, qapp, window, services, nurse,
                                                                         case):
    theme.apply_theme(qapp, "dim")
    try:
        services.cases.record_event(nurse, case, "act", {"act_s": 180})
        window.open_case(case)
        live = window.live
        for panel in (live.act_panel, live.contrast_panel, live.radiation_panel, live.timer_panel):
            panel.ensurePolished()
            panel.status.ensurePolished()
            panel.value.ensurePolished()
            assert panel.status.font().pointSizeF() >= panel.value.font().pointSizeF(), panel.accessibleName()
        assert "BELOW TARGET" in live.act_panel.status.text()
    finally:
        theme.apply_theme(qapp, "light")


def test_the_act_trend_shows_the_latest_reading_in_full(qtbot, themed, window, services, nurse, case, clock):
    for act in (180, 200, 230, 260, 280, 300, 320, 342):
        services.cases.record_event(nurse, case, "act", {"act_s": act, "act_device": "hemotec"})
        clock.advance(minutes=15)
    window.open_case(case)
    trend = window.live.act_panel.trend
    lines = trend.text().splitlines()
    assert lines[0].startswith("… 3 earlier") and "342 s" in lines[-1] and len(lines) == 6
    assert "180 s" in trend.toolTip() and "342 s" in trend.toolTip()
    qtbot.waitUntil(lambda: _fully_in_view(trend))


def test_a_save_is_told_in_the_ok_colour_not_the_caution_one(qtbot, qapp, window, case):
    theme.apply_theme(qapp, "dim")
    try:
        window.open_case(case)
        live = window.live
        qtbot.keyClick(live.timeline, Qt.Key.Key_F3)
        qtbot.keyClicks(live.form.inputs["act_s"].editor, "260")
        qtbot.keyClick(live.form.save_button, Qt.Key.Key_Return)
        assert live.message.text().startswith("Saved act")
        colour = live.message.palette().color(QPalette.ColorRole.WindowText)
        assert colour == QColor(theme.PALETTES["dim"]["ok"]) != QColor(theme.PALETTES["dim"]["caution"])
    finally:
        theme.apply_theme(qapp, "light")
