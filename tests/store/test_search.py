"""Finding a case (issue 12 item 9): the FTS5 case index finds what a person types,
accent- and case-insensitive, words in any order, MRN fragments; it is kept in step
in the writing transaction, filled by migration 0011, checked and rebuilt."""

from __future__ import annotations

import sqlite3
from datetime import timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cathlog.domain.enums import TeamRole
from cathlog.domain.errors import ValidationError
from cathlog.domain.records import TeamMember
from cathlog.store import schema, search, search_query
from cathlog.store import records as rec
from cathlog.store.db import Store
from cathlog.store.schema_check import differences
from tests.helpers import CORONARY, make_patient, open_case

pytestmark = pytest.mark.backends


def _ids(services, actor, text, **kw):
    return [c.procedure_id for c in services.cases.list_cases(actor, search=text, **kw)]


@pytest.mark.sqlite_only(reason="SQLite's own FTS5 and version")
def test_fts5_is_there_and_sqlite_is_new_enough():
    conn = sqlite3.connect(":memory:")
    assert ("ENABLE_FTS5",) in conn.execute("PRAGMA compile_options").fetchall()
    assert sqlite3.sqlite_version_info >= (3, 37, 2)  # store.sqlite_file.MIN_SQLITE: unicode61 remove_diacritics 2 is 3.27


def test_fold_and_words():
    assert search.fold("GARCÍA Müller Yılmaz Łukasz Søren Straße") == "garcia muller yilmaz lukasz soren strasse"
    assert search.words("O'Brien, Zoë") == ["o", "brien", "zoe", "obrien"]
    assert search.mrn_parts("AB-12") == "ßab12 ßb12 ß12 ß2"


@pytest.mark.parametrize("typed", ["Garcia", "GARCÍA", "garc", "María", "maria garcia", "Garcia Maria",
                                   "García, María", "GARCIA, MARIA"])
def test_accents_case_and_word_order(services, nurse, typed):
    proc = open_case(services, nurse, family_name="García", given_name="María")
    open_case(services, nurse, mrn="999", family_name="Doe", given_name="Jane")
    assert _ids(services, nurse, typed) == [proc.procedure_id]


@pytest.mark.parametrize("typed", ["Muller", "müller", "MUELLER", "mue", "Ivanova Fatima", "Fatima Ivanova",
                                   "Ivanova, Fatima", "fat iva"])
def test_names_in_any_order(services, nurse, typed):
    a = open_case(services, nurse, mrn="1", family_name="Müller", given_name="Ivanova Fatima")
    open_case(services, nurse, mrn="2", family_name="Smith", given_name="John")
    assert _ids(services, nurse, typed) == [a.procedure_id]


def test_operator_full_name_mrn_fragment_case_id_and_room(services, nurse):
    team = [TeamMember("Dr. S. Lindqvist", TeamRole.PRIMARY_OPERATOR), TeamMember("RN T. Nguyen", TeamRole.NURSE)]
    p = services.cases.register_patient(nurse, make_patient("MRN-0048213"))
    a = services.cases.open_case(nurse, p.patient_id, dict(CORONARY, room="Hybrid OR"), team=team)
    b = open_case(services, nurse, mrn="77")
    assert _ids(services, nurse, "Dr. S. Lindqvist") == [a.procedure_id]
    assert _ids(services, nurse, "lindqvist") == [a.procedure_id]
    assert _ids(services, nurse, "Dr. A. Patel") == [b.procedure_id]  # the initial must match whole
    assert _ids(services, nurse, "48213") == [a.procedure_id]  # from the middle of the MRN
    assert _ids(services, nurse, "0048") == [a.procedure_id]
    assert _ids(services, nurse, "mrn-0048213") == [a.procedure_id]
    assert _ids(services, nurse, a.procedure_id) == [a.procedure_id]
    assert _ids(services, nurse, a.procedure_id[:9].lower()) == [b.procedure_id, a.procedure_id]
    for typed in ("P2026", "p20261", "P202611", "P2026112"):  # the year or month of a case id: exact tokens
        assert _ids(services, nurse, typed) == [b.procedure_id, a.procedure_id], typed
    assert _ids(services, nurse, "P2025") == []
    assert _ids(services, nurse, "hybrid") == [a.procedure_id]
    assert _ids(services, nurse, "Nguyen") == [a.procedure_id]
    assert _ids(services, nurse, "lab") == [b.procedure_id]  # Cath Lab 2
    assert _ids(services, nurse, "zzz") == []
    assert _ids(services, nurse, "-- ;") == []


