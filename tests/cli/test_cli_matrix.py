"""Every documented command and sub-command, as every role, on a demo database (issue 13 item 6).

The commands are read from the argparse parser itself, so a new command or a new
choice of a required argument is included without editing this test. None may end
in "internal error" or a traceback: exit 0, or 1 with a one-line reason.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
from pathlib import Path

import pytest

from cathlog import cli
from tests.conftest import FAST_HASHER, PASSWORD

ROLES = {"admin": "admin", "nurse": "nina", "physician": "doc"}
NEW_PASSWORD = "a new long password"
# Optional arguments worth giving when a command has them (kept small and fast).
EXTRAS = {"procedures": "2", "limit": "20", "role": "physician", "reason": "matrix test", "seed": "1",
          "stop_after": "1", "port": "0", "host": "127.0.0.1"}  # dicom-listen, the HL7 interface: a free local port; stop
# (command, sub-command or first choice, role) that must succeed, so the test cannot pass by failing everything.
# On a server, the commands that work on the database file itself refuse by name instead (test_cli_server.py);
# those still being moved there (the DICOM dose inbox) need only end cleanly.
FILE_ONLY = {"backup", "restore"}
pytestmark = pytest.mark.backends
MUST_SUCCEED = {("users", "reset-password", "admin"), ("users", "list", "admin"), ("users", "add", "admin"),
                ("cases", None, "nurse"), ("cases", None, "physician"), ("backup", None, "admin"),
                ("export", "json", "admin"), ("check", None, "nurse"), ("audit", None, "admin"),
                ("report", None, "physician"), ("recover-admin", None, "admin"), ("demo", None, "admin"),
                ("dicom-listen", None, "nurse"), ("dose-inbox", "list", "nurse")}


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch):
    monkeypatch.setattr("cathlog.services.auth.PasswordHasher", lambda: FAST_HASHER)
    # dicom-listen runs until stopped: here it stops as soon as it listens (tests/cli/test_cli_dose.py runs it
    # for real, stopped by SIGTERM)
    monkeypatch.setattr("cathlog.cli.dose.wait_until_stopped", lambda stop: None)


@pytest.fixture
def lab(tmp_path, db_target, backend, request, monkeypatch, capsys):
    """A demo database (a file, or the server's) with one user per role, a backup of a file, an export, a
    procedure id, and how to copy the database for each command."""
    db = db_target
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    monkeypatch.setenv("CATHLOG_NEW_PASSWORD", PASSWORD)
    base = ["--db", db]
    server = backend == "postgresql"
    if server:  # the backup below is a file's: a file copy of the same lab stands in for it
        file_base = ["--db", str(tmp_path / "file.db")]
        assert cli.main(["init", "--admin", "admin", *file_base]) == 0
        assert cli.main(["backup", "--out", str(tmp_path / "lab.backup.db"), *file_base]) == 0
    assert cli.main(["init", "--admin", "admin", *base]) == 0
    for name, role in (("nina", "nurse"), ("doc", "physician"), ("kate", "nurse")):
        assert cli.main(["users", "add", name, "--role", role, *base]) == 0
    capsys.readouterr()
    assert cli.main(["demo", "--procedures", "3", "--seed", "4", *base]) == 0
    procedure_id = re.search(r"\((P[0-9A-Z-]+) \.\.\.", capsys.readouterr().out).group(1)
    if not server:
        assert cli.main(["backup", "--out", str(tmp_path / "lab.backup.db"), *base]) == 0
    assert cli.main(["export", "--format", "json", "--out", str(tmp_path / "lab.json"), *base]) == 0
    capsys.readouterr()
    if server:
        pg_cluster, pg_db = request.getfixturevalue("pg_cluster"), request.getfixturevalue("pg_db")

        def copy(run_dir):
            database = pg_cluster.copy_database(pg_db)
            request.addfinalizer(lambda: pg_cluster.drop_database(database))
            return database.app_url
    else:
        def copy(run_dir):
            target = run_dir / "lab.db"
            src, dst = sqlite3.connect(db), sqlite3.connect(target)
            src.backup(dst)
            src.close()
            dst.close()
            return str(target)
    return {"db": db, "backup": tmp_path / "lab.backup.db", "export": tmp_path / "lab.json",
            "procedure_id": procedure_id, "tmp": tmp_path, "copy": copy, "server": server}


def _value(action: argparse.Action, lab: dict, run_dir, choice: str | None) -> str:
    if choice is not None:
        return choice
    dest, metavar = action.dest, (action.metavar or "")
    if dest == "procedure_id":
        return lab["procedure_id"]
    if dest == "source":
        return str(lab["backup"])
    if dest == "files":
        return str(lab["export"])
    if dest == "out":
        if metavar == "DIR":
            return str(run_dir / "out-folder")
        return str(run_dir / "out-file")
    if dest == "due_before":
        return "2030-01-01"
    if dest in ("admin", "name"):
        return "kate"
    return "x"


def _command_lines(lab: dict, run_dir) -> list[tuple[str, str | None, list[str]]]:
    """(command, sub-command or first choice, argv) for every command and every choice of its first
    choice-bearing required argument."""
    lines = []
    for name, parser in _subparsers(cli.build_parser()).items():
        needed = [a for a in parser._actions
                  if not a.option_strings and a.dest != "help" or getattr(a, "required", False)]
        chosen = next((a for a in needed if a.choices), None)
        for choice in (list(chosen.choices) if chosen else [None]):
            argv = [name]
            for action in needed:
                value = _value(action, lab, run_dir, choice if action is chosen else None)
                if choice == "add" and action.dest == "name":
                    value = "newbie"
                if action.option_strings:
                    argv += [action.option_strings[-1], value]
                elif action.nargs == "?" and action.dest != "name":
                    continue
                else:
                    argv.append(value)
            for action in parser._actions:
                if action.dest in EXTRAS and action.option_strings and action not in needed:
                    argv += [action.option_strings[-1], EXTRAS[action.dest]]
            lines.append((name, choice, argv))
    return lines


def test_the_matrix_covers_every_command():
    names = set(_subparsers(cli.build_parser()))
    assert {"users", "recover-admin", "backup", "restore", "export", "report"} <= names


@pytest.mark.parametrize("role", list(ROLES))
def test_every_command_as_every_role_ends_cleanly(lab, role, monkeypatch, capsys):
    monkeypatch.setenv("CATHLOG_USER", ROLES[role])
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    monkeypatch.setenv("CATHLOG_NEW_PASSWORD", NEW_PASSWORD)
    seen = set()
    placeholder = Path("RUN-DIR-PLACEHOLDER")
    for i, (name, choice, argv) in enumerate(_command_lines(lab, placeholder)):
        run_dir = lab["tmp"] / f"{role}-{i}"
        (run_dir / "out-folder").mkdir(parents=True)
        argv = [a.replace(str(placeholder), str(run_dir)) for a in argv]
        seen.add((name, choice))
        code = cli.main([*argv, "--db", lab["copy"](run_dir)])
        captured = capsys.readouterr()
        where = f"{role}: cathlog {' '.join(argv)} -> {code}: {captured.err!r}"
        assert code in (0, 1), where
        assert "internal error" not in captured.err and "Traceback" not in captured.err, where
        if code == 1:
            assert captured.err.count("\n") == 1 and captured.err.startswith("cathlog: "), where
        if lab["server"] and name in FILE_ONLY:
            assert code == 1, where  # refused: by its role check, or as a file's command by name
            assert any(w in captured.err for w in ("server", "pg_dump", "may not")), where
        elif (name, choice, role) in MUST_SUCCEED:
            assert code == 0, where
    assert ("users", "reset-password") in seen and ("export", "fhir") in seen
