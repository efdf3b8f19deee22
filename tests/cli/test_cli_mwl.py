"""'cathlog worklist-query': today's cases of a room from dcmtk's wlmscpfs (issue 15 item 4), audited."""

from __future__ import annotations

from datetime import date

import pytest

from cathlog import cli
from tests.cli.test_cli import env  # noqa: F401 - the fixture
from tests.conftest import PASSWORD
from tests.mwl_server import start_server

pytestmark = pytest.mark.backends


@pytest.fixture
def provider(tmp_path):
    server = start_server(tmp_path / "mwl", date(2026, 11, 21))
    yield server
    server.stop()


def _set_up(provider, capsys, monkeypatch):
    for key, value in (("mwl.provider_ae", provider.called_ae), ("mwl.provider_host", provider.host),
                       ("mwl.provider_port", str(provider.port))):
        assert cli.main(["settings", "set", key, value]) == 0
    monkeypatch.setenv("CATHLOG_NEW_PASSWORD", PASSWORD)
    assert cli.main(["users", "add", "nina", "--role", "nurse"]) == 0
    monkeypatch.setenv("CATHLOG_USER", "nina")
    capsys.readouterr()


def test_a_nurse_lists_a_rooms_cases_of_a_day(env, provider, capsys, monkeypatch):  # noqa: F811
    _set_up(provider, capsys, monkeypatch)
    assert cli.main(["worklist-query", "--station-ae", "CATHLAB1", "--date", "2026-11-21"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["scheduled", "mrn", "patient"]
    assert [line.split()[2] for line in lines[2:]] == ["MWL-001", "MWL-002", "MWL-005", "MWL-006"]
    assert "Müller, Zoë Anna" in lines[2] and "ACC-1001" in lines[2] and "1.2.826.0.1.3680043.10.1001.1" in lines[2]
    assert "birth date '19541302' is not a date" in lines[4]
    monkeypatch.setenv("CATHLOG_USER", "admin")
    assert cli.main(["audit", "--by", "nina"]) == 0
    assert "worklist_query" in capsys.readouterr().out


def test_the_station_can_come_from_the_environment_and_an_empty_day_says_so(env, provider, capsys,  # noqa: F811
                                                                           monkeypatch):
    _set_up(provider, capsys, monkeypatch)
    monkeypatch.setenv("CATHLOG_STATION_AE", "CATHLAB1")
    assert cli.main(["worklist-query", "--date", "2026-12-25"]) == 0
    assert capsys.readouterr().out.strip() == "no cases scheduled for CATHLAB1 (XA)"


def test_a_stopped_provider_or_missing_room_is_one_clear_line(env, provider, capsys, monkeypatch):  # noqa: F811
    _set_up(provider, capsys, monkeypatch)
    assert cli.main(["worklist-query"]) == 1
    assert "give --station-ae" in capsys.readouterr().err
    provider.stop()
    assert cli.main(["worklist-query", "--station-ae", "CATHLAB1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no answer from the worklist" in err and "within 3 s" in err
    assert cli.main(["worklist-query", "--station-ae", "CATHLAB1", "--date", "21.11.2026"]) == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err
