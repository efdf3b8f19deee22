"""'cathlog settings list|set' and the patient sheet that names the lab afterwards (issue 14 item 4)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from cathlog import cli
from tests.cli.test_cli import env  # noqa: F401 - the fixture
from tests.conftest import PASSWORD

pytestmark = pytest.mark.backends


def _text(path) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_admin_sets_the_lab_and_the_patient_sheet_names_it(env, tmp_path, capsys, monkeypatch):  # noqa: F811
    assert cli.main(["demo", "--procedures", "2", "--seed", "5"]) == 0
    assert cli.main(["settings", "set", "lab_name", "St. Elsewhere Cath Lab", "--reason", "go-live"]) == 0
    assert cli.main(["settings", "set", "lab_phone", "+1 555 0100 12"]) == 0
    capsys.readouterr()
    assert cli.main(["settings", "list"]) == 0
    listed = capsys.readouterr().out
    assert "St. Elsewhere Cath Lab" in listed and "+1 555 0100 12" in listed and "urn:cathlog:local:mrn" in listed
    assert cli.main(["cases", "--format", "csv"]) == 0
    pid = capsys.readouterr().out.splitlines()[1].split(",")[0]
    assert cli.main(["report", pid, "--out", str(tmp_path / "pdf"), "--kind", "patient"]) == 0
    text = _text(tmp_path / "pdf" / f"{pid}-patient.pdf")
    assert "call St. Elsewhere Cath Lab at +1 555 0100 12" in text and "In an emergency call 911" in text


def test_a_nurse_lists_but_may_not_set(env, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("CATHLOG_NEW_PASSWORD", PASSWORD)
    assert cli.main(["users", "add", "nina", "--role", "nurse"]) == 0
    monkeypatch.setenv("CATHLOG_USER", "nina")
    capsys.readouterr()
    assert cli.main(["settings", "list"]) == 0
    assert "(not set)" in capsys.readouterr().out
    assert cli.main(["settings", "set", "lab_name", "Nina's Lab"]) == 1
    assert "may not manage settings" in capsys.readouterr().err


def test_a_bad_value_or_missing_key_is_one_clear_line(env, capsys):  # noqa: F811
    capsys.readouterr()
    assert cli.main(["settings", "set", "lab_phone", "call me"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "digits, spaces and + - ( )" in err
    assert cli.main(["settings", "set", "fhir.mrn_system", "1.2.3"]) == 1
    assert "urn:oid:" in capsys.readouterr().err
    assert cli.main(["settings", "set"]) == 1
    assert "needs KEY and VALUE" in capsys.readouterr().err
