"""Issue 13 item 15: "internal error" never appears for huge numbers, bytes that are not
UTF-8 (lone surrogates, as Linux hands undecodable arguments to Python), NUL characters,
folders or device files given as --db/--out or as input files."""

from __future__ import annotations

import pytest

from cathlog import cli
from tests.conftest import FAST_HASHER, PASSWORD

BIG = str(10**30)
S = "\udcff"  # the byte 0xff on a UTF-8 command line


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setattr("cathlog.services.auth.PasswordHasher", lambda: FAST_HASHER)
    db = tmp_path_factory.mktemp("hostile") / "lab.db"
    mp.setenv("CATHLOG_USER", "admin")
    mp.setenv("CATHLOG_PASSWORD", PASSWORD)
    assert cli.main(["init", "--admin", "admin", "--db", str(db)]) == 0
    assert cli.main(["demo", "--procedures", "2", "--seed", "3", "--db", str(db)]) == 0
    mp.undo()
    return db


def _device(d) -> str:
    """A character device like /dev/zero inside d (so a regression cannot replace the real one)."""
    import os
    import stat

    node = d / "zero"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 5))
    except OSError:
        pytest.skip("cannot create a device node here")
    return str(node)


def _argvs(d):
    dev = _device(d)
    return [
        ["cases", "--limit", BIG], ["cases", "--limit", "-" + BIG], ["demo", "--procedures", BIG],
        ["demo", "--seed", BIG, "--procedures", "1"], ["cases", "--search", S], ["cases", "--search", "\x00"],
        ["cases", "--user", S], ["cases", "--db", f"{d}/q{S}.db"], ["init", "--admin", "a", "--db", f"{d}/n{S}.db"],
        ["report", S, "--out", str(d)], ["report", "\x00", "--out", str(d)],
        ["export", "--format", "json", "--operator", S, "--out", f"{d}/e.json"],
        ["export", "--format", "json", "--since", S, "--out", f"{d}/e2.json"],
        ["audit", "--procedure", S], ["audit", "--by", S], ["reminders", "--due-before", S],
        ["users", "add", S, "--role", "nurse"], ["users", "add", "kk", "--role", "nurse", "--display-name", S],
        ["users", "add", "x\x00", "--role", "nurse"], ["users", "disable", S], ["recover-admin", S],
        ["import", f"{d}/{S}.json"], ["import", "/dev/null"], ["import", str(d)], ["import", dev],
        ["restore", f"{d}/{S}"], ["restore", str(d)], ["restore", dev],
        ["backup", "--out", f"{d}/{S}b.db"], ["backup", "--out", str(d)], ["backup", "--out", dev],
        ["export", "--format", "csv", "--out", f"{d}/{S}.zip"], ["cases", "--db", dev],
        ["cases", "--db", str(d)], ["check", "--db", str(d)], ["check", "--db", dev],
    ]


@pytest.mark.sqlite_only(reason="hostile file names, folders and device files given as --db, backup and restore "
                                "paths: the file's own commands")
def test_hostile_arguments_never_end_in_internal_error(demo_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("cathlog.services.auth.PasswordHasher", lambda: FAST_HASHER)
    monkeypatch.setenv("CATHLOG_DB", str(demo_db))
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    monkeypatch.setenv("CATHLOG_NEW_PASSWORD", "blue kettle on a tuesday")
    for argv in _argvs(tmp_path):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse's own usage error for a malformed number: exit 2
            code = exc.code
        err = capsys.readouterr().err
        assert "internal error" not in err and "Traceback" not in err, (argv, err)
        assert code in (0, 1, 2), (argv, code, err)
        if code == 1:
            assert err.count("\n") == 1, (argv, err)
    import stat

    assert stat.S_ISCHR((tmp_path / "zero").lstat().st_mode)
