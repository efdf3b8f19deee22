"""The window refuses an old SQLite with the same one-line reason (issue 14 item 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cathlog import app
from cathlog.store import sqlite_file


def test_the_gui_shows_the_reason(qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append((title, text)))
    monkeypatch.setattr(sqlite_file.sqlite3, "sqlite_version_info", (3, 31, 1))
    assert app._open_or_offer_restore(tmp_path / "cathlog.db") is None
    assert len(shown) == 1
    title, text = shown[0]
    assert title == "cathlog cannot open its database"
    reason = text.split("\n\n", 1)[1]
    assert "\n" not in reason and "SQLite 3.31.1" in reason and "3.37.2 or newer" in reason
