"""`cathlog check` names a case index out of step with the records and
`--rebuild-search` mends it (issue 12 item 9: the index is derived data)."""

import sqlite3

from cathlog import cli
from tests.cli.test_cli import env  # noqa: F401 - the fixture


def test_check_finds_and_rebuilds_the_search_index(env, capsys):  # noqa: F811
    assert cli.main(["demo", "--procedures", "3", "--seed", "4"]) == 0
    conn = sqlite3.connect(env)
    conn.execute("UPDATE case_index SET name_key = 'x' WHERE doc_id = (SELECT max(doc_id) FROM case_index)")
    conn.commit()
    conn.close()
    capsys.readouterr()
    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    assert "search index: OUT OF STEP" in out and "differs from the record" in out
    assert cli.main(["check", "--rebuild-search"]) == 0
    out = capsys.readouterr().out
    assert "rebuilt from the records (3 cases)" in out and "search index: ok" in out
