"""Issue 13 item 12: patient data never leaves without an audit row, and who viewed which
record is logged (a HIPAA access log) without a row per refresh or save."""

from __future__ import annotations

import csv
import io
import json
import os
import time

import pytest

from cathlog import cli
from cathlog.domain.enums import Action, Role
from cathlog.domain.errors import PermissionDenied
from cathlog.rules.permissions import may
from tests.conftest import PASSWORD
from tests.helpers import open_case

pytestmark = pytest.mark.backends


def _rows(services, admin, action):
    return services.admin.audit_rows(admin, action=action)


# --- the access log: views ---------------------------------------------------------------------


def test_a_view_is_logged_once_per_actor_and_case_within_the_window(services, admin, nurse, physician, clock):
    pid = open_case(services, nurse).procedure_id
    assert services.access.record_view(nurse, pid, "live log") is True
    for _ in range(5):  # refreshes, re-selections, saves: no new row
        assert services.access.record_view(nurse, pid, "case list") is False
        services.cases.record_event(nurse, pid, "act", {"act_s": 250})
    assert services.access.record_view(physician, pid, "review") is True  # another actor: their own row
    clock.advance(minutes=14)
    assert services.access.record_view(nurse, pid, "live log") is False
    clock.advance(minutes=2)
    assert services.access.record_view(nurse, pid, "live log") is True  # the window has passed
    rows = _rows(services, admin, "view_record")
    assert [(r.username, r.procedure_id) for r in rows] == [("nurse", pid), ("doc", pid), ("nurse", pid)]
    assert json.loads(rows[0].new_value) == {"via": "live log"}
    assert services.admin.verify_audit(admin).ok


def test_a_view_needs_the_right_to_view_and_a_refused_one_is_not_remembered(services, admin, nurse):
    pid = open_case(services, nurse).procedure_id
    services.auth.set_active(admin, "nurse", False, "left")
    with pytest.raises(PermissionDenied):
        services.access.record_view(nurse, pid, "live log")
    services.auth.set_active(admin, "nurse", True, "back")
    assert services.access.record_view(nurse, pid, "live log") is True


# --- who may write what -------------------------------------------------------------------------


def test_who_may_write_report_pdfs():
    assert not may(Role.NURSE, Action.WRITE_REPORT)  # a nurse may not export, so not a case's PDFs either
    assert may(Role.PHYSICIAN, Action.WRITE_REPORT) and may(Role.ADMIN, Action.WRITE_REPORT)


def test_write_reports_is_audited_and_refused_for_a_nurse(services, admin, nurse, physician, tmp_path):
    from cathlog.reports.make import write_reports

    pid = open_case(services, nurse).procedure_id
    with pytest.raises(PermissionDenied, match="may not write report"):
        write_reports(services, nurse, pid, tmp_path / "nurse")
    assert not (tmp_path / "nurse").exists() and _rows(services, admin, "write_report") == []
    paths = write_reports(services, physician, pid, tmp_path / "pdf", ("summary", "patient"))
    [row] = _rows(services, admin, "write_report")
    assert row.username == "doc" and row.procedure_id == pid
    assert json.loads(row.new_value) == {"kinds": ["summary", "patient"], "files": [p.name for p in paths],
                                         "folder": "pdf", "count": 2}


def test_a_report_whose_audit_row_fails_is_removed(services, nurse, physician, tmp_path, monkeypatch):
    from cathlog.reports.make import print_file, write_reports

    pid = open_case(services, nurse).procedure_id

    def fail(*args, **kwargs):
        raise OSError("the audit could not be written")

    monkeypatch.setattr(services.access, "log_reports", fail)
    monkeypatch.setattr(services.access, "log_print", fail)
    with pytest.raises(OSError):
        write_reports(services, physician, pid, tmp_path / "pdf")
    assert list((tmp_path / "pdf").iterdir()) == []  # no PDF of the patient without its row
    (tmp_path / "print").mkdir()
    with pytest.raises(OSError):
        print_file(services, physician, pid, tmp_path / "print")
    assert list((tmp_path / "print").iterdir()) == []


# --- the command line -----------------------------------------------------------------------------


@pytest.fixture
def lab(tmp_path, db_target, monkeypatch, capsys):
    from tests.conftest import FAST_HASHER

    monkeypatch.setattr("cathlog.services.auth.PasswordHasher", lambda: FAST_HASHER)
    monkeypatch.setenv("CATHLOG_DB", db_target)
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    monkeypatch.setenv("CATHLOG_NEW_PASSWORD", PASSWORD)
    assert cli.main(["init", "--admin", "admin"]) == 0
    for name, role in (("nina", "nurse"), ("doc", "physician")):
        assert cli.main(["users", "add", name, "--role", role]) == 0
    assert cli.main(["demo", "--procedures", "3", "--seed", "2"]) == 0
    capsys.readouterr()
    return tmp_path


def _cli_audit(capsys, action):
    os.environ["CATHLOG_USER"] = "admin"
    capsys.readouterr()
    assert cli.main(["audit"]) == 0
    return [r for r in csv.DictReader(io.StringIO(capsys.readouterr().out)) if r["action"] == action]


def test_cli_cases_csv_is_an_audited_export(lab, capsys, monkeypatch):
    assert cli.main(["cases", "--format", "csv", "--status", "closed"]) == 0
    out = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    listed = [r[0] for r in out[1:]]
    [row] = _cli_audit(capsys, "export_case_list")
    new = json.loads(row["new_value"])
    assert row["user"] == "admin" and row["entity_id"] == "standard output"
    assert new["filters"] == {"status": "closed", "limit": 500} and new["procedure_ids"] == listed
    assert new["records"] == len(listed)
    for user in ("nina", "doc"):  # neither may export: refused before anything is printed
        monkeypatch.setenv("CATHLOG_USER", user)
        assert cli.main(["cases", "--format", "csv"]) == 1
        captured = capsys.readouterr()
        assert captured.out == "" and "may not export" in captured.err
        assert cli.main(["cases"]) == 0  # the table, as the GUI's list shows it
        assert "MRN".lower() in capsys.readouterr().out
    assert len(_cli_audit(capsys, "export_case_list")) == 1


