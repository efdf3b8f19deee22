"""The case index: what the case list sorts, filters and searches by.

One row per case in ``case_index`` (derived data, never sealed: it can be
checked against the records and rebuilt from them at any time, see
:func:`verify` and :func:`rebuild`) and its full-text index ``case_search``
(SQLite FTS5, external content, ``unicode61 remove_diacritics 2``; on a
PostgreSQL server a generated ``tsvector`` column of ``case_index`` with a GIN
index, ``store/pg/search.py``, over the same folded words). The store keeps
both in step in the same transaction that writes a procedure or patient
version (:func:`index_procedure`, :func:`index_patient`), through the engine
(``store/engine.py``): the same statements on both back ends but for the FTS5
table, which the server's generated column makes unnecessary.

``doc_id`` orders cases by start time: the start in Unix seconds times 4096
plus a counter for cases that start in the same second. The newest matches
of a search are then the highest FTS rowids, which FTS5 walks backwards and
stops at the page, however many cases match; a date range is a rowid range.

Text is folded before it is indexed and before it is searched: accents go
(also the letters Unicode does not decompose: ı ł ø ß æ œ đ), case goes,
``O'Brien`` is also ``obrien``. An MRN is indexed whole, in its words and as
every suffix of its letters and digits, so a fragment from its middle is a
prefix of one suffix. Searching the index: ``store/search_query.py``.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class Executor(Protocol):
    """A ``sqlite3.Connection`` (migration 0011 passes one) or an engine (``store/engine.py``)."""

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, rows: Any, /) -> Any: ...

SLOTS = 4096  # cases that may start in the same second
MRN_MARK = "ß"  # begins every MRN-suffix token (fold() turns a typed ß into ss)
_EXTRA_LETTERS = str.maketrans({"ı": "i", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "ß": "ss", "ẞ": "ss",
                                "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "đ": "d", "Đ": "d", "ð": "d",
                                "Ð": "d", "þ": "th", "Þ": "th", "ħ": "h", "Ħ": "h"})
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe", "Ü": "ue"})
_WORD = re.compile(r"[^\W_]+")
_APOSTROPHES = re.compile(r"(?<=\w)['’`´](?=\w)")
_DATED_ID = re.compile(r"^([a-z]+)\d{5,}$")
_COLUMNS = ("doc_id", "procedure_id", "started_at", "name_key", "mrn_key", "category", "status",
            "operator_key", "room_key", "room", "names", "people", "ids", "mrn_parts")


# Migration 0011's statements, frozen: a change to them needs a new migration (the schema
# check compares every file with what the migrations make).
SCHEMA_0011 = (
    """
CREATE TABLE case_index (
  doc_id INTEGER PRIMARY KEY,
  procedure_id TEXT NOT NULL UNIQUE,
  started_at TEXT NOT NULL,
  name_key TEXT NOT NULL,
  mrn_key TEXT NOT NULL,
  category TEXT NOT NULL,
  status TEXT NOT NULL,
  operator_key TEXT NOT NULL,
  room_key TEXT NOT NULL,
  room TEXT NOT NULL,
  names TEXT NOT NULL,
  people TEXT NOT NULL,
  ids TEXT NOT NULL,
  mrn_parts TEXT NOT NULL
) STRICT""",
    *(f"CREATE INDEX case_index_{c} ON case_index ({c}, doc_id)"
      for c in ("name_key", "mrn_key", "category", "status", "operator_key", "room_key")),
    """
CREATE VIRTUAL TABLE case_search USING fts5(
  names, people, ids, mrn_parts,
  content='case_index', content_rowid='doc_id',
  tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')""",
)


def fold(text: str) -> str:
    """Lower case without accents: 'GARCÍA' gives 'garcia', 'Yılmaz' 'yilmaz', "O'Brien" "o'brien"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The folded words of a text, in order; "O'Brien" gives 'o', 'brien' and 'obrien'."""
    folded = fold(text)
    found = _WORD.findall(folded)
    joined = _WORD.findall(_APOSTROPHES.sub("", folded))
    return found + [w for w in joined if w not in found]


def name_words(text: str) -> list[str]:
    """The words of a person's name, also as German spells them without umlauts ('Müller': 'mueller')."""
    found = words(text)
    german = text.translate(_GERMAN)
    return found + ([w for w in words(german) if w not in found] if german != text else [])


def _unique(items: Iterable[str]) -> str:
    return " ".join(dict.fromkeys(items))