def test_letters_never_match_the_inside_of_an_mrn(services, nurse):
    open_case(services, nurse, mrn="DEMO12345", family_name="Rossi")
    assert _ids(services, nurse, "mo") == []  # 'mo' is inside DEMO, but a name search should not say so
    assert len(_ids(services, nurse, "demo")) == 1


def test_a_correction_is_indexed_in_the_same_transaction(services, nurse, store):
    proc = open_case(services, nurse, family_name="Garcai")
    patient = rec.get_patient(store, proc.patient_id)
    services.cases.update_patient(nurse, patient.patient_id, {"family_name": "García"}, reason="typo")
    assert _ids(services, nurse, "garcia") == [proc.procedure_id]
    assert _ids(services, nurse, "garcai") == [proc.procedure_id]  # the former name still finds it
    assert search.verify(store.engine) == []


def test_a_failed_write_leaves_the_index_as_it_was(services, nurse, store):
    proc = open_case(services, nurse)
    before = store.engine.execute("SELECT * FROM case_index").fetchall()
    with pytest.raises(RuntimeError):
        with store.write():
            search.index_procedure(store.engine, proc.procedure_id)
            store.engine.execute("DELETE FROM case_index")
            raise RuntimeError("power cut")
    assert store.engine.execute("SELECT * FROM case_index").fetchall() == before


def test_dates_are_local_days_and_months():
    utc = timezone.utc
    day = search_query.parse("2026-11-21", zone=utc).ranges[0]
    assert day == (search.epoch_seconds("2026-11-21T00:00:00Z") * 4096, search.epoch_seconds("2026-11-22T00:00:00Z")
                   * 4096)
    plus2 = search_query.parse("2026-11-21", zone=timezone(timedelta(hours=2))).ranges[0]
    assert plus2[0] == day[0] - 2 * 3600 * 4096
    assert search_query.parse("2026-12", zone=utc).ranges[0][1] == search.epoch_seconds("2027-01-01T00:00:00Z") * 4096
    assert search_query.parse("2026", zone=utc).or_range is not None
    assert search_query.parse("2026-02-30", zone=utc).ranges == ()


def test_sort_and_filters(services, nurse, clock):
    ids = []
    for i, (family, room) in enumerate([("Brown", "Cath Lab 1"), ("Andersson", "Cath Lab 2"), ("C", "Cath Lab 1")]):
        ids.append(open_case(services, nurse, mrn=f"M{i}", family_name=family,
                             details=dict(CORONARY, room=room)).procedure_id)
        clock.advance(minutes=30)
    services.cases.close_case(nurse, ids[0])
    assert _ids(services, nurse, None) == ids[::-1]
    assert _ids(services, nurse, None, descending=False) == ids
    assert _ids(services, nurse, None, sort="patient", descending=False) == [ids[1], ids[0], ids[2]]
    assert _ids(services, nurse, None, room="cath lab 1") == [ids[2], ids[0]]
    assert _ids(services, nurse, None, status="closed") == [ids[0]]
    assert _ids(services, nurse, "lab", status="open", sort="mrn") == [ids[2], ids[1]]
    assert _ids(services, nurse, None, since="2026-11-21T09:15:00Z", until="2026-11-21T09:45:00Z") == [ids[1]]
    assert services.cases.case_rooms(nurse) == ["Cath Lab 1", "Cath Lab 2"]
    with pytest.raises(ValidationError, match="sorts by one of"):
        services.cases.list_cases(nurse, sort="password")


