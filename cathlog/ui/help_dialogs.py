"""Help → About cathlog (version, database, libraries and bundled fonts with their licences) and
Help → Keyboard reference (every shortcut registered in the window, described from ``shortcuts``)."""

from __future__ import annotations

import platform
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QPlainTextEdit, \
    QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget

from cathlog import __version__
from cathlog.domain.describe import kind_title
from cathlog.resources import resource_path
from cathlog.ui import shortcuts
from cathlog.ui.shortcuts import KeyUse
from cathlog.ui.screen_fit import fit_window

LIBRARIES = ("PySide6-Essentials", "sqlite-utils", "reportlab", "argon2-cffi", "platformdirs", "jsonschema", "biip",
             "openpyxl", "fhir.resources")
# (what, licence, the licence file under resources/)
BUNDLED = (
    ("DejaVu Sans and DejaVu Sans Bold (report font)", "Bitstream Vera / DejaVu font licence (free)",
     "fonts/DejaVu-LICENSE.txt"),
    ("Droid Sans Fallback (Chinese and Japanese in reports)", "Apache License 2.0",
     "fonts/DroidSansFallback-LICENSE.txt"),
    ("Nanum Square (Korean in reports)", "SIL Open Font License 1.1", "fonts/Nanum-LICENSE.txt"),
    ("Common passwords list (refused as passwords)", "MIT License", "common-passwords-LICENSE.txt"),
)
# A QShortcut is described by the screen it belongs to: the class name of its nearest page.
WHERE = {"CaseListPage": "Case list", "LiveLogPage": "Live log", "EntryForm": "Entry form"}


def library_licence(name: str) -> tuple[str, str]:
    """(version, licence) of an installed library, from its own package metadata."""
    try:
        meta = metadata.metadata(name)
    except metadata.PackageNotFoundError:
        return "not installed", ""
    licence = str((meta.get_all("License-Expression") or [""])[0])
    if not licence:
        classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
        licence = ", ".join(classifiers)
    free_text = str((meta.get_all("License") or [""])[0]).strip()
    if not licence and free_text:
        licence = free_text.splitlines()[0]
    return meta["Version"], licence or "see the package's licence file"


class AboutDialog(QDialog):
    def __init__(self, db_path: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("About cathlog")
        layout = QVBoxLayout(self)
        title = QLabel(f"cathlog {__version__}")
        title.setObjectName("Title")
        layout.addWidget(title)
        facts = QLabel(f"A cath-lab procedure logger.<br>Database: <b>{_html(db_path) or '(none)'}</b><br>"
                       f"Python {platform.python_version()} · Qt {qVersion()} · PySide6 {pyside_version}")
        facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        facts.setWordWrap(True)
        facts.setAccessibleName("version and database")
        layout.addWidget(facts)
        tabs = QTabWidget()
        self.libraries = _table(["Library", "Version", "Licence"],
                                [(name, *library_licence(name)) for name in LIBRARIES])
        self.libraries.setAccessibleName("libraries and their licences")
        tabs.addTab(self.libraries, "Libraries")
        self.bundled = _table(["Bundled with cathlog", "Licence", "Licence file"],
                              [(what, licence, f"resources/{path}") for what, licence, path in BUNDLED])
        self.bundled.setAccessibleName("bundled fonts and data and their licences")
        tabs.addTab(self.bundled, "Fonts and data")
        self.texts = QPlainTextEdit()
        self.texts.setReadOnly(True)
        self.texts.setAccessibleName("licence texts")
        self.texts.setPlainText(licence_texts())
        tabs.addTab(self.texts, "Licence texts")
        layout.addWidget(tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setIcon(QIcon())
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        fit_window(self, "about", (820, 600))


def licence_texts() -> str:
    parts = []
    for what, _licence, path in BUNDLED:
        file = resource_path(path)
        text = file.read_text(encoding="utf-8", errors="replace") if file.exists() else "(the licence file is missing)"
        parts.append(f"===== {what}: resources/{path} =====\n\n{text.strip()}\n")
    return "\n\n".join(parts)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(headers: list[str], rows: list[tuple[str, ...]]) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    header = table.horizontalHeader()
    for c in range(len(headers) - 1):
        header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    table.resizeRowsToContents()
    return table


# --- keyboard reference -------------------------------------------------------------------------

def _key_text(sequence: QKeySequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.PortableText)


def _where(shortcut: QShortcut) -> str:
    widget = shortcut.parent()
    while widget is not None:
        name = WHERE.get(type(widget).__name__)
        if name:
            return name
        widget = widget.parent()
    return "Main window"


def _menu_path(action: QAction) -> str:
    menus = [w for w in action.associatedObjects() if hasattr(w, "title")]
    title = menus[0].title().replace("&", "") if menus else "Menu"
    return f"{title} → {action.text().replace('&', '').rstrip('…').rstrip('.')}"


def registered_keys(window: QWidget) -> tuple[list[KeyUse], list[KeyUse]]:
    """(described, not yet described): every shortcut registered in ``window`` (menu actions and
    the pages' QShortcuts), in the order Key reference shows them."""
    from cathlog.ui.live_log import QUICK_KEYS  # the F-keys' own list

    quick = {key: ("Inflation / atherectomy timer: start or stop" if kind is None else
                   f"{shortcuts.QUICK_KEY_NOTE}{kind_title(kind)}") for key, kind in QUICK_KEYS}
    described: list[KeyUse] = []
    unknown: list[KeyUse] = []
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            if not sequence.isEmpty() and action.associatedObjects():
                described.append(KeyUse(_key_text(sequence), "Everywhere (menu)", _menu_path(action)))
    for shortcut in window.findChildren(QShortcut):
        key, where = _key_text(shortcut.key()), _where(shortcut)
        if not key:
            continue
        does = quick.get(key) if where == "Live log" else None
        does = does or shortcuts.describe(key, where)
        (described if does else unknown).append(KeyUse(key, where, does or "(not yet described)"))
    seen: set[tuple[str, str]] = set()
    unique = []
    for use in described + list(shortcuts.UNREGISTERED):
        if (use.key, use.where) not in seen:
            seen.add((use.key, use.where))
            unique.append(use)
    return unique, unknown


class KeyboardReferenceDialog(QDialog):
    def __init__(self, window: QWidget, parent: QWidget | None = None):
        super().__init__(parent or window)
        self.setWindowTitle("cathlog — Keyboard reference")
        layout = QVBoxLayout(self)
        intro = QLabel("Every key below works where it says. Menu keys work on every screen; the live log's "
                       "keys work while a case is open.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        known, unknown = registered_keys(window)
        order = {"Everywhere (menu)": 0, "Case list": 1, "Live log": 2, "Entry form": 3}
        rows = sorted(known, key=lambda u: (order.get(u.where, 9), u.where, _f_order(u.key)))
        rows += unknown
        self.uses = rows
        self.table = _table(["Key", "Where", "What it does"], [(u.key, u.where, u.does) for u in rows])
        self.table.setAccessibleName("keyboard shortcuts")
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setIcon(QIcon())
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        fit_window(self, "keyboard_reference", (900, 680))


def _f_order(key: str) -> tuple[int, str]:
    """F1 … F10 in number order, then the rest by name."""
    if key.startswith("F") and key[1:].isdigit():
        return int(key[1:]), ""
    return 100, key