def mrn_parts(mrn: str) -> str:
    """Every suffix of the MRN's letters and digits, marked: 'AB-1234' gives 'ßab1234 ßb1234 ß1234 ß234 ß34 ß4'.
    The mark (a letter :func:`fold` never leaves in typed text) keeps these tokens apart from
    every other, so a prefix search over them never merges the case ids' or names' tokens."""
    compact = "".join(_WORD.findall(fold(mrn)))
    return _unique(MRN_MARK + compact[i:] for i in range(len(compact)))


def epoch_seconds(utc_iso: str) -> int:
    return int(datetime.fromisoformat(utc_iso.replace("Z", "+00:00")).timestamp())


# --- keeping the index in step ----------------------------------------------------------


@dataclass(frozen=True)
class _Doc:
    procedure_id: str
    started_at: str
    name_key: str
    mrn_key: str
    category: str
    status: str
    operator_key: str
    room_key: str
    room: str
    names: str
    people: str
    ids: str
    mrn_parts: str


def _doc(proc: Sequence[Any], patients: Sequence[tuple[str, str, str | None]]) -> _Doc:
    """The index row of a case; ``patients``: (mrn, family, given) of each patient version, oldest first."""
    procedure_id, started_at, category, status, room, team_json = proc
    team = json.loads(team_json)
    mrn, family, given = patients[-1]
    operator = next((m["name"] for m in team if m.get("role") == "primary_operator"), "")
    names = _unique(w for _, fam, giv in patients for w in name_words(f"{fam} {giv or ''}"))
    people = _unique(w for m in team for w in name_words(m["name"]))
    id_words = words(procedure_id)
    ids = _unique(id_words + ["".join(id_words[:2])] + [p for w in id_words for p in _id_prefixes(w)]
                  + words(room or "") + [w for m, _, _ in patients for w in words(m)])
    parts = _unique(p for m, _, _ in patients for p in mrn_parts(m).split())
    return _Doc(procedure_id, started_at, f"{fold(family)}\x1f{fold(given or '')}", fold(mrn), category, status,
                fold(operator), fold(room or ""), room or "", names, people, ids, parts)


def _id_prefixes(word: str) -> list[str]:
    """'p20250114' gives 'p2025', 'p20250', 'p202501', 'p2025011': a case id's year or month typed
    is then one exact token, not a prefix FTS5 would have to merge from hundreds of day tokens."""
    m = _DATED_ID.match(word)
    return [word[:k] for k in range(len(m.group(1)) + 4, len(word))] if m else []


def _patients_of(conn: Executor, patient_id: str) -> list[tuple[str, str, str | None]]:
    return [(r[0], r[1], r[2]) for r in conn.execute("SELECT mrn, family_name, given_name FROM patient_versions "
                                                     "WHERE patient_id = ? ORDER BY version", [patient_id])]


def on_server(conn: Executor) -> bool:
    """Whether ``conn`` is a PostgreSQL engine (a ``sqlite3.Connection``, as migration 0011 passes, or a
    SQLite engine is the file)."""
    return getattr(conn, "dialect", "sqlite") == "postgresql"


def _fts_delete(conn: Executor, procedure_id: str) -> None:
    old = conn.execute("SELECT doc_id, names, people, ids, mrn_parts FROM case_index WHERE procedure_id = ?",
                       [procedure_id]).fetchone()
    if old is not None:
        if not on_server(conn):  # the server's terms go with the row (a generated column)
            conn.execute("INSERT INTO case_search (case_search, rowid, names, people, ids, mrn_parts) "
                         "VALUES ('delete', ?, ?, ?, ?, ?)", list(old))
        conn.execute("DELETE FROM case_index WHERE doc_id = ?", [old[0]])


def _free_doc_id(conn: Executor, started_at: str) -> int:
    base = epoch_seconds(started_at) * SLOTS
    top = conn.execute("SELECT max(doc_id) FROM case_index WHERE doc_id BETWEEN ? AND ?",
                       [base, base + SLOTS - 1]).fetchone()[0]
    if top is None:
        return base
    if top + 1 >= base + SLOTS:
        raise OverflowError(f"more than {SLOTS} cases start at {started_at}")
    return int(top) + 1


def _insert(conn: Executor, doc: _Doc) -> None:
    doc_id = _free_doc_id(conn, doc.started_at)
    values = [doc_id] + [getattr(doc, c) for c in _COLUMNS[1:]]
    conn.execute(f"INSERT INTO case_index ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})", values)
    if on_server(conn):
        return
    conn.execute("INSERT INTO case_search (rowid, names, people, ids, mrn_parts) VALUES (?, ?, ?, ?, ?)",
                 [doc_id, doc.names, doc.people, doc.ids, doc.mrn_parts])


