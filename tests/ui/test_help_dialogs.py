"""Help → Keyboard reference and Help → About (issue 12 item 12). The reference is built from the
shortcuts registered in the window: every registered key must be described in cathlog.ui.shortcuts
(a key added without a description fails here)."""

from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence, QShortcut

from cathlog import __version__
from cathlog.ui import help_dialogs
from cathlog.ui.help_dialogs import AboutDialog, KeyboardReferenceDialog, registered_keys
from cathlog.ui.main_window import MainWindow


def _window(qtbot, tmp_path, services, actor):
    window = MainWindow(services, actor, str(tmp_path / "lab" / "cathlog.db"),
                        settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    return window


def test_every_registered_shortcut_is_described(qtbot, tmp_path, services, nurse):
    window = _window(qtbot, tmp_path, services, nurse)
    known, unknown = registered_keys(window)
    assert unknown == [], [f"{u.key} in {u.where}" for u in unknown]
    keys = {(u.key, u.where) for u in known}
    registered = {QKeySequence(s.key()).toString(QKeySequence.SequenceFormat.PortableText)
                  for s in window.findChildren(QShortcut)}
    assert registered <= {k for k, _ in keys}
    for key in [f"F{n}" for n in range(1, 11)] + ["Ctrl+E", "Ctrl+Del", "Ctrl+B"]:
        assert (key, "Live log") in keys, key
    for key in ("Ctrl+N", "Ctrl+R", "Ctrl+L", "Ctrl+Q"):
        assert (key, "Everywhere (menu)") in keys, key
    assert ("Ctrl+F", "Case list") in keys and ("Esc", "Entry form") in keys
    f3 = next(u for u in known if u.key == "F3")
    assert f3.does.startswith("Quick entry: ") and "ACT" in f3.does


def test_keyboard_reference_dialog_lists_them_in_a_table(qtbot, tmp_path, services, nurse):
    window = _window(qtbot, tmp_path, services, nurse)
    dialog = KeyboardReferenceDialog(window)
    qtbot.addWidget(dialog)
    rows = [tuple(dialog.table.item(r, c).text() for c in range(3)) for r in range(dialog.table.rowCount())]
    assert ("Ctrl+L", "Everywhere (menu)", "Account → Lock now") in rows
    live = [r[0] for r in rows if r[1] == "Live log"]
    assert live[:10] == [f"F{n}" for n in range(1, 11)]  # in number order
    assert dialog.height() <= 730


def test_an_undescribed_key_shows_up_as_such(qtbot, tmp_path, services, nurse):
    window = _window(qtbot, tmp_path, services, nurse)
    QShortcut(QKeySequence("Ctrl+Alt+J"), window.cases)
    _known, unknown = registered_keys(window)
    assert [(u.key, u.where, u.does) for u in unknown] == [("Ctrl+Alt+J", "Case list", "(not yet described)")]


def test_about_shows_version_database_and_licences(qtbot, tmp_path, services, admin):
    window = _window(qtbot, tmp_path, services, admin)
    about_action = next(a for a in window.menuBar().actions() if a.text() == "&Help").menu().actions()[1]
    assert about_action.text() == "&About cathlog…"
    dialog = AboutDialog(window.db_label, window)
    qtbot.addWidget(dialog)
    labels = " ".join(w.text() for w in dialog.findChildren(help_dialogs.QLabel))
    assert f"cathlog {__version__}" in labels and str(tmp_path / "lab" / "cathlog.db") in labels
    libraries = {dialog.libraries.item(r, 0).text(): dialog.libraries.item(r, 2).text()
                 for r in range(dialog.libraries.rowCount())}
    assert libraries["PySide6-Essentials"].startswith("LGPL-3.0") and libraries["sqlite-utils"] == "Apache-2.0"
    assert libraries["reportlab"] and libraries["argon2-cffi"] == "MIT"
    fonts = [dialog.bundled.item(r, 1).text() for r in range(dialog.bundled.rowCount())]
    assert "SIL Open Font License 1.1" in fonts and "Apache License 2.0" in fonts
    body = dialog.texts.toPlainText()
    assert "DejaVu" in body and "SIL OPEN FONT LICENSE" in body.upper() and "missing" not in body
    assert dialog.height() <= 730
