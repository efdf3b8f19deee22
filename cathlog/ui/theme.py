"""Look: a light theme and a dim theme for the darkened lab, from one
template, readable from a step away (2 m in the dim lab). Colour is never the
only signal: panel states also carry a word and an icon (see ui/panels.py),
timeline complications and implants an icon and a word (ui/models.py).

The dim theme keeps the brightest things for what needs reading: a selected
row is a muted blue, not the brightest patch of the screen; a panel's state
line is as large as its value; disabled items (buttons, fields, menu items)
are dimmed and lose their border, in the stylesheet and in the palette's
Disabled group (which styles menus and native parts the stylesheet misses).
Messages have a tone: success in the ok colour, a question in the caution
colour, a refusal in the alert colour (``set_tone``)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

PALETTES = {
    "light": dict(bg="#f4f6f8", fg="#111827", muted="#4a5562", field="#ffffff", border="#9aa7b4",
                  accent="#2a6fdb", accent_fg="#ffffff", banner="#1d3557", banner_fg="#ffffff",
                  header="#e8eef5", header_border="#c5d2e0", table_alt="#f0f4f8", grid="#dde3ea",
                  section="#e1e7ee", ok="#1b7f3b", caution="#9a6700", alert="#b42318", alert_bg="#fde8e7",
                  caution_bg="#fff4d6", panel="#ffffff", button="#ffffff",
                  selection="#2a6fdb", selection_fg="#ffffff",
                  disabled_fg="#8a939d", disabled_bg="#e9ecef", disabled_border="#c9d0d7",
                  implant="#1d4ed8", implant_bg="#e6eeff"),
    "dim": dict(bg="#14181d", fg="#e6e9ed", muted="#a7b0ba", field="#1e242b", border="#4a5561",
                accent="#4c8dff", accent_fg="#0b0e12", banner="#0b1f3a", banner_fg="#e6e9ed",
                header="#1c2632", header_border="#2f3d4d", table_alt="#192028", grid="#2a323b",
                section="#222a33", ok="#5fd38d", caution="#f2c14e", alert="#ff6b6b", alert_bg="#3a1717",
                caution_bg="#3a3117", panel="#1a2027", button="#232b34",
                # a selected row: darker than the text on it, so the words stay the brightest thing
                selection="#2c4466", selection_fg="#e6e9ed",
                disabled_fg="#5d6670", disabled_bg="#181c21", disabled_border="#2a3138",
                implant="#8fb6ff", implant_bg="#17253d"),
}
THEMES = tuple(PALETTES)

_TEMPLATE = """
QWidget {{ font-size: 12pt; color: {fg}; }}
QMainWindow, QDialog, QScrollArea, QScrollArea > QWidget > QWidget {{ background: {bg}; }}
QLabel#FormTitle {{ font-size: 14pt; font-weight: 700; }}
QLabel#Title {{ font-size: 20pt; font-weight: 600; }}
QLabel#Subtitle, QLabel#Hint, QLabel#Unit, QLabel#FieldLabel {{ color: {muted}; }}
QLabel#FieldLabel {{ font-size: 11pt; font-weight: 600; }}
QLabel#FieldError {{ color: {alert}; font-weight: 600; font-size: 11pt; }}
QLabel#GroupTitle {{ font-weight: 700; color: {fg}; }}
QLabel#Banner {{ background: {banner}; color: {banner_fg}; padding: 6px 12px; font-size: 13pt; }}
QLabel#PatientHeader {{ background: {header}; border: 1px solid {header_border}; padding: 4px 8px; font-size: 13pt; }}
QLabel#FormMessages {{ color: {fg}; font-weight: 600; }}
QLabel#FormMessages[tone="ok"], QLabel#LiveMessage[tone="ok"] {{ color: {ok}; }}
QLabel#FormMessages[tone="caution"], QLabel#LiveMessage[tone="caution"], QLabel#ClockWarning {{
    color: {caution}; font-weight: 600; }}
QLabel#Error, QLabel#FormMessages[tone="error"], QLabel#FormMessages[error="true"], QLabel#LiveMessage[tone="error"],
QLabel#server_status[tone="error"], QLabel#search_note[tone="error"] {{
    color: {alert}; font-weight: 600; }}
QLabel#Empty {{ color: {muted}; font-size: 13pt; padding: 24px; }}
QLabel#LiveMessage {{ color: {muted}; }}
QLabel#ScanLabel {{ font-weight: 600; }}
QLineEdit, QComboBox, QDateEdit, QPlainTextEdit, QListWidget {{ padding: 4px 6px; min-height: 26px; border: 1px solid {border};
    border-radius: 4px; background: {field}; color: {fg}; }}
QLineEdit:focus, QComboBox:focus, QDateEdit:focus, QPlainTextEdit:focus {{ border: 2px solid {accent}; }}
QLineEdit:disabled, QComboBox:disabled, QDateEdit:disabled, QPlainTextEdit:disabled {{ color: {disabled_fg}; background: {disabled_bg};
    border: 1px dashed {disabled_border}; }}
QComboBox, QDateEdit {{ padding-right: 24px; }}
QComboBox QAbstractItemView {{ background: {field}; color: {fg}; selection-background-color: {selection};
    selection-color: {selection_fg}; }}
QPushButton {{ padding: 6px 14px; min-height: 26px; border-radius: 4px; border: 1px solid {border};
    background: {button}; color: {fg}; }}
