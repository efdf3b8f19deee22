"""`cathlog check` names a case index out of step with the records and
`--rebuild-search` mends it (issue 12 item 9: the index is derived data), on a
file and on a PostgreSQL server (issue 17), where the runtime role may rewrite
the derived index but nothing of the record."""

import pytest

from cathlog import cli
from cathlog.store.db import Store
from tests.conftest import PASSWORD


pytestmark = pytest.mark.backends


@pytest.fixture
def database(db_target, monkeypatch):
    target = db_target  # a file, or the server's database (tests/conftest.py)
    monkeypatch.setenv("CATHLOG_DB", target)
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    assert cli.main(["init", "--admin", "admin"]) == 0
    return target


def test_check_finds_and_rebuilds_the_search_index(database, capsys):
    assert cli.main(["demo", "--procedures", "3", "--seed", "4"]) == 0
    store = Store.open(database)
    try:
        with store.write():
            store.engine.execute("UPDATE case_index SET name_key = 'x' WHERE doc_id = "
                                 "(SELECT max(doc_id) FROM case_index)")
    finally:
        store.close()
    capsys.readouterr()
    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    assert "search index: OUT OF STEP" in out and "differs from the record" in out
    assert cli.main(["check", "--rebuild-search"]) == 0
    out = capsys.readouterr().out
    assert "rebuilt from the records (3 cases)" in out and "search index: ok" in out
    assert cli.main(["cases", "--search", "patel", "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) >= 2
