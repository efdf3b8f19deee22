"""The case index: what the case list sorts, filters and searches by.

One row per case in ``case_index`` (derived data, never sealed: it can be
checked against the records and rebuilt from them at any time, see
:func:`verify` and :func:`rebuild`) and its full-text index ``case_search``
(SQLite FTS5, external content, ``unicode61 remove_diacritics 2``). The
store keeps both in step in the same transaction that writes a procedure or
patient version (:func:`index_procedure`, :func:`index_patient`).

``doc_id`` orders cases by start time: the start in Unix seconds times 4096
plus a counter for cases that start in the same second. The newest matches
of a search are then the highest FTS rowids, which FTS5 walks backwards and
stops at the page, however many cases match; a date range is a rowid range.

Text is folded before it is indexed and before it is searched: accents go
(also the letters Unicode does not decompose: ı ł ø ß æ œ đ), case goes,
``O'Brien`` is also ``obrien``. An MRN is indexed whole, in its words and as
every suffix of its letters and digits, so a fragment from its middle is a
prefix of one suffix.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone, tzinfo
from typing import Any

SLOTS = 4096  # cases that may start in the same second
MRN_MARK = "ß"  # begins every MRN-suffix token (fold() turns a typed ß into ss)
_EXTRA_LETTERS = str.maketrans({"ı": "i", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "ß": "ss", "ẞ": "ss",
                                "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "đ": "d", "Đ": "d", "ð": "d",
                                "Ð": "d", "þ": "th", "Þ": "th", "ħ": "h", "Ħ": "h"})
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe", "Ü": "ue"})
_WORD = re.compile(r"[^\W_]+")
_APOSTROPHES = re.compile(r"(?<=\w)['’`´](?=\w)")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
_DATED_ID = re.compile(r"^([a-z]+)\d{5,}$")
_TYPED_ID_PREFIX = re.compile(r"^[a-z]+\d{4,}$")
_YEAR = re.compile(r"^(19[89]\d|20\d\d)$")
# Sort keys a caller may ask for -> the case_index column (every one has an index ending in doc_id).
SORT_COLUMNS = {"started_at": "doc_id", "procedure_id": "procedure_id", "patient": "name_key",
                "mrn": "mrn_key", "category": "category", "status": "status", "operator": "operator_key",
                "room": "room_key"}
_COLUMNS = ("doc_id", "procedure_id", "started_at", "name_key", "mrn_key", "category", "status",
            "operator_key", "room_key", "room", "names", "people", "ids", "mrn_parts")
_NOT_MRN = "{names people ids}"


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


def _patients_of(conn: sqlite3.Connection, patient_id: str) -> list[tuple[str, str, str | None]]:
    return conn.execute("SELECT mrn, family_name, given_name FROM patient_versions WHERE patient_id = ? "
                        "ORDER BY version", [patient_id]).fetchall()


def _fts_delete(conn: sqlite3.Connection, procedure_id: str) -> None:
    old = conn.execute("SELECT doc_id, names, people, ids, mrn_parts FROM case_index WHERE procedure_id = ?",
                       [procedure_id]).fetchone()
    if old is not None:
        conn.execute("INSERT INTO case_search (case_search, rowid, names, people, ids, mrn_parts) "
                     "VALUES ('delete', ?, ?, ?, ?, ?)", old)
        conn.execute("DELETE FROM case_index WHERE doc_id = ?", [old[0]])


def _free_doc_id(conn: sqlite3.Connection, started_at: str) -> int:
    base = epoch_seconds(started_at) * SLOTS
    top = conn.execute("SELECT max(doc_id) FROM case_index WHERE doc_id BETWEEN ? AND ?",
                       [base, base + SLOTS - 1]).fetchone()[0]
    if top is None:
        return base
    if top + 1 >= base + SLOTS:
        raise OverflowError(f"more than {SLOTS} cases start at {started_at}")
    return int(top) + 1


def _insert(conn: sqlite3.Connection, doc: _Doc) -> None:
    doc_id = _free_doc_id(conn, doc.started_at)
    values = [doc_id] + [getattr(doc, c) for c in _COLUMNS[1:]]
    conn.execute(f"INSERT INTO case_index ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})", values)
    conn.execute("INSERT INTO case_search (rowid, names, people, ids, mrn_parts) VALUES (?, ?, ?, ?, ?)",
                 [doc_id, doc.names, doc.people, doc.ids, doc.mrn_parts])


_CURRENT_PROC = ("SELECT procedure_id, started_at, category, status, room, team, patient_id FROM procedure_versions "
                 "WHERE procedure_id = ? ORDER BY version DESC LIMIT 1")


def index_procedure(conn: sqlite3.Connection, procedure_id: str) -> None:
    """Bring one case's index row up to date with its records (inside the writing transaction)."""
    row = conn.execute(_CURRENT_PROC, [procedure_id]).fetchone()
    _fts_delete(conn, procedure_id)
    if row is None:
        return
    patients = _patients_of(conn, row[6])
    if patients:
        _insert(conn, _doc(row[:6], patients))


