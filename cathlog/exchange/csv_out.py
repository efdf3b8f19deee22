"""The one CSV writer: every CSV cathlog writes goes through it.

Every text cell a spreadsheet would evaluate (``= + - @``, tab or carriage
return at the start, after any leading quotes) is written with a leading
single quote (``cathlog.domain.flat_tables.neutralize``; OWASP CSV injection,
CWE-1236); ``unneutralize`` gives the original back. Numbers are written as
numbers, None as an empty cell, text as it is (quoted only where CSV needs
it): MRNs, GTINs and serials keep their leading zeros in the file, and a
spreadsheet keeps them when told to import those columns as text
(docs/spreadsheets.md).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, Any

from cathlog.domain.flat_tables import neutralize


class CsvOut:
    """A ``csv.writer`` whose rows are neutralized cell by cell; give it plain values."""

    def __init__(self, fh: IO[str], *, lineterminator: str = "\r\n") -> None:
        # The csv module quotes a field holding a character of its line terminator: written with
        # "\r\n" so a lone CR or LF in text is always quoted, then ended as asked.
        self._writer = csv.writer(_LineEnd(fh, lineterminator), lineterminator="\r\n")

    def writerow(self, row: Sequence[Any]) -> None:
        self._writer.writerow([_cell(value) for value in row])

    def writerows(self, rows: Iterable[Sequence[Any]]) -> None:
        self._writer.writerows([_cell(value) for value in row] for row in rows)


class _LineEnd:
    """A file that ends each row (one ``write`` per row) with ``end`` instead of CRLF."""

    def __init__(self, fh: IO[str], end: str) -> None:
        self._fh = fh
        self._end = end

    def write(self, text: str) -> int:
        if self._end != "\r\n" and text.endswith("\r\n"):
            text = text[:-2] + self._end
        return self._fh.write(text)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):  # never a bare True/False, which a reader would take for a number
        return "true" if value else "false"
    return neutralize(value)


def write_final_cells(fh: IO[str], header: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]]) -> int:
    """``header`` then rows whose every cell is already what :class:`CsvOut` writes for it (text
    neutralized, booleans as 'true'/'false': ``services.exchange.csv_cells``, made in SQL), in
    batches; returns the number of rows. The same dialect and bytes, with no Python work per cell:
    csv.writer formats each batch in C. (Formatting in a second thread while SQLite steps was measured
    slower: the sqlite3 module takes the GIL back after every row, so the two threads mostly wait.)"""
    CsvOut(fh).writerow(header)
    writer = csv.writer(fh, lineterminator="\r\n")
    count = 0
    for rows in batches:
        writer.writerows(rows)
        count += len(rows)
    return count


def write_csv(fh: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]], *,
              lineterminator: str = "\n") -> int:
    """``header`` then ``rows`` (plain values) to ``fh``, neutralized; returns the number of rows."""
    out = CsvOut(fh, lineterminator=lineterminator)
    out.writerow(header)
    count = 0
    for row in rows:
        out.writerow(row)
        count += 1
    return count