_CURRENT_PROC = ("SELECT procedure_id, started_at, category, status, room, team, patient_id FROM procedure_versions "
                 "WHERE procedure_id = ? ORDER BY version DESC LIMIT 1")


def index_procedure(conn: Executor, procedure_id: str) -> None:
    """Bring one case's index row up to date with its records (inside the writing transaction)."""
    row = conn.execute(_CURRENT_PROC, [procedure_id]).fetchone()
    _fts_delete(conn, procedure_id)
    if row is None:
        return
    patients = _patients_of(conn, row[6])
    if patients:
        _insert(conn, _doc(row[:6], patients))


def index_patient(conn: Executor, patient_id: str) -> None:
    """A patient's details changed: re-index each of their cases."""
    for (procedure_id,) in conn.execute("SELECT DISTINCT procedure_id FROM procedure_versions WHERE patient_id = ?",
                                        [patient_id]).fetchall():
        index_procedure(conn, procedure_id)


def _expected(conn: Executor) -> Iterable[_Doc]:
    """Every case's index row as the records say it should be."""
    patients: dict[str, list[tuple[str, str, str | None]]] = {}
    for pid, mrn, family, given in conn.execute(
            "SELECT patient_id, mrn, family_name, given_name FROM patient_versions ORDER BY patient_id, version"):
        patients.setdefault(pid, []).append((mrn, family, given))
    for row in conn.execute(
            "SELECT procedure_id, started_at, category, status, room, team, patient_id FROM procedure_versions AS v "
            "WHERE NOT EXISTS (SELECT 1 FROM procedure_versions AS n WHERE n.procedure_id = v.procedure_id "
            "AND n.version > v.version) ORDER BY started_at, row_id"):
        if row[6] in patients:
            yield _doc(row[:6], patients[row[6]])


def rebuild(conn: Executor) -> int:
    """Fill the index afresh from the records (the migration; ``cathlog check --rebuild-search``).
    Runs inside the caller's transaction; returns the number of cases indexed."""
    conn.execute("DELETE FROM case_index")
    if not on_server(conn):
        conn.execute("INSERT INTO case_search (case_search) VALUES ('delete-all')")
    rows, last_base, slot = [], None, 0
    for doc in _expected(conn):
        base = epoch_seconds(doc.started_at) * SLOTS
        slot = slot + 1 if base == last_base else 0
        if slot >= SLOTS:
            raise OverflowError(f"more than {SLOTS} cases start at {doc.started_at}")
        last_base = base
        rows.append([base + slot] + [getattr(doc, c) for c in _COLUMNS[1:]])
    conn.executemany(f"INSERT INTO case_index ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                     rows)
    if not on_server(conn):
        conn.execute("INSERT INTO case_search (case_search) VALUES ('rebuild')")
    return len(rows)


def verify(conn: Executor) -> list[str]:
    """What is out of step between the index and the records ([] when in step)."""
    problems: list[str] = []
    fields = _COLUMNS[1:]
    actual = {r[0]: (r[1], r[2:]) for r in conn.execute(f"SELECT procedure_id, doc_id, {', '.join(fields[1:])} "
                                                         "FROM case_index")}
    for doc in _expected(conn):
        have = actual.pop(doc.procedure_id, None)
        want = tuple(getattr(doc, c) for c in fields[1:])
        if have is None:
            problems.append(f"case {doc.procedure_id} is missing from the search index")
        elif have[1] != want or not (epoch_seconds(doc.started_at) * SLOTS <= have[0]
                                     < epoch_seconds(doc.started_at) * SLOTS + SLOTS):
            problems.append(f"case {doc.procedure_id}: its search index row differs from the record")
    problems += [f"the search index lists case {pid}, which the records do not have" for pid in sorted(actual)]
    if on_server(conn):
        return problems + _server_index_problems(conn)
    try:
        conn.execute("INSERT INTO case_search (case_search, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        problems.append(f"the full-text index does not match the search index ({exc})")
    return problems


def _server_index_problems(conn: Executor) -> list[str]:
    """The server's text index: each row's generated terms as the folded words make them (a column
    re-typed or a generation changed by hand would show here), and the GIN index usable."""
    found = []
    bad = conn.execute("SELECT count(*) FROM case_index WHERE terms IS DISTINCT FROM "
                       "cathlog_case_terms(names, people, ids, mrn_parts)").fetchone()[0]
    if bad:
        found.append(f"the full-text terms of {bad} cases do not match their search index rows")
    valid = conn.execute("SELECT i.indisvalid FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid "
                         "WHERE c.relname = 'case_index_terms'").fetchone()
    if valid is None or not valid[0]:
        found.append("the full-text index (case_index_terms) is missing or not valid: rebuild the search index")
    return found