def index_patient(conn: sqlite3.Connection, patient_id: str) -> None:
    """A patient's details changed: re-index each of their cases."""
    for (procedure_id,) in conn.execute("SELECT DISTINCT procedure_id FROM procedure_versions WHERE patient_id = ?",
                                        [patient_id]).fetchall():
        index_procedure(conn, procedure_id)


def _expected(conn: sqlite3.Connection) -> Iterable[_Doc]:
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


def rebuild(conn: sqlite3.Connection) -> int:
    """Fill the index afresh from the records (the migration; ``cathlog check --rebuild-search``).
    Runs inside the caller's transaction; returns the number of cases indexed."""
    conn.execute("DELETE FROM case_index")
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
    conn.execute("INSERT INTO case_search (case_search) VALUES ('rebuild')")
    return len(rows)


def verify(conn: sqlite3.Connection) -> list[str]:
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
    try:
        conn.execute("INSERT INTO case_search (case_search, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        problems.append(f"the full-text index does not match the search index ({exc})")
    return problems


# --- searching -------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A search text taken apart: FTS words and start-time ranges (doc_id bounds)."""

    match: str | None  # FTS5 expression, or None for no words
    ranges: tuple[tuple[int, int], ...] = ()  # doc_id [lo, hi) each, all of which must hold
    or_range: tuple[int, int] | None = None  # a lone year: its range OR the FTS words


def _local_bounds(first: date, after: date, zone: tzinfo | None) -> tuple[int, int]:
    def at(day: date) -> int:
        moment = datetime(day.year, day.month, day.day, tzinfo=zone) if zone else datetime(
            day.year, day.month, day.day).astimezone()
        return int(moment.astimezone(timezone.utc).timestamp()) * SLOTS

    return at(first), at(after)


def _date_range(word: str, zone: tzinfo | None) -> tuple[int, int] | None:
    m = _DATE.match(word)
    try:
        if m and m.group(3):
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return _local_bounds(day, date.fromordinal(day.toordinal() + 1), zone)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
            return _local_bounds(date(year, month, 1), nxt, zone)
    except ValueError:
        return None
    y = _YEAR.match(word)
    return _local_bounds(date(int(word), 1, 1), date(int(word) + 1, 1, 1), zone) if y else None


def _term(word: str, prefix: bool) -> str:
    star = "*" if prefix else ""
    mrn = f'"{MRN_MARK}{word}"{star}'  # a word with a digit may be a fragment of an MRN
    if _TYPED_ID_PREFIX.match(word):  # a case id's start ('P2025'): its exact prefix token
        return f'({{ids}} : "{word}" OR {mrn})'
    if any(c.isdigit() for c in word):
        return f'({_NOT_MRN} : "{word}"{star} OR {mrn})'
    return f'{_NOT_MRN} : "{word}"{star}'


def parse(text: str, zone: tzinfo | None = None) -> Query:
    """Words in any order, all of which must match (each a prefix; a one-letter word before the
    last, like the initial of 'Dr. A. Patel', whole); a date YYYY-MM-DD or YYYY-MM (the local
    day or month the case started); a year alone finds that year's cases and MRNs containing it."""
    raw = text.split()
    ranges: list[tuple[int, int]] = []
    terms: list[str] = []
    or_range = None
    for i, token in enumerate(raw):
        bounds = _date_range(token, zone) if _DATE.match(token) or (_YEAR.match(token) and len(raw) > 1) else None
        if bounds is not None:
            ranges.append(bounds)
            continue
        if len(raw) == 1 and _YEAR.match(token):
            or_range = _date_range(token, zone)
        found = words(token)
        for j, word in enumerate(found):
            last = i == len(raw) - 1 and j == len(found) - 1
            terms.append(_term(word, prefix=last or len(word) > 1))
    match = " AND ".join(dict.fromkeys(terms)) or None
    return Query(match, tuple(ranges), or_range)


@dataclass(frozen=True)
class Filters:
    """What the case list narrows to, besides the search text."""

    status: str | None = None
    room: str | None = None  # exact, as folded
    since: str | None = None  # UTC ISO, inclusive
    until: str | None = None  # UTC ISO, exclusive
    unsigned_by: str | None = None  # username: closed cases without their signature in force


_UNSIGNED = ("c.status = 'closed' AND NOT EXISTS (SELECT 1 FROM signature_events AS s WHERE "
             "s.procedure_id = c.procedure_id AND s.action = 'sign' AND s.username = ? AND NOT EXISTS ("
             "SELECT 1 FROM signature_events AS n WHERE n.signature_id = s.signature_id AND n.action = 'supersede'))")


def page_ids(conn: sqlite3.Connection, query: Query | None, filters: Filters, *, sort: str = "started_at",
             descending: bool = True, limit: int = 100, offset: int = 0) -> list[str]:
    """The procedure ids of one page of the case list, in order; every plan is an index walk
    (the newest matches of a search come straight from FTS5 in rowid order)."""
    column = SORT_COLUMNS.get(sort)
    if column is None:
        raise ValueError(f"cannot sort the case list by {sort!r}")
    where: list[str] = []
    params: list[object] = []
    lo, hi = None, None
    bounds = list(query.ranges if query else ())
    if filters.since is not None:
        bounds.append((epoch_seconds(filters.since) * SLOTS, 2 ** 62))
    if filters.until is not None:
        bounds.append((-(2 ** 62), epoch_seconds(filters.until) * SLOTS))
    if bounds:
        lo, hi = max(b[0] for b in bounds), min(b[1] for b in bounds)
        if lo >= hi:
            return []
    for clause, value in (("c.status = ?", filters.status), ("c.room_key = ?", fold(filters.room or "") or None),
                          (_UNSIGNED, filters.unsigned_by)):
        if value is not None:
            where.append(clause)
            params.append(value)
    direction = "DESC" if descending else "ASC"
    order = f"ORDER BY c.{column} {direction}" + ("" if column == "doc_id" else f", c.doc_id {direction}")
    if query is not None and query.match is not None and query.or_range is None and column == "doc_id":
        # The common case: FTS5 yields the matches newest first (rowid order) and stops at the page.
        if lo is not None:
            where += ["s.rowid >= ?", "s.rowid < ?"]
            params += [lo, hi]
        sql = ("SELECT c.procedure_id FROM case_search AS s JOIN case_index AS c ON c.doc_id = s.rowid "
               "WHERE case_search MATCH ?" + "".join(f" AND {w}" for w in where)
               + f" ORDER BY s.rowid {direction} LIMIT ? OFFSET ?")
        return [r[0] for r in conn.execute(sql, [query.match, *params, limit, offset])]
    if lo is not None:
        where += ["c.doc_id >= ?", "c.doc_id < ?"]
        params += [lo, hi]
    if query is not None and query.match is not None:
        hits = "c.doc_id IN (SELECT rowid FROM case_search WHERE case_search MATCH ?)"
        if query.or_range is not None:  # (unary + : walk the cases newest first and test each, not a union)
            where.append("((+c.doc_id >= ? AND +c.doc_id < ?) OR +c.doc_id IN "
                         "(SELECT rowid FROM case_search WHERE case_search MATCH ?))")
            params[len(params):] = [*query.or_range, query.match]
        else:
            where.append(hits)
            params.append(query.match)
    sql = ("SELECT c.procedure_id FROM case_index AS c" + (" WHERE " + " AND ".join(where) if where else "")
           + f" {order} LIMIT ? OFFSET ?")
    return [r[0] for r in conn.execute(sql, [*params, limit, offset])]


def rooms(conn: sqlite3.Connection) -> list[str]:
    """The rooms cases were done in (as recorded, most recent spelling), for the room filter."""
    # A skip-scan of the room index: one seek per distinct room, not a read of every case.
    return [r[0] for r in conn.execute("""
        WITH RECURSIVE r(k) AS (
          SELECT min(room_key) FROM case_index WHERE room_key > ''
          UNION ALL SELECT (SELECT min(room_key) FROM case_index WHERE room_key > r.k) FROM r WHERE r.k IS NOT NULL)
        SELECT (SELECT room FROM case_index WHERE room_key = r.k ORDER BY doc_id DESC LIMIT 1) FROM r
        WHERE r.k IS NOT NULL""")]
