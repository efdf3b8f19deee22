"""The one CSV writer: every text cell a spreadsheet would evaluate is neutralized, the
matching un-neutralize gives the original back, numbers stay numbers, text stays text."""

import csv
import io
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from cathlog.domain.flat_tables import FORMULA_TRIGGERS, neutralize, unneutralize
from cathlog.exchange.csv_out import CsvOut, write_csv

TRIGGERS = st.sampled_from(list(FORMULA_TRIGGERS) + ["'"])
#: text that starts with any mix of triggers and quotes, then anything
HOSTILE = st.builds(lambda head, tail: "".join(head) + tail, st.lists(TRIGGERS, min_size=1, max_size=4), st.text())
TEXT = st.one_of(HOSTILE, st.text())
NUMBERS = st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False))
CELLS = st.one_of(TEXT, NUMBERS, st.none())


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@given(TEXT)
def test_neutralize_is_exactly_inverted(text):
    cell = neutralize(text)
    assert not cell.startswith(FORMULA_TRIGGERS)
    assert unneutralize(cell) == text
    assert neutralize(unneutralize(cell)) == cell


@given(st.lists(st.lists(CELLS, min_size=1, max_size=6), max_size=5))
def test_every_written_cell_is_safe_and_reads_back(rows):
    fh = io.StringIO(newline="")
    header = ("a", "b", "c", "d", "e", "f")
    assert write_csv(fh, header, rows) == len(rows)
    written = _read(fh.getvalue())
    assert written[0] == list(header)
    assert len(written) == len(rows) + 1
    for row, out in zip(rows, written[1:], strict=True):
        assert len(out) == len(row)
        for value, cell in zip(row, out, strict=True):
            if isinstance(value, str):
                assert not cell.startswith(FORMULA_TRIGGERS), (value, cell)
                assert unneutralize(cell) == value
            elif value is None:
                assert cell == ""
            else:  # a number is written as a number (a minus sign is a number's, not a formula's)
                assert type(value)(cell) == value and not cell.startswith("'")


def test_leading_zeros_and_hostile_names_stay_text():
    fh = io.StringIO(newline="")
    write_csv(fh, ("mrn", "gtin", "operator", "dose"), [("-EVIL01", "00812345678906", "=2+3", -1.5)])
    assert _read(fh.getvalue())[1] == ["'-EVIL01", "00812345678906", "'=2+3", "-1.5"]
    assert fh.getvalue().splitlines()[1] == "'-EVIL01,00812345678906,'=2+3,-1.5"


def test_no_csv_is_written_around_the_one_writer():
    """Every CSV cathlog writes goes through cathlog.exchange.csv_out."""
    package = Path(__file__).resolve().parents[2] / "cathlog"
    writers = [p.relative_to(package).as_posix() for p in package.rglob("*.py")
               if re.search(r"csv\.(writer|DictWriter)\(", p.read_text(encoding="utf-8"))]
    assert writers == ["exchange/csv_out.py"]
