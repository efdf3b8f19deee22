"""store.errors.translated: SQLite errors leave store functions as named errors,
generator functions included, whose errors arise while they are iterated."""

import sqlite3

import pytest

from cathlog.domain.errors import Conflict, CorruptDatabase, StoreError
from cathlog.store.errors import translated


pytestmark = pytest.mark.sqlite_only(reason="SQLite's own errors, translated; the server's: "
                                            "tests/store/test_pg_walls.py test_the_engine_names_the_servers_refusals")


@pytest.fixture
def conn():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, '{"a": 1}'), (2, '{"a": 2}'), (3, "not json")])
    yield conn
    conn.close()


@translated
def _values(conn):
    for (value,) in conn.execute("SELECT json_extract(data, '$.a') FROM t ORDER BY id"):
        yield value


@translated
def _rows_then_insert(conn):
    yield from conn.execute("SELECT id FROM t ORDER BY id")
    conn.execute("INSERT INTO t VALUES (1, 'again')")


@translated
def _rows_then_bad_value(conn):
    for (id_,) in conn.execute("SELECT id FROM t ORDER BY id"):
        yield int(f"{id_}x")


def test_an_error_sqlite_raises_mid_iteration_is_translated(conn):
    values = _values(conn)
    assert next(values) == 1  # rows before the damage arrive (the cursor reads one row ahead)
    with pytest.raises(CorruptDatabase) as caught:  # SQLite's "malformed JSON", raised by the cursor
        list(values)
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)


def test_errors_after_the_last_row_and_bad_values_are_translated(conn):
    with pytest.raises(Conflict):
        list(_rows_then_insert(conn))
    with pytest.raises(CorruptDatabase):
        list(_rows_then_bad_value(conn))


def test_a_translated_generator_is_still_lazy_and_closable(conn):
    values = _values(conn)
    assert next(values) == 1
    values.close()  # GeneratorExit passes through untouched
    assert issubclass(CorruptDatabase, StoreError)


def test_an_unknown_sqlite_error_is_reraised_unchanged(conn):
    @translated
    def broken(conn):
        yield from conn.execute("SELECT * FROM no_such_table")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        list(broken(conn))
