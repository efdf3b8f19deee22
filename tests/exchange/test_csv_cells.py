"""The identified CSV export's fast path: SQLite makes every cell final and csv.writer writes the
rows as they come, and the bytes are the bytes of the one writer (``csv_out.CsvOut``) over the
export cells, for the real tables and for any value a cell can hold."""

import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cathlog.domain.flat_tables import FORMULA_TRIGGERS, TABLES, Cell, Column, Context, FlatTable
from cathlog.exchange.export import export
from cathlog.exchange.spreadsheets import write_csv_zip, write_csv_zip_cells
from cathlog.store import export_rows
from tests.exchange.test_flat_export import FILTER_CASES, filled  # noqa: F401 - the fixture

pytestmark = pytest.mark.backends


def _tables(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("filters", FILTER_CASES)
def test_the_fast_path_writes_the_bytes_of_the_writer(tmp_path, services, admin, filled, filters):  # noqa: F811
    old, new = tmp_path / "old.zip", tmp_path / "new.zip"
    assert write_csv_zip(old, services.exchange.flat_tables(admin, filters)) == \
        write_csv_zip_cells(new, services.exchange.csv_cells(admin, filters))
    old_tables, new_tables = _tables(old), _tables(new)
    assert list(new_tables) == [f"{t.name}.csv" for t in TABLES]
    assert old_tables == new_tables
    assert new_tables["procedures.csv"].count(b"\r\n") > 1


def test_export_takes_the_fast_path_for_identified_csv_only(tmp_path, services, admin, filled, monkeypatch):  # noqa: F811
    calls = []
    fast = services.exchange.csv_cells
    monkeypatch.setattr(services.exchange, "csv_cells", lambda *a, **k: calls.append(a) or fast(*a, **k))
    export(services, admin, "csv", tmp_path / "a.zip", {})
    export(services, admin, "csv", tmp_path / "d.zip", {}, deidentify=True)
    assert len(calls) == 1
    assert _tables(tmp_path / "a.zip") != _tables(tmp_path / "d.zip")


# --- any value: the SQL cells and csv.writer against the writer, value by value ---------------------

TABLE = FlatTable("cells", (Column("text_a", Cell.TEXT), Column("plain_b", Cell.PLAIN), Column("bool_c", Cell.BOOL),
                            Column("text_d", Cell.TEXT), Column("plain_e", Cell.PLAIN)), Context.CASE_STARTED_AT)
AWKWARD = st.sampled_from(list(FORMULA_TRIGGERS) + ["'", '"', ",", "\n", "\r", "\r\n", "\t", " ", "é", "😀", "''=",
                                                    "\x00"])
TEXTS = st.one_of(st.text(), st.lists(st.one_of(AWKWARD, st.text(max_size=3)), max_size=6).map("".join))
FLOATS = st.one_of(st.floats(), st.decimals(places=3, min_value=-10**13, max_value=10**13, allow_nan=False,
                                            allow_infinity=False).map(float))
VALUES = st.one_of(st.none(), TEXTS, FLOATS, st.integers(-2**63, 2**63 - 1), st.booleans())


def _both(rows: list[tuple]) -> tuple[bytes, bytes]:
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE cells ({', '.join(TABLE.column_names)})")  # no affinity: values as given
    conn.executemany("INSERT INTO cells VALUES (?, ?, ?, ?, ?)", rows)
    cells = export_rows.cells_sql(TABLE, "cells") + " ORDER BY rowid"
    final = conn.execute(export_rows.cells_sql(TABLE, "cells", csv=True) + " ORDER BY rowid")
    with tempfile.TemporaryDirectory() as tmp:
        old, new = Path(tmp, "old.zip"), Path(tmp, "new.zip")
        write_csv_zip(old, [(TABLE, conn.execute(cells))])
        write_csv_zip_cells(new, [(TABLE, iter(lambda: final.fetchmany(3), []))])
        return _tables(old)["cells.csv"], _tables(new)["cells.csv"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(VALUES, VALUES, VALUES, VALUES, VALUES), max_size=8))
@example([(0.1, 3.0, 1, -0.0, 0.0), (1e16, 1e-05, None, 2.675, float("inf"))])
@example([("=1+2", "-3", "true", "'=x", "@a\r\nb"), ("a,b", 'say "hi"', "", "\tx", "x\ny"),
          ("\r=", "''+1", "false", "é,😀", "a\x00,b")])
def test_any_cell_is_written_as_the_writer_writes_it(rows):
    old, new = _both(rows)
    assert old == new


class _Full:
    def __call__(self, data):
        raise OSError(28, "No space left on device")


def test_a_failed_export_leaves_nothing(tmp_path, services, admin, monkeypatch):
    services.demo.load(admin, 3, seed=2)
    original = zipfile.ZipFile.open

    def failing_open(self, name, mode="r", **kwargs):
        entry = original(self, name, mode, **kwargs)
        if name == "events_note.csv":
            entry.write = _Full()
        return entry
    monkeypatch.setattr(zipfile.ZipFile, "open", failing_open)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(OSError, match="disk is full"):
        write_csv_zip_cells(folder / "x.zip", services.exchange.csv_cells(admin))
    assert list(folder.iterdir()) == []
