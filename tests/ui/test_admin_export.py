"""Export dialogs (issue 12 item 12): date pickers with optional bounds, the file dialog in
the user's documents folder, and the count of what will be written shown before writing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QFileDialog

from cathlog.ui.admin import AuditDialog, ExportDialog
from cathlog.ui.admin_base import local_day_start_utc


def _started_days(services, admin):
    return sorted(r.procedure.started_at for r in services.exchange.iter_records(admin))


def test_dates_are_picked_from_a_calendar_and_each_bound_is_optional(qtbot, services, admin):
    services.demo.load(admin, 6, seed=4)
    dialog = ExportDialog(services, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for bound in (dialog.since, dialog.until):
        assert bound.edit.calendarPopup() and bound.edit.displayFormat() == "yyyy-MM-dd"
        assert not bound.check.isChecked() and not bound.edit.isEnabled()  # open-ended until ticked
    assert dialog.count_line.text() == "6 cases will be written."
    assert dialog.filters()["since"] is None and dialog.filters()["until"] is None
    qtbot.mouseClick(dialog.since.check, Qt.MouseButton.LeftButton)
    assert dialog.since.edit.isEnabled()
    started = _started_days(services, admin)
    latest = date.fromisoformat(started[-1][:10]) + timedelta(days=2)
    dialog.since.edit.setDate(QDate(latest.year, latest.month, latest.day))
    qtbot.waitUntil(lambda: dialog.count_line.text().startswith("No case matches"), timeout=3000)
    assert not dialog.export_button.isEnabled() and "No case matches" in dialog.export_button.toolTip()
    assert dialog.filters()["since"] == local_day_start_utc(latest)


def test_the_to_day_is_included_and_a_reversed_range_is_refused(qtbot, services, admin):
    services.demo.load(admin, 6, seed=4)
    dialog = ExportDialog(services, admin)
    qtbot.addWidget(dialog)
    first = date.fromisoformat(_started_days(services, admin)[0][:10])
    dialog.until.set_value(first - timedelta(days=3))
    qtbot.waitUntil(lambda: dialog.count == 0, timeout=3000)
    dialog.since.set_value(first)
    qtbot.waitUntil(lambda: "before the start date" in dialog.count_line.text(), timeout=3000)
    assert not dialog.export_button.isEnabled()
    dialog.until.set_value(date.today() + timedelta(days=1))
    qtbot.waitUntil(lambda: dialog.count == 6, timeout=3000)
    assert dialog.filters()["until"] == local_day_start_utc(date.today() + timedelta(days=2))


def test_the_count_follows_every_filter_and_equals_what_is_written(qtbot, services, admin, tmp_path):
    services.demo.load(admin, 6, seed=4)
    dialog = ExportDialog(services, admin)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.counted, timeout=3000) as counted:
        qtbot.keyClicks(dialog.operator, "no such operator")
    assert counted.args == [0] and dialog.count_line.text().startswith("No case matches")
    dialog.operator.clear()
    qtbot.waitUntil(lambda: dialog.count == 6, timeout=3000)
    statuses = [r.procedure.status.value for r in services.exchange.iter_records(admin)]
    status = max(set(statuses), key=statuses.count)  # the commonest, so fewer than all unless all share it
    dialog.status.setCurrentIndex(dialog.status.findData(status))
    qtbot.waitUntil(lambda: dialog.count == statuses.count(status), timeout=3000)
    assert dialog.count_line.text().startswith(f"{statuses.count(status)} case")
    dialog.format.setCurrentIndex(dialog.format.findData("json"))
    out = dialog.export(str(tmp_path / "chosen.json"))
    assert len(json.loads(out.read_text())["procedures"]) == statuses.count(status)


def test_the_file_dialog_opens_in_the_documents_folder_titled_with_the_count(qtbot, services, admin,
                                                                             monkeypatch, tmp_path):
    from PySide6.QtCore import QStandardPaths

    services.demo.load(admin, 2, seed=4)
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda parent, title, start, *a: asked.append(
        (title, start)) or (str(tmp_path / "out.zip"), ""))
    dialog = ExportDialog(services, admin)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    ((title, start),) = asked
    assert title == "Export 2 cases to" and Path(start).parent == Path(documents)
    assert Path(start).name == "cathlog-export-all.zip" and (tmp_path / "out.zip").exists()
    audit = AuditDialog(services, admin)
    qtbot.addWidget(audit)
    audit.action.setText("export")
    asked.clear()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda parent, title, start, *a: asked.append(
        (title, start)) or (str(tmp_path / "audit.csv"), ""))
    audit.export()
    assert asked == [("Export 1 audit row(s) to", str(Path(documents) / "cathlog-audit.csv"))]


def test_the_audit_trail_is_filtered_by_local_days(qtbot, services, admin, clock):
    services.demo.load(admin, 1, seed=1)
    clock.advance(days=3)
    services.demo.load(admin, 1, seed=2)
    dialog = AuditDialog(services, admin)
    qtbot.addWidget(dialog)
    total = dialog.table.rowCount()
    today = clock.now.astimezone().date()
    dialog.since.set_value(today)
    dialog.reload()
    recent = dialog.table.rowCount()
    assert 0 < recent < total
    dialog.since.set_value(None)
    dialog.until.set_value(today - timedelta(days=1))
    dialog.reload()
    assert dialog.table.rowCount() == total - recent
    dialog.since.set_value(today)
    dialog.reload()
    assert "before the start date" in dialog.message.text()


def test_the_mouse_wheel_changes_a_date_only_once_it_has_focus(qtbot, services, admin):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    dialog = ExportDialog(services, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.since.set_value(date(2026, 11, 10))
    edit = dialog.since.edit
    dialog.operator.setFocus()

    def wheel():
        centre = QPointF(edit.rect().center())
        QApplication.sendEvent(edit, QWheelEvent(centre, QPointF(edit.mapToGlobal(centre.toPoint())), QPoint(),
                                                 QPoint(0, 120), Qt.MouseButton.NoButton,
                                                 Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                                                 False))

    wheel()
    assert dialog.since.value() == date(2026, 11, 10)
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=2000)
    wheel()
    assert dialog.since.value() != date(2026, 11, 10)


def test_the_export_dialog_is_compact_and_closes_by_button_or_escape(qtbot, services, admin):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QDialog

    services.demo.load(admin, 2, seed=4)
    QSettings().remove("window/ExportDialog")  # a first opening, at the dialog's own size
    dialog = ExportDialog(services, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    # no empty half-window: the dialog is about as tall as its rows, the buttons at its foot
    assert dialog.height() <= dialog.layout().sizeHint().height() + 40
    close, export = dialog.close_button, dialog.export_button
    assert close.text() == "Close" and export.isEnabled()
    assert close.geometry().top() == export.geometry().top() and close.geometry().left() > export.geometry().left()
    assert dialog.height() - close.geometry().bottom() < 40
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected

    again = ExportDialog(services, admin)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    again.operator.setFocus()
    qtbot.keyClicks(again.operator, "Patel")
    qtbot.keyClick(again.operator, Qt.Key.Key_Escape)
    assert not again.isVisible() and again.result() == QDialog.DialogCode.Rejected
