"""The command line on both back ends (issue 17): ``--db``/``CATHLOG_DB`` take a file path or a
``postgresql://`` URL, and ``init``, ``demo``, ``cases``, ``check`` and ``audit --verify`` give the same
answers on a file and on the server; a command that works on the file itself refuses a URL by name."""

import csv
import io

import pytest

from cathlog import cli
from tests.conftest import PASSWORD


@pytest.fixture(params=["file", "server"])
def database(request, tmp_path, monkeypatch):
    target = str(tmp_path / "cli.db") if request.param == "file" else request.getfixturevalue("pg_db").app_url
    monkeypatch.setenv("CATHLOG_DB", target)
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    assert cli.main(["init", "--admin", "admin"]) == 0
    return request.param


def test_demo_cases_check_and_audit_verify_answer_alike(database, capsys):
    assert cli.main(["demo", "--procedures", "5", "--seed", "1"]) == 0
    capsys.readouterr()
    assert cli.main(["cases", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 6 and {row[4] for row in rows[1:]} == {"coronary", "peripheral_arterial", "venous"}
    assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    assert "database: ok" in out and "signatures: ok" in out
    assert cli.main(["audit", "--verify"]) == 0
    assert capsys.readouterr().out.startswith("audit chain: ok")


def test_a_file_command_refuses_a_server_by_name(database, tmp_path, capsys):
    code = cli.main(["backup", "--out", str(tmp_path / "copy.db")])
    if database == "file":
        assert code == 0
    else:
        assert code == 1 and "pg_dump" in capsys.readouterr().err
        assert not (tmp_path / "copy.db").exists()
