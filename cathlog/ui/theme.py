"""Look: one style sheet, readable from a step away.

A light theme for now; the dim theme for the darkened lab comes with the
live log. Colours are never the only signal: alerts also carry text and an
icon.
"""

from __future__ import annotations

BASE_POINT_SIZE = 12

LIGHT = """
QWidget { font-size: 12pt; }
QMainWindow, QDialog { background: #f4f6f8; }
QLabel#Title { font-size: 20pt; font-weight: 600; color: #1d3557; }
QLabel#Subtitle { color: #4a5562; }
QLabel#Banner { background: #1d3557; color: white; padding: 8px 12px; font-size: 13pt; }
QLabel#PatientHeader { background: #e8eef5; border: 1px solid #c5d2e0; padding: 8px; font-size: 13pt; }
QLabel#Error { color: #9b1c1c; font-weight: 600; }
QLabel#Empty { color: #4a5562; font-size: 13pt; padding: 24px; }
QLineEdit, QComboBox { padding: 6px; min-height: 28px; border: 1px solid #9aa7b4; border-radius: 4px;
                       background: white; }
QLineEdit:focus, QComboBox:focus { border: 2px solid #2a6fdb; }
QPushButton { padding: 8px 16px; min-height: 28px; border-radius: 4px; border: 1px solid #7b8794;
              background: #ffffff; }
QPushButton:default, QPushButton#Primary { background: #2a6fdb; color: white; border-color: #1f5bb8; }
QPushButton:focus { border: 2px solid #1d3557; }
QTableView { background: white; alternate-background-color: #f0f4f8; gridline-color: #dde3ea;
             selection-background-color: #2a6fdb; selection-color: white; }
QHeaderView::section { background: #e1e7ee; padding: 6px; border: none; border-right: 1px solid #c9d2dc;
                       font-weight: 600; }
QStatusBar { color: #334155; }
"""
