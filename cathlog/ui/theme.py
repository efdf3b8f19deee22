"""Look: a light theme and a dim theme for the darkened lab, from one
template, readable from a step away. Colour is never the only signal: panel
states also carry a word and an icon (see ui/panels.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

PALETTES = {
    "light": dict(bg="#f4f6f8", fg="#111827", muted="#4a5562", field="#ffffff", border="#9aa7b4",
                  accent="#2a6fdb", accent_fg="#ffffff", banner="#1d3557", banner_fg="#ffffff",
                  header="#e8eef5", header_border="#c5d2e0", table_alt="#f0f4f8", grid="#dde3ea",
                  section="#e1e7ee", ok="#1b7f3b", caution="#9a6700", alert="#b42318", alert_bg="#fde8e7",
                  caution_bg="#fff4d6", panel="#ffffff", button="#ffffff"),
    "dim": dict(bg="#14181d", fg="#e6e9ed", muted="#a7b0ba", field="#1e242b", border="#4a5561",
                accent="#4c8dff", accent_fg="#0b0e12", banner="#0b1f3a", banner_fg="#e6e9ed",
                header="#1c2632", header_border="#2f3d4d", table_alt="#192028", grid="#2a323b",
                section="#222a33", ok="#5fd38d", caution="#f2c14e", alert="#ff6b6b", alert_bg="#3a1717",
                caution_bg="#3a3117", panel="#1a2027", button="#232b34"),
}
THEMES = tuple(PALETTES)

_TEMPLATE = """
QWidget {{ font-size: 12pt; color: {fg}; }}
QMainWindow, QDialog, QScrollArea, QScrollArea > QWidget > QWidget {{ background: {bg}; }}
QLabel#FormTitle {{ font-size: 15pt; font-weight: 700; }}
QLabel#Title {{ font-size: 20pt; font-weight: 600; }}
QLabel#Subtitle, QLabel#Hint, QLabel#Unit {{ color: {muted}; }}
QLabel#Banner {{ background: {banner}; color: {banner_fg}; padding: 8px 12px; font-size: 13pt; }}
QLabel#PatientHeader {{ background: {header}; border: 1px solid {header_border}; padding: 8px; font-size: 13pt; }}
QLabel#Error, QLabel#FormMessages[error="true"] {{ color: {alert}; font-weight: 600; }}
QLabel#FormMessages, QLabel#ClockWarning {{ color: {caution}; font-weight: 600; }}
QLabel#Empty {{ color: {muted}; font-size: 13pt; padding: 24px; }}
QLabel#LiveMessage {{ color: {muted}; }}
QLabel#ScanLabel {{ font-weight: 600; }}
QLineEdit, QComboBox, QDateEdit, QPlainTextEdit, QListWidget {{ padding: 6px; min-height: 28px; border: 1px solid {border};
    border-radius: 4px; background: {field}; color: {fg}; }}
QLineEdit:focus, QComboBox:focus, QDateEdit:focus, QPlainTextEdit:focus {{ border: 2px solid {accent}; }}
QLineEdit:disabled, QComboBox:disabled, QDateEdit:disabled {{ color: {muted}; }}
QComboBox QAbstractItemView {{ background: {field}; color: {fg}; selection-background-color: {accent}; }}
QPushButton {{ padding: 8px 16px; min-height: 28px; border-radius: 4px; border: 1px solid {border};
    background: {button}; color: {fg}; }}
QPushButton:default, QPushButton#Primary {{ background: {accent}; color: {accent_fg}; border-color: {accent}; }}
QPushButton:focus {{ border: 2px solid {fg}; }}
QPushButton:disabled {{ color: {muted}; }}
QPushButton#QuickButton {{ font-size: 13pt; font-weight: 600; min-height: 60px; padding: 6px 8px; }}
QPushButton#TimerButton {{ font-size: 14pt; font-weight: 700; min-width: 130px; min-height: 44px; }}
QGroupBox {{ border: 1px solid {border}; border-radius: 6px; margin-top: 14px; padding: 10px 8px 8px 8px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; font-weight: 700; }}
QFrame#Panel {{ background: {panel}; border: 1px solid {border}; border-left: 6px solid {border};
    border-radius: 6px; }}
QFrame#Panel[level="ok"] {{ border-left-color: {ok}; }}
QFrame#Panel[level="caution"] {{ border-left-color: {caution}; background: {caution_bg}; }}
QFrame#Panel[level="alert"] {{ border-left-color: {alert}; background: {alert_bg}; }}
QLabel#PanelTitle {{ color: {muted}; font-weight: 600; }}
QLabel#PanelValue {{ font-size: 17pt; font-weight: 700; }}
QFrame#Panel[level="alert"] QLabel#PanelStatus {{ color: {alert}; font-weight: 700; }}
QFrame#Panel[level="caution"] QLabel#PanelStatus {{ color: {caution}; font-weight: 700; }}
QFrame#Panel[level="ok"] QLabel#PanelStatus {{ color: {ok}; }}
QTableView {{ background: {field}; alternate-background-color: {table_alt}; gridline-color: {grid};
    selection-background-color: {accent}; selection-color: {accent_fg}; color: {fg}; }}
QHeaderView::section {{ background: {section}; color: {fg}; padding: 6px; border: none;
    border-right: 1px solid {grid}; font-weight: 600; }}
QMenuBar, QMenu {{ background: {bg}; color: {fg}; }}
QMenu::item:selected {{ background: {accent}; color: {accent_fg}; }}
QStatusBar {{ color: {muted}; }}
QProgressBar {{ border: 1px solid {border}; border-radius: 3px; background: {field}; }}
QProgressBar::chunk {{ background: {accent}; }}
QFrame#Panel[level="alert"] QProgressBar::chunk {{ background: {alert}; }}
QFrame#Panel[level="caution"] QProgressBar::chunk {{ background: {caution}; }}
"""


def stylesheet(name: str) -> str:
    return _TEMPLATE.format(**PALETTES[name])


LIGHT = stylesheet("light")


def apply_theme(app: QApplication, name: str) -> None:
    if name not in PALETTES:
        name = "light"
    app.setStyleSheet(stylesheet(name))
