"""The command line: every command works end to end, fails with one line."""

import csv
import io
import json
import subprocess
import sys

import pytest

from cathlog import cli
from tests.conftest import PASSWORD

pytestmark = pytest.mark.backends
FILE_COMMANDS = "backup and restore work on a database file (a server is backed up with pg_dump)"


@pytest.fixture
def env(db_target, monkeypatch):
    """CATHLOG_DB names a new database (a file, or the server's: tests/conftest.py db_target) with its admin."""
    db = db_target
    monkeypatch.setenv("CATHLOG_DB", db)
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    assert cli.main(["init", "--admin", "admin"]) == 0
    return db


def test_init_demo_cases_export_import_check(env, tmp_path, capsys, monkeypatch):
    assert cli.main(["demo", "--procedures", "5", "--seed", "1"]) == 0
    capsys.readouterr()
    assert cli.main(["cases", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["procedure_id", "started_at", "mrn", "patient", "category", "status", "primary_operator"]
    assert len(rows) == 6
    categories = {row[4] for row in rows[1:]}
    assert categories == {"coronary", "peripheral_arterial", "venous"}
    out = tmp_path / "all.json"
    assert cli.main(["export", "--format", "json", "--out", str(out)]) == 0
    assert len(json.loads(out.read_text())["procedures"]) == 5
    other = tmp_path / "other.db"
    assert cli.main(["init", "--admin", "admin", "--db", str(other)]) == 0
    assert cli.main(["import", str(out), "--db", str(other)]) == 0
    again = tmp_path / "again.json"
    assert cli.main(["export", "--format", "json", "--out", str(again), "--db", str(other)]) == 0
    assert again.read_bytes() == out.read_bytes()
    capsys.readouterr()
    assert cli.main(["check"]) == 0
    assert "database: ok" in capsys.readouterr().out


def test_export_date_filter(env, tmp_path, capsys):
    cli.main(["demo", "--procedures", "6", "--seed", "2"])
    out = tmp_path / "none.json"
    assert cli.main(["export", "--format", "json", "--out", str(out), "--since", "2100-01-01"]) == 0
    assert json.loads(out.read_text())["procedures"] == []
    assert cli.main(["export", "--format", "json", "--out", str(out), "--since", "21/11/2026"]) == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_users_commands(env, capsys, monkeypatch):
    monkeypatch.setenv("CATHLOG_NEW_PASSWORD", "nurse password 1")
    assert cli.main(["users", "add", "kate", "--role", "nurse", "--display-name", "Kate Walsh"]) == 0
    assert cli.main(["users", "set-role", "kate", "--role", "physician", "--reason", "promoted"]) == 0
    assert cli.main(["users", "disable", "kate"]) == 0
    capsys.readouterr()
    assert cli.main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "kate" in out and "physician" in out and "disabled" in out
    assert cli.main(["users", "disable", "admin"]) == 1
    assert "last active admin" in capsys.readouterr().err


@pytest.mark.parametrize("argv, env_change, words", [
    (["cases"], {"CATHLOG_PASSWORD": "wrong password"}, "wrong user name or password"),
    (["cases"], {"CATHLOG_USER": None}, "--user NAME"),
    (["cases", "--db", "/nonexistent/dir/x.db"], {}, "there is no database"),
    (["init", "--admin", "admin"], {}, "already has users"),
])
def test_failures_are_one_line(env, capsys, monkeypatch, argv, env_change, words):
    for key, value in env_change.items():
        if value is None:
            monkeypatch.delenv(key)
        else:
            monkeypatch.setenv(key, value)
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_malformed_import_changes_nothing(env, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "cathlog-procedure-records", "format_version": 1, "procedures": [{"x": 1}]}')
    assert cli.main(["import", str(bad)]) == 1
    assert "bad.json: record 1" in capsys.readouterr().err
    assert cli.main(["check"]) == 0
    capsys.readouterr()
    assert cli.main(["cases", "--format", "csv"]) == 0
    assert capsys.readouterr().out.count("\n") == 1  # header only


def test_nurse_cannot_export(env, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("CATHLOG_NEW_PASSWORD", "nurse password 1")
    cli.main(["users", "add", "kate", "--role", "nurse"])
    monkeypatch.setenv("CATHLOG_USER", "kate")
    monkeypatch.setenv("CATHLOG_PASSWORD", "nurse password 1")
    assert cli.main(["export", "--format", "json", "--out", str(tmp_path / "x.json")]) == 1
    assert "may not export" in capsys.readouterr().err


def test_every_command_has_help():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert p.description, name
        assert p.format_help()


def test_python_dash_m_runs_without_qt(tmp_path):
    """The CLI is a real process and never imports Qt."""
    code = ("import sys, runpy; sys.argv = ['cathlog', '--version']\n"
            "try:\n    runpy.run_module('cathlog', run_name='__main__')\nexcept SystemExit: pass\n"
            "assert 'PySide6' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "cathlog 0.1.0" in result.stdout


def test_report_and_reminders_commands(env, tmp_path, capsys, monkeypatch):
    from cathlog.domain.enums import Role
    from cathlog.domain.followup import Review, SignatureMeaning
    from cathlog.services import Services
    from cathlog.store.db import Store

    assert cli.main(["demo", "--procedures", "5", "--seed", "3"]) == 0
    services = Services(Store.open(env))
    admin = services.auth.sign_in("admin", PASSWORD)
    services.auth.add_user(admin, "doc", "Dr. Doc", Role.PHYSICIAN, PASSWORD)
    doc = services.auth.sign_in("doc", PASSWORD)
    venous = next(c.procedure_id for c in services.cases.list_cases(doc) if c.category == "venous")
    if services.cases.get_record(doc, venous).procedure.status.value == "open":
        services.cases.close_case(doc, venous)
    services.review.save_review(doc, venous, Review(technical_success=True))
    for s in services.review.suggestions(doc, venous):
        services.review.decide(doc, venous, s, accept=True)
    services.review.sign(doc, venous, PASSWORD, SignatureMeaning.APPROVED)
    services.store.close()
    monkeypatch.setenv("CATHLOG_USER", "doc")
    capsys.readouterr()
    assert cli.main(["report", venous, "--out", str(tmp_path / "pdf")]) == 0
    assert sorted(p.name for p in (tmp_path / "pdf").iterdir()) == [f"{venous}-{k}.pdf" for k in
                                                                    ("followup", "patient", "summary")]
    capsys.readouterr()
    assert cli.main(["reminders", "--due-before", "2100-01-01", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:5] == ["due", "mrn", "patient", "procedure_id", "rule"]
    assert {"R3", "R5"} <= {r[4] for r in rows[1:]}
    assert cli.main(["reminders", "--due-before", "someday"]) == 1
    assert cli.main(["report", "P0-NONE", "--out", str(tmp_path)]) == 1


@pytest.mark.sqlite_only(reason=FILE_COMMANDS + "; refused on a server: tests/cli/test_cli_server.py")
def test_backup_restore_and_audit_commands(env, tmp_path, capsys):
    cli.main(["demo", "--procedures", "2", "--seed", "1"])
    copy = tmp_path / "copy.db"
    assert cli.main(["backup", "--out", str(copy)]) == 0
    assert "integrity ok" in capsys.readouterr().out
    cli.main(["demo", "--procedures", "2", "--seed", "2"])
    assert cli.main(["restore", str(copy)]) == 0
    assert "replaced file is kept" in capsys.readouterr().out
    assert cli.main(["cases", "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 3  # header + the 2 cases of the backup
    assert cli.main(["audit", "--verify"]) == 0
    assert "audit chain: ok" in capsys.readouterr().out
    assert cli.main(["audit"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("seq,at,user,action") and ",restore," in out
    bad = tmp_path / "bad.db"
    bad.write_text("nope")
    assert cli.main(["restore", str(bad)]) == 1


def test_export_fhir_and_deidentified(env, tmp_path, capsys):
    cli.main(["demo", "--procedures", "3", "--seed", "5"])
    out = tmp_path / "b.fhir.json"
    assert cli.main(["export", "--format", "fhir", "--out", str(out), "--deidentify"]) == 0
    doc = json.loads(out.read_text())
    assert doc["resourceType"] == "Bundle" and all(
        e["resource"]["identifier"][0]["value"].startswith("PX") for e in doc["entry"]
        if e["resource"]["resourceType"] == "Patient")


def test_export_never_overwrites_silently(env, tmp_path, capsys):
    out = tmp_path / "x.json"
    out.write_text("precious")
    assert cli.main(["export", "--format", "json", "--out", str(out)]) == 1
    assert "exists" in capsys.readouterr().err and out.read_text() == "precious"
    assert cli.main(["export", "--format", "json", "--out", str(out), "--overwrite"]) == 0
