"""The command line refuses an old SQLite in one line (issue 14 item 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cathlog.cli import main
from cathlog.store import sqlite_file
from tests.conftest import PASSWORD


@pytest.mark.sqlite_only(reason="the SQLite library's version: a server has its own")
def test_the_cli_says_it_in_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CATHLOG_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    assert main(["init", "--admin", "admin"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(sqlite_file.sqlite3, "sqlite_version_info", (3, 37, 1))
    code = main(["cases"])
    err = capsys.readouterr().err
    assert code != 0
    assert err.count("\n") == 1 and "SQLite 3.37.1" in err and "3.37.2 or newer" in err