def test_cli_report_is_audited_with_a_view_and_refused_for_a_nurse(lab, capsys, monkeypatch, tmp_path):
    assert cli.main(["cases", "--format", "csv"]) == 0
    pid = capsys.readouterr().out.splitlines()[1].split(",")[0]
    monkeypatch.setenv("CATHLOG_USER", "nina")
    assert cli.main(["report", pid, "--out", str(tmp_path / "nurse")]) == 1
    assert "may not write report" in capsys.readouterr().err and not (tmp_path / "nurse").exists()
    monkeypatch.setenv("CATHLOG_USER", "doc")
    assert cli.main(["report", pid, "--out", str(tmp_path / "pdf"), "--kind", "summary"]) == 0
    [row] = _cli_audit(capsys, "write_report")
    assert row["user"] == "doc" and row["procedure_id"] == pid
    assert json.loads(row["new_value"])["files"] == [f"{pid}-summary.pdf"]
    [view] = _cli_audit(capsys, "view_record")
    assert view["user"] == "doc" and view["procedure_id"] == pid


def test_cli_reminder_worklist_csv_is_audited(lab, capsys, monkeypatch):
    monkeypatch.setenv("CATHLOG_USER", "doc")
    assert cli.main(["reminders", "--due-before", "2100-01-01", "--format", "csv"]) == 0
    capsys.readouterr()
    [row] = _cli_audit(capsys, "export_reminders")
    assert row["user"] == "doc" and json.loads(row["new_value"])["filters"] == {"due_before": "2100-01-01"}


# --- temporary files ---------------------------------------------------------------------------------


def test_stale_temp_files_are_removed_at_start_and_nothing_else(tmp_path, monkeypatch):
    import tempfile

    from cathlog.fileio import atomic_write, remove_stale_temp_files
    from cathlog.paths import remove_leftovers

    db = tmp_path / "data" / "cathlog.db"
    (tmp_path / "data" / "backups").mkdir(parents=True)
    old = time.time() - 3600
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "system-temp"))  # an older version's print folders
    (tmp_path / "system-temp" / "cathlog-print-ab12cd").mkdir(parents=True)
    (tmp_path / "system-temp" / "cathlog-print-ab12cd" / "P1-summary.pdf").write_bytes(b"%PDF")
    os.utime(tmp_path / "system-temp" / "cathlog-print-ab12cd", (old, old))
    (tmp_path / "system-temp" / "cathlog-print-young").mkdir()
    stale = [tmp_path / "data" / ".export.json.ab3_z9qk.tmp", tmp_path / "data" / ".cathlog.db.x1y2z3w4.tmp",
             tmp_path / "data" / "backups" / ".b.cathlog-backup.db.k2j4h5g6.tmp-journal"]
    kept = [tmp_path / "data" / "cathlog.db", tmp_path / "data" / "notes.tmp", tmp_path / "data" / ".hidden",
            tmp_path / "data" / ".cathlog.db.restore-journal", tmp_path / "data" / "cathlog.db.replaced-20260101",
            tmp_path / "data" / ".x.toolongname.tmp", tmp_path / "data" / "backups" / "a.cathlog-backup.db"]
    for path in stale + kept:
        path.write_bytes(b"patient data")
        os.utime(path, (old, old))
    young = tmp_path / "data" / ".other.json.qwertyui.tmp"  # another window's write in progress
    young.write_bytes(b"being written")
    removed = remove_leftovers(db)
    assert sorted(removed) == sorted(stale + [tmp_path / "system-temp" / "cathlog-print-ab12cd"])
    assert all(p.exists() for p in kept) and young.exists()
    assert (tmp_path / "system-temp" / "cathlog-print-young").exists()
    # a killed atomic_write leaves exactly such a name, and the helper recognises it
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(tmp_path / "out.csv") as fh:
            fh.write("x")
            leftover = next(p for p in tmp_path.iterdir() if p.name.startswith(".out.csv."))
            raise KeyboardInterrupt
    leftover.write_text("left by a kill")  # as if the process had died before its cleanup
    assert remove_stale_temp_files(tmp_path, older_than_s=0) == [leftover]


def test_session_temp_is_private_removed_at_close_and_a_dead_one_at_next_start(tmp_path):
    import stat
    import subprocess
    import sys

    from cathlog.fileio import SessionTemp, remove_dead_sessions

    root = tmp_path / "temp"
    mine = SessionTemp(root)
    printed = mine.new_folder("print-") / "P1-summary.pdf"
    printed.write_bytes(b"%PDF")
    assert stat.S_IMODE(root.stat().st_mode) == 0o700 and stat.S_IMODE(mine.path.stat().st_mode) == 0o700
    # a session of a process that was killed: its lock died with it
    code = ("import os, sys; from cathlog.fileio import SessionTemp; s = SessionTemp(sys.argv[1]); "
            "(s.new_folder('print-') / 'x.pdf').write_bytes(b'%PDF'); print(s.path); os._exit(0)")
    dead = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True,
                          cwd=os.getcwd()).stdout.strip()
    assert os.path.isdir(dead)
    assert remove_dead_sessions(root, keep=mine.path) == [type(mine.path)(dead)]
    assert printed.exists()  # a live session (this one) is left alone even when not told to keep it
    assert remove_dead_sessions(root) == [] and printed.exists()
    mine.close()
    assert not mine.path.exists()
