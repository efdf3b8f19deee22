"""Faults as the nurse sees them: a full disk keeps the input for a retry; a
too-long MRN is refused, not cut; a bug shows a dialog and loses nothing."""

import sys

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from cathlog.domain.enums import EventKind
from cathlog.ui import crash
from cathlog.ui.main_window import MainWindow
from cathlog.ui.new_case import NewCaseDialog
from tests.helpers import open_case


def _live(qtbot, tmp_path, services, nurse):
    proc = open_case(services, nurse)
    win = MainWindow(services, nurse, "t", settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.open_case(proc.procedure_id)
    return win, proc


def test_disk_full_keeps_the_entry_for_a_retry(qtbot, tmp_path, services, nurse):
    win, proc = _live(qtbot, tmp_path, services, nurse)
    live = win.live
    conn = services.store.db.conn
    conn.execute("VACUUM")  # no free pages left (migration 0008 rebuilds a table): the next insert must grow the file
    conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
    live.new_entry(EventKind.NOTE)
    text = "x" * 3900
    live.form.inputs["text"].editor.setPlainText(text)
    live.form.submit()
    assert "disk is full" in live.form.messages.text() and "Not saved" in live.form.messages.text()
    assert live.form.inputs["text"].editor.toPlainText() == text and live.form.kind is EventKind.NOTE
    conn.execute("PRAGMA max_page_count = 1073741823")
    saved = []
    live.entry_saved.connect(saved.append)
    live.form.submit()
    assert saved and services.cases.get_record(nurse, proc.procedure_id).events[-1].current.data["text"] == text


def test_too_long_mrn_is_refused_not_cut(qtbot, services, nurse):
    dialog = NewCaseDialog(services, nurse)
    qtbot.addWidget(dialog)
    dialog.mrn.setText("123456789012345678901")  # 21 characters, as pasted
    dialog.patient_inputs["family_name"].editor.setText("Doe")
    dialog.patient_inputs["birth_date"].editor.setText("1950-01-01")
    dialog.patient_inputs["sex"].set_value("female")
    dialog.operator.setText("Dr. A. Patel")
    dialog.submit()
    assert "MRN is 21 characters long; at most 20 allowed" in dialog.messages.text()
    assert dialog.mrn.text() == "123456789012345678901"


def test_crash_handler_logs_shows_and_keeps_the_form(qtbot, tmp_path, services, nurse, monkeypatch):
    win, _ = _live(qtbot, tmp_path, services, nurse)
    win.live.new_entry(EventKind.ACT)
    win.live.form.inputs["act_s"].editor.setText("265")
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: shown.append(a[2]))
    import io

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    handler = crash.make_handler(tmp_path / "logs" / "gui.log")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        handler(*sys.exc_info())
    assert "RuntimeError: boom" in (tmp_path / "logs" / "gui.log").read_text()
    assert shown and "still in the form" in shown[0]
    assert win.live.form.inputs["act_s"].editor.text() == "265"