def test_waiting_for_my_signature(services, nurse, physician, admin):
    from cathlog.domain.followup import SignatureMeaning
    from tests.conftest import PASSWORD
    from tests.services.test_review import PLAN

    a, b, c = (open_case(services, nurse, mrn=m).procedure_id for m in ("1", "2", "3"))
    for pid in (a, b):
        services.cases.close_case(nurse, pid)
    services.review.save_review(physician, b, PLAN)
    services.review.sign(physician, b, PASSWORD, SignatureMeaning.AUTHORED)
    assert _ids(services, physician, None, waiting_for_me=True) == [a]
    services.review.addendum(physician, b, "late finding", reason="new result")  # supersedes the signature
    assert set(_ids(services, physician, None, waiting_for_me=True)) == {a, b}
    assert c not in _ids(services, physician, None, waiting_for_me=True)
    from cathlog.domain.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.cases.list_cases(nurse, waiting_for_me=True)


@pytest.mark.sqlite_only(reason="FTS5's shadow tables and the file's schema check")
def test_schema_check_accepts_the_fts_shadow_tables(store):
    names = {r[0] for r in store.db.conn.execute("SELECT name FROM sqlite_master")}
    assert {"case_search", "case_search_data", "case_search_idx", "case_search_config"} <= names
    assert "search_terms" not in names
    assert differences(store.db.conn, schema.SCHEMA_VERSION) == []


@pytest.mark.sqlite_only(reason="a file's migration 0011; the server starts at the baseline")
def test_migration_0011_fills_the_index_of_existing_cases(tmp_path, services, nurse, store):
    """A version-10 file with cases: opening it with this program indexes them all (and applies the later
    migrations)."""
    ids = {open_case(services, nurse, mrn=m, family_name=f).procedure_id for m, f in (("1", "Núñez"), ("2", "Li"))}
    conn = store.db.conn
    with store.write():  # take the file back to what version 10 was
        for statement in ("DROP TABLE case_search", "DROP TABLE case_index",
                          "CREATE TABLE search_terms (\n  term TEXT NOT NULL,\n  procedure_id TEXT NOT NULL,\n"
                          "  PRIMARY KEY (term, procedure_id)\n) WITHOUT ROWID, STRICT",
                          "CREATE INDEX search_terms_procedure ON search_terms (procedure_id, term)",
                          "DROP TABLE worklist_items", "DROP TABLE worklist_marks",  # 0012
                          "DROP TRIGGER users_no_delete", "DROP TRIGGER users_removed_stays_removed",  # 0013
                          "ALTER TABLE users DROP COLUMN removed_at",
                          "DROP INDEX audit_month",  # 0017
                          "DROP INDEX audit_username", "DROP INDEX audit_action", "DROP INDEX audit_at",  # 0016
                          "DROP TABLE hl7_merge_tasks", "DROP TABLE hl7_outbox", "DROP TABLE hl7_inbox",  # 0015
                          "DROP VIEW current_dose_report_states", "DROP TABLE dose_report_states",  # 0014
                          "DROP TABLE dose_reports", "DROP TABLE dose_report_files",
                          "DROP TRIGGER event_versions_fields_14", "DROP INDEX procedure_versions_study_uid",
                          "ALTER TABLE procedure_versions DROP COLUMN accession_number",
                          "ALTER TABLE procedure_versions DROP COLUMN study_instance_uid",
                          "ALTER TABLE procedure_versions DROP COLUMN requested_procedure",
                          "DELETE FROM _sqlite_migrations WHERE name IN ('0011_case_search', '0012_worklist', "
                          "'0013_removed_users', '0014_dicom_identifiers_and_dose_inbox', "
                          "'0015_hl7_inbox_outbox', '0016_audit_indexes', '0017_audit_month')",
                          "PRAGMA user_version = 10"):
            conn.execute(statement)
    assert differences(conn, 10) == []
    path = store.path
    store.close()
    migrated = Store.open(path)
    try:
        assert migrated.db.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert search.verify(migrated.db.conn) == []
        found = [s.procedure_id for s in rec.list_cases(migrated, search="nunez")]
        assert len(found) == 1 and set(found) <= ids
        assert {s.procedure_id for s in rec.list_cases(migrated, search="patel")} == ids
    finally:
        migrated.close()
        store.db = Store.open(path).db  # the fixture closes it again


