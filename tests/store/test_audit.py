"""The audit chain detects an edit made outside cathlog (reliability S5): on a file with sqlite3, on a server
as its superuser, past the triggers either way (tests/pg.py attack)."""

import pytest

from cathlog.store import audit
from tests.helpers import open_case
from tests.pg import attack

pytestmark = pytest.mark.backends


def test_clean_chain_verifies(services, nurse):
    open_case(services, nurse)
    report = audit.verify_chain(services.store)
    assert report.ok and report.rows_checked >= 4


def test_edited_row_is_named(services, nurse):
    open_case(services, nurse)
    attack(services.store, "UPDATE audit SET username = 'mallory' WHERE seq = 3")
    report = audit.verify_chain(services.store)
    assert report.first_broken_seq == 3 and "altered" in report.problem


def test_deleted_row_is_named(services, nurse):
    open_case(services, nurse)
    attack(services.store, "DELETE FROM audit WHERE seq = 2")
    report = audit.verify_chain(services.store)
    assert report.first_broken_seq == 2 and "missing" in report.problem


def test_rehashed_row_breaks_the_link(services, nurse):
    open_case(services, nurse)
    attack(services.store, "UPDATE audit SET hash = '" + "f" * 64 + "' WHERE seq = 2")
    report = audit.verify_chain(services.store)
    assert report.first_broken_seq == 2
