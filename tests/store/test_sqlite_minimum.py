"""The oldest SQLite cathlog runs on (issue 14 item 12): Ubuntu 22.04's 3.37.2, pinned and checked."""

from __future__ import annotations

import ast
import re
import sqlite3
from pathlib import Path

import pytest

import cathlog.store
from cathlog.domain.errors import CathlogError, StoreError
from cathlog.store import sqlite_file
from cathlog.store.db import Store
from cathlog.store.sqlite_file import MIN_SQLITE, SQLiteTooOld, check_sqlite_version

pytestmark = pytest.mark.sqlite_only(reason="the SQLite library's version and its pinned minimum")

STORE_DIR = Path(cathlog.store.__file__).parent
# The JSON operators came with SQLite 3.38; json_extract does the same on 3.37.
_JSON_OPERATOR = re.compile(r"->>?\s*'")


def test_the_minimum_is_ubuntu_2204s_sqlite() -> None:
    assert MIN_SQLITE == (3, 37, 2)
    readme = (STORE_DIR.parent.parent / "README.md").read_text(encoding="utf-8")
    assert "Ubuntu 22.04" in readme and "3.37.2" in readme


def _string_constants(path: Path) -> list[str]:
    return [node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_the_operator_pattern_finds_what_it_must() -> None:
    assert _JSON_OPERATOR.search("SELECT m.value ->> '$.name' FROM t")
    assert _JSON_OPERATOR.search("SELECT data->'$.a'")
    assert not _JSON_OPERATOR.search("SELECT json_extract(m.value, '$.name') FROM t")


@pytest.mark.parametrize("module", sorted(STORE_DIR.glob("*.py")), ids=lambda p: p.name)
def test_no_sql_in_the_store_uses_the_json_operators(module: Path) -> None:
    offending = [text for text in _string_constants(module) if _JSON_OPERATOR.search(text)]
    assert offending == [], f"{module.name}: use json_extract (SQLite 3.37), not -> / ->> (3.38)"


def test_the_running_sqlite_passes() -> None:
    assert sqlite3.sqlite_version_info >= MIN_SQLITE
    check_sqlite_version()


@pytest.mark.parametrize("version", [(3, 37, 1), (3, 31, 1), (2, 99, 99)])
def test_an_older_sqlite_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch, version: tuple[int, int, int],
                                                tmp_path: Path) -> None:
    monkeypatch.setattr(sqlite_file.sqlite3, "sqlite_version_info", version)
    with pytest.raises(SQLiteTooOld) as refused:
        Store.open(tmp_path / "cathlog.db")
    message = str(refused.value)
    assert isinstance(refused.value, StoreError) and isinstance(refused.value, CathlogError)
    assert "\n" not in message
    assert ".".join(map(str, version)) in message and "3.37.2" in message
    assert not (tmp_path / "cathlog.db").exists()  # refused before a file is made
    with pytest.raises(SQLiteTooOld):
        Store.open(None)


@pytest.mark.parametrize("version", [(3, 37, 2), (3, 38, 0), (4, 0, 0)])
def test_the_minimum_and_newer_are_accepted(monkeypatch: pytest.MonkeyPatch, version: tuple[int, int, int]) -> None:
    monkeypatch.setattr(sqlite_file.sqlite3, "sqlite_version_info", version)
    check_sqlite_version()



def test_a_sqlite_without_fts5_is_refused_in_one_line(monkeypatch) -> None:
    """The case search (migration 0011) needs FTS5: a build without it is named, not a raw SQL error."""
    monkeypatch.setattr(sqlite_file, "_has_fts5", lambda: False)
    with pytest.raises(SQLiteTooOld, match="without FTS5"):
        check_sqlite_version()