@pytest.mark.sqlite_only(reason="damages the FTS5 table; the server's twin is the test below")
def test_verify_names_what_is_out_of_step_and_rebuild_mends_it(services, nurse, store):
    a = open_case(services, nurse, mrn="1", family_name="Okafor")
    open_case(services, nurse, mrn="2", family_name="Tanaka")
    conn = store.db.conn
    with store.write():
        conn.execute("UPDATE case_index SET status = 'signed' WHERE procedure_id = ?", [a.procedure_id])
        conn.execute("INSERT INTO case_search (case_search, rowid, names, people, ids, mrn_parts) "
                     "SELECT 'delete', doc_id, names, people, ids, mrn_parts FROM case_index WHERE names = 'tanaka jane'")
    problems = search.verify(conn)
    assert any(a.procedure_id in p for p in problems)
    assert any("full-text" in p for p in problems)
    with store.write():
        assert rec.rebuild_search_index(store) == 2
    assert search.verify(conn) == []
    assert len(_ids(services, nurse, "tanaka")) == 1


def test_verify_and_rebuild_on_either_back_end(services, nurse, store):
    """A row out of step, a case missing and one the records do not have are named; rebuilding mends
    them and every search finds what it found before."""
    a = open_case(services, nurse, mrn="1", family_name="Okafor")
    b = open_case(services, nurse, mrn="2", family_name="Tanaka")
    before = {t: _ids(services, nurse, t) for t in ("okafor", "tanaka", "2", "p2026")}
    with store.write():
        store.engine.execute("UPDATE case_index SET status = 'signed' WHERE procedure_id = ?", [a.procedure_id])
        store.engine.execute("UPDATE case_index SET procedure_id = 'P-GONE' WHERE procedure_id = ?", [b.procedure_id])
    problems = search.verify(store.engine)
    assert any(a.procedure_id in p and "differs" in p for p in problems), problems
    assert any(b.procedure_id in p and "missing" in p for p in problems), problems
    assert any("P-GONE" in p for p in problems), problems
    assert rec.search_index_problems(store) == problems
    with store.write():
        assert rec.rebuild_search_index(store) == 2
    assert search.verify(store.engine) == []
    assert {t: _ids(services, nurse, t) for t in before} == before


def test_the_index_holds_the_folded_words_and_the_server_weighs_them_by_column(services, nurse, store):
    """The folded words of each column, on both back ends; on the server each is a lexeme as it is (no
    parser, no dictionary), weighted by its column, and a search's tsquery says what its FTS5 expression says."""
    proc = open_case(services, nurse, mrn="AB-12", family_name="Øster-Müller", given_name="José")
    names, mrn_parts = store.engine.execute("SELECT names, mrn_parts FROM case_index WHERE procedure_id = ?",
                                            [proc.procedure_id]).fetchone()
    assert set(names.split()) >= {"oster", "muller", "mueller", "jose"} and mrn_parts == "ßab12 ßb12 ß12 ß2"
    if store.backend == "postgresql":
        terms = store.engine.scalar("SELECT terms::text FROM case_index WHERE procedure_id = ?", [proc.procedure_id])
        for lexeme in ("'oster':1A", "'mueller':1A", "'jose':1A", "'ßab12':1 ", "'ß2':1 ", "'patel':1B", "'ab':1C"):
            assert lexeme in terms + " ", (lexeme, terms)
    assert search_query.parse("Øster 12").tsquery == "'oster':*ABC & ('12':*ABC | 'ß12':*D)"
    assert search_query.parse("Øster 12").match == '{names people ids} : "oster"* AND ({names people ids} : "12"* OR "ß12"*)'
    assert search_query.parse("p2026 x").tsquery == "('p2026':C | 'ßp2026':*D) & 'x':*ABC"
    assert search_query.parse("o'brien").tsquery == "'o':ABC & 'brien':*ABC & 'obrien':*ABC"