QPushButton:default, QPushButton#Primary {{ background: {accent}; color: {accent_fg}; border-color: {accent}; }}
QPushButton:focus {{ border: 2px solid {fg}; }}
QPushButton:disabled, QPushButton#Primary:disabled {{ color: {disabled_fg}; background: {disabled_bg};
    border: 1px dashed {disabled_border}; }}
QDialogButtonBox {{ dialogbuttonbox-buttons-have-icons: 0; }}
QPushButton#QuickButton {{ font-size: 12pt; font-weight: 600; min-height: 40px; padding: 2px 4px; }}
QPushButton#TimerButton {{ font-size: 13pt; font-weight: 700; min-width: 96px; min-height: 36px; padding: 4px 8px; }}
QGroupBox {{ border: 1px solid {border}; border-radius: 6px; margin-top: 12px; padding: 8px 6px 6px 6px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; font-weight: 700; }}
QFrame#FieldGroup {{ border: 1px solid {grid}; border-radius: 6px; }}
QFrame#Panel {{ background: {panel}; border: 1px solid {border}; border-left: 6px solid {border};
    border-radius: 6px; }}
QFrame#Panel[level="ok"] {{ border-left-color: {ok}; }}
QFrame#Panel[level="caution"] {{ border-left-color: {caution}; background: {caution_bg}; }}
QFrame#Panel[level="alert"] {{ border-left-color: {alert}; background: {alert_bg}; }}
QLabel#PanelTitle {{ color: {muted}; font-weight: 600; }}
QLabel#PanelValue, QLabel#PanelStatus {{ font-size: 16pt; font-weight: 700; }}
QLabel#ActTrend, QLabel#DrugTotals {{ font-size: 12pt; }}
QFrame#Panel[level="alert"] QLabel#PanelStatus {{ color: {alert}; }}
QFrame#Panel[level="caution"] QLabel#PanelStatus {{ color: {caution}; }}
QFrame#Panel[level="ok"] QLabel#PanelStatus {{ color: {ok}; }}
QTableView {{ background: {field}; alternate-background-color: {table_alt}; gridline-color: {grid};
    selection-background-color: {selection}; selection-color: {selection_fg}; color: {fg}; }}
QTableView:disabled {{ color: {disabled_fg}; }}
QHeaderView::section {{ background: {section}; color: {fg}; padding: 4px 6px; border: none;
    border-right: 1px solid {grid}; font-weight: 600; }}
QMenuBar, QMenu {{ background: {bg}; color: {fg}; }}
QMenuBar::item:disabled, QMenu::item:disabled {{ color: {disabled_fg}; }}
QMenu::item:selected {{ background: {selection}; color: {selection_fg}; }}
QMenu::item:disabled:selected {{ background: {disabled_bg}; color: {disabled_fg}; }}
QStatusBar {{ color: {muted}; }}
QProgressBar {{ border: 1px solid {border}; border-radius: 3px; background: {field}; }}
QProgressBar::chunk {{ background: {accent}; }}
QFrame#Panel[level="alert"] QProgressBar::chunk {{ background: {alert}; }}
QFrame#Panel[level="caution"] QProgressBar::chunk {{ background: {caution}; }}
"""

_current = "light"


def stylesheet(name: str) -> str:
    return _TEMPLATE.format(**PALETTES[name])


LIGHT = stylesheet("light")


def current_theme() -> str:
    return _current


def colour(role: str) -> QColor:
    """A colour of the theme in use (for models that colour rows: complications, implants)."""
    return QColor(PALETTES[_current][role])


def palette(name: str) -> QPalette:
    """The Qt palette of a theme: what the stylesheet does not reach (menus' native parts, item
    views, tooltips) takes its colours from here, the Disabled group dimmed and distinct."""
    c = {k: QColor(v) for k, v in PALETTES[name].items()}
    pal = QPalette()
    roles = QPalette.ColorRole
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for role, key in ((roles.Window, "bg"), (roles.WindowText, "fg"), (roles.Base, "field"),
                          (roles.AlternateBase, "table_alt"), (roles.Text, "fg"), (roles.Button, "button"),
                          (roles.ButtonText, "fg"), (roles.Highlight, "selection"),
                          (roles.HighlightedText, "selection_fg"), (roles.ToolTipBase, "panel"),
                          (roles.ToolTipText, "fg"), (roles.PlaceholderText, "muted"), (roles.Mid, "border"),
                          (roles.Link, "accent")):
            pal.setColor(group, role, c[key])
    disabled = QPalette.ColorGroup.Disabled
    for role, key in ((roles.Window, "bg"), (roles.WindowText, "disabled_fg"), (roles.Base, "disabled_bg"),
                      (roles.Text, "disabled_fg"), (roles.Button, "disabled_bg"), (roles.ButtonText, "disabled_fg"),
                      (roles.Highlight, "disabled_bg"), (roles.HighlightedText, "disabled_fg"),
                      (roles.PlaceholderText, "disabled_fg"), (roles.Light, "bg"), (roles.Mid, "disabled_border")):
        pal.setColor(disabled, role, c[key])
    return pal


def apply_theme(app: QApplication, name: str) -> None:
    global _current
    if name not in PALETTES:
        name = "light"
    _current = name
    app.setPalette(palette(name))
    app.setStyleSheet(stylesheet(name))


def set_tone(label: QWidget, tone: str | None) -> None:
    """Colour a message by its meaning: "ok" (done), "caution" (asks to check), "error" (refused), or None."""
    if label.property("tone") == (tone or ""):
        return  # polished for that tone already: again would change nothing (a save says "ok" each time)
    label.setProperty("tone", tone or "")
    label.style().unpolish(label)
    label.style().polish(label)
