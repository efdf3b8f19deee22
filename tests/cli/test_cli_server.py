"""The command line on both back ends (issue 17): ``--db``/``CATHLOG_DB`` take a file path or a
``postgresql://`` URL, and ``init``, ``demo``, ``cases``, ``check`` and ``audit --verify`` give the same
answers on a file and on the server; a command that works on the file itself refuses a URL by name."""

import csv
import io

import pytest

from cathlog import cli
from cathlog.store.schema import SCHEMA_VERSION
from tests.conftest import PASSWORD


pytestmark = pytest.mark.backends


@pytest.fixture
def database(db_target, backend, monkeypatch):
    monkeypatch.setenv("CATHLOG_DB", db_target)
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    assert cli.main(["init", "--admin", "admin"]) == 0
    return "file" if backend == "sqlite" else "server"


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
    """backup and restore work on the file itself; on a server each refuses in one line naming pg_dump (the
    server's own tools) and writes nothing."""
    copy = tmp_path / "copy.db"
    for argv in (["backup", "--out", str(copy)], ["restore", str(copy)]):
        code = cli.main(argv)
        err = capsys.readouterr().err
        if database == "file":
            assert code == 0, err
        else:
            assert code == 1 and err.count("\n") == 1, (argv, err)
            assert "works on a database file" in err and "pg_dump" in err, (argv, err)
            assert not copy.exists()


def test_it_installs_the_schema_as_the_owner_and_the_workstations_connect_as_the_runtime_role(
        pg_cluster, monkeypatch, capsys):
    from tests.pg import RUNTIME_ROLE

    database = pg_cluster.new_database(empty=True)
    try:
        monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
        assert cli.main(["init", "--admin", "admin", "--db", database.app_url]) == 1
        assert "no cathlog schema" in capsys.readouterr().err  # nothing made by the runtime role
        for _ in range(2):  # again: nothing to do, same answer
            assert cli.main(["server-install", "--runtime-role", RUNTIME_ROLE, "--db", database.owner_url]) == 0
            assert capsys.readouterr().out.endswith(f"cathlog schema {SCHEMA_VERSION}; {RUNTIME_ROLE} may read and append the record\n")
        assert cli.main(["init", "--admin", "admin", "--db", database.app_url]) == 0
        assert cli.main(["check", "--db", database.app_url]) == 0
    finally:
        pg_cluster.drop_database(database)


@pytest.mark.sqlite_only(reason="gives server-install a database file, which it refuses")
def test_server_install_wants_a_server(tmp_path, capsys):
    assert cli.main(["server-install", "--runtime-role", "cathlog_app", "--db", str(tmp_path / "x.db")]) == 1
    assert "PostgreSQL server" in capsys.readouterr().err and not (tmp_path / "x.db").exists()