_NAME = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzáéíóúüñçøłßı"), min_size=2, max_size=10)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(family=_NAME, given_name=_NAME)
def test_any_name_is_found_folded_recased_and_in_any_order(services, nurse, family, given_name):
    """Whatever name is stored, typing it without accents, in another case, words in either
    order (or as displayed, 'Family, Given') finds that case."""
    mrn = f"H{abs(hash((family, given_name))) % 10 ** 9}-{len(services.cases.list_cases(nurse, limit=10 ** 6))}"
    proc = open_case(services, nurse, mrn=mrn, family_name=family.capitalize(), given_name=given_name.title())
    plain_family, plain_given = search.fold(family), search.fold(given_name)
    for typed in (f"{plain_family.upper()} {plain_given}", f"{plain_given} {plain_family.upper()}",
                  f"{family.capitalize()}, {given_name.title()}", plain_family.swapcase()):
        assert proc.procedure_id in _ids(services, nurse, typed, limit=10 ** 6), typed


def test_a_year_alone_finds_that_years_cases_and_mrns_containing_it(services, nurse):
    this_year = open_case(services, nurse, mrn="100")  # the test clock: 2026-11-21
    mrn_2025 = open_case(services, nurse, mrn="77-2025-1")
    assert set(_ids(services, nurse, "2026")) == {this_year.procedure_id, mrn_2025.procedure_id}
    assert _ids(services, nurse, "2025") == [mrn_2025.procedure_id]
    assert _ids(services, nurse, "Doe 2025") == []  # with other words a year is the start date only


@pytest.mark.sqlite_only(reason="moves a file's record to a server and searches both")
def test_a_moved_lab_finds_the_same_cases_by_every_query_class_on_the_server(services, admin, pg_db, clock):
    """migrate-db fills the server's index in the copying transaction; then each query class of
    benchmarks/search.py, sorted and filtered, gives the same cases in the same order on both."""
    from cathlog.services import Services
    from cathlog.store.pg import migrate
    from cathlog.store.pg.engine import PostgresEngine
    from tests.conftest import FAST_HASHER

    services.demo.load(admin, 40, seed=3)
    some = services.cases.list_cases(admin, limit=100)
    owner = PostgresEngine.connect(pg_db.owner_url)
    try:
        migrate.copy(services.store.engine, owner)
    finally:
        owner.close()
    server = Services(Store.open(pg_db.app_url), clock, hasher=FAST_HASHER)
    try:
        assert rec.search_index_problems(server.store) == []
        assert server.store.engine.scalar("SELECT count(*) FROM case_index") == len(some)
        typed = ["P2026", "Jan", "a", "e", "Haddad", "Ivanova Fatima", "Ivanova, Fatima", "Nunez", "GARCÍA",
                 some[7].mrn, some[7].mrn[3:8], some[3].primary_operator or "", some[5].started_at[:10],
                 some[5].started_at[:7], some[5].started_at[:4], "Zzyzx", "lab 2", "dr patel", "o'", "-"]
        assert sum(bool(services.cases.list_cases(admin, search=t)) for t in typed) >= 14
        for text in typed:
            for kw in ({}, {"sort": "patient", "descending": False}, {"sort": "mrn"}, {"status": "closed"},
                       {"room": some[0].room}, {"descending": False, "limit": 7, "offset": 3}):
                want = services.cases.list_cases(admin, search=text, **kw)
                assert server.cases.list_cases(admin, search=text, **kw) == want, (text, kw)
        assert server.cases.case_rooms(admin) == services.cases.case_rooms(admin)
    finally:
        server.close()
