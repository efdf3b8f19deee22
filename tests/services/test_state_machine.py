"""A state machine over the services: Hypothesis opens, records, corrects,
voids, closes, reopens, reviews, signs, adds addenda and round-trips the
records through JSON in any order, and after every step the invariants of a
clinical log must hold:

- versions only rise (cases and entries), and the store agrees with a model;
- a voided entry stays in the record, with every version before it;
- the audit chain verifies;
- every change is audited: exactly the audit rows the change should write,
  and a refused change writes nothing and changes nothing;
- a change after signing supersedes or invalidates the signature;
- export -> import into a fresh database -> export gives the same records
  (a signed case arrives closed: its signature does not travel).
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from cathlog.domain.enums import Role
from cathlog.domain.errors import Conflict
from cathlog.domain.followup import Review, SignatureMeaning
from cathlog.exchange.export import export
from cathlog.exchange.json_records import parse_records, record_to_json, write_records
from cathlog.services import Services
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD, FakeClock
from tests.helpers import CORONARY, TEAM, make_patient

# The audit rows each successful use case writes.
AUDIT_ROWS = {"open": 2,  # register the patient, open the case
              "record": 1, "correct": 1, "void": 1, "close": 1, "reopen": 1, "review": 1,
              "sign": 2,  # the password re-entered (sign_in), the signature
              "addendum": 1, "export": 1}
PROCEDURE_ACTIONS = {"open_case", "close_case", "reopen_case", "set_act_target", "sign", "addendum"}
EVENT_ACTIONS = {"record_event", "correct_event", "void_event"}

texts = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
                max_size=40).map(str.strip).filter(bool)
entry_data = st.one_of(st.builds(lambda t: ("note", {"text": t}), texts),
                       st.builds(lambda s: ("act", {"act_s": s}), st.integers(50, 1100)))


MAX_CASES = 3
MAX_ROUND_TRIPS = 2
CURRENT, CHANGED, SUPERSEDED = "current", "changed", "superseded"  # what became of a signature


@dataclass
class CaseModel:
    status: str = "open"
    version: int = 1
    reviewed: bool = False
    signatures: dict[str, str] = field(default_factory=dict)  # signature id -> CURRENT/CHANGED/SUPERSEDED
    addenda: int = 0


def is_open(case: CaseModel) -> bool:
    return case.status == "open"


def is_closed(case: CaseModel) -> bool:
    return case.status == "closed"


def is_signable(case: CaseModel) -> bool:
    return case.status == "closed" and case.reviewed


def is_signed(case: CaseModel) -> bool:
    return case.status == "signed"


@dataclass
class EntryModel:
    procedure_id: str
    kind: str
    version: int = 1
    voided: bool = False
    addendum: bool = False


class CaseLog(RuleBasedStateMachine):
    def __init__(self, folder: Path, database: Callable[[], tuple[Store, Callable[[], None]]] | None = None):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(dir=folder))
        self.clock = FakeClock()
        # In memory: the logic is under test here, durability in test_durability.py; or a server's new
        # database (``database``: the store, and what drops it).
        store, self._drop = database() if database else (Store.open(None), lambda: None)
        self.services = Services(store, self.clock, hasher=FAST_HASHER)
        auth = self.services.auth
        self.admin = auth.create_first_admin("admin", "Ada Admin", PASSWORD)
        auth.add_user(self.admin, "nurse", "Nina Nurse", Role.NURSE, PASSWORD)
        auth.add_user(self.admin, "doc", "Dr. Dora Doc", Role.PHYSICIAN, PASSWORD)
        self.nurse = auth.sign_in("nurse", PASSWORD, workstation="lab-2")
        self.doc = auth.sign_in("doc", PASSWORD, workstation="lab-2")
        self.model: dict[str, CaseModel] = {}
        self.entry_model: dict[str, EntryModel] = {}
        self.audited = self._audit_count()
        self.seen_case_versions: dict[str, int] = {}
        self.seen_entry_versions: dict[str, tuple[int, ...]] = {}
        self.round_trips = 0

    def teardown(self) -> None:
        self.services.store.close()
        self._drop()

    # --- helpers ---------------------------------------------------------------------

    def _changeable(self, entry: EntryModel) -> bool:
        return not entry.voided and self.model[entry.procedure_id].status == "open"

    def _any_case(self, fit: Callable[[CaseModel], bool]) -> bool:
        return any(fit(c) for c in self.model.values())

    def _pick(self, data: st.DataObject, choices: dict[str, Any], eligible: Callable[[Any], bool]) -> str:
        """Mostly a case or entry the use case applies to; sometimes any, to see it refused
        (a rule runs only when something fits: see its precondition)."""
        # In the order they were made (ids are random: sorting them would make runs irreproducible).
        fitting = [k for k, v in choices.items() if eligible(v)]
        pool = fitting if fitting and data.draw(st.integers(0, 4), label="fitting") else list(choices)
        return data.draw(st.sampled_from(pool))

    def _audit_count(self) -> int:
        return len(self.services.admin.audit_rows(self.admin))

    def _done(self, use_case: str) -> None:
        """A use case succeeded: it wrote exactly its audit rows."""
        before, expected = self.audited, AUDIT_ROWS[use_case]
        self.audited += expected
        count = self._audit_count()
        assert count == self.audited, f"{use_case} wrote {count - before} audit rows, not {expected}"

    def _refused(self, call: Callable[[], object], procedure_id: str) -> None:
        """A refused change raises Conflict, writes no audit row and changes nothing."""
        before = record_to_json(self.services.cases.get_record(self.admin, procedure_id))
        try:
            call()
        except Conflict:
            pass
        else:
            raise AssertionError("the change should have been refused")
        assert record_to_json(self.services.cases.get_record(self.admin, procedure_id)) == before
        assert self._audit_count() == self.audited, "a refused change wrote an audit row"

    def _changed(self, procedure_id: str, how: str = CHANGED) -> None:
        """The case changed: every signature it had no longer vouches for it."""
        signatures = self.model[procedure_id].signatures
        for signature_id, state in signatures.items():
            if state != SUPERSEDED:
                signatures[signature_id] = how

    # --- rules -------------------------------------------------------------------------

    @precondition(lambda self: len(self.model) < MAX_CASES)
    @rule()
    def open_case(self):
        self.clock.advance(minutes=1)
        mrn = f"SM{len(self.model) + 1:04d}"
        patient = self.services.cases.register_patient(self.nurse, make_patient(mrn), confirm=True)
        assert patient.patient_id is not None
        proc = self.services.cases.open_case(self.nurse, patient.patient_id, CORONARY, team=TEAM)
        self.model[proc.procedure_id] = CaseModel()
        self._done("open")

    @precondition(lambda self: self._any_case(is_open))
    @rule(data=st.data(), entry=entry_data)
    def record(self, data, entry):
        self.clock.advance(minutes=1)
        procedure_id = self._pick(data, self.model, is_open)
        kind, values = entry
        call = lambda: self.services.cases.record_event(self.nurse, procedure_id, kind, values,  # noqa: E731
                                                        confirm=True)
        if self.model[procedure_id].status != "open":
            self._refused(call, procedure_id)
            return
        ev = call()
        assert ev.version == 1 and not ev.voided
        self.entry_model[ev.event_id] = EntryModel(procedure_id, kind)
        self._done("record")

    @precondition(lambda self: any(self._changeable(e) for e in self.entry_model.values()))
    @rule(data=st.data(), entry=entry_data)
    def correct(self, data, entry):
        self.clock.advance(minutes=1)
        event_id = self._pick(data, self.entry_model, self._changeable)
        known = self.entry_model[event_id]
        kind, values = entry
        if kind != known.kind:  # a correction keeps the kind: give data of the entry's own kind
            values = {"text": "corrected"} if known.kind == "note" else {"act_s": 250}
        call = lambda: self.services.cases.correct_event(self.nurse, event_id, values, reason="typo",  # noqa: E731
                                                         confirm=True, expected_version=known.version)
        if not self._changeable(known):
            self._refused(call, known.procedure_id)
            return
        new = call()
        assert new.version == known.version + 1
        known.version = new.version
        self._done("correct")

    @precondition(lambda self: any(self._changeable(e) for e in self.entry_model.values()))
    @rule(data=st.data())
    def void(self, data):
        self.clock.advance(minutes=1)
        event_id = self._pick(data, self.entry_model, self._changeable)
        known = self.entry_model[event_id]
        call = lambda: self.services.cases.void_event(self.nurse, event_id, reason="wrong case")  # noqa: E731
        if not self._changeable(known):
            self._refused(call, known.procedure_id)
            return
        new = call()
        assert new.voided and new.version == known.version + 1
        known.version, known.voided = new.version, True
        self._done("void")

    @precondition(lambda self: self._any_case(is_open))
    @rule(data=st.data())
    def close(self, data):
        self.clock.advance(minutes=1)
        procedure_id = self._pick(data, self.model, is_open)
        case = self.model[procedure_id]
        call = lambda: self.services.cases.close_case(self.nurse, procedure_id)  # noqa: E731
        if case.status != "open":
            self._refused(call, procedure_id)
            return
        call()
        case.status, case.version = "closed", case.version + 1
        self._done("close")

    @precondition(lambda self: self._any_case(is_closed))
    @rule(data=st.data())
    def reopen(self, data):
        self.clock.advance(minutes=1)
        procedure_id = self._pick(data, self.model, is_closed)
        case = self.model[procedure_id]
        call = lambda: self.services.cases.reopen_case(self.nurse, procedure_id, reason="late entry")  # noqa: E731
        if case.status != "closed":
            self._refused(call, procedure_id)
            return
        call()
        case.status, case.version = "open", case.version + 1
        self._done("reopen")

    @precondition(lambda self: self._any_case(is_closed))
    @rule(data=st.data(), success=st.booleans(), notes=texts)
    def review(self, data, success, notes):
        self.clock.advance(minutes=1)
        procedure_id = self._pick(data, self.model, is_closed)
        case = self.model[procedure_id]
        review = Review(technical_success=success, follow_up_notes=notes)
        call = lambda: self.services.review.save_review(self.doc, procedure_id, review)  # noqa: E731
        if case.status != "closed":
            self._refused(call, procedure_id)
            return
        call()
        case.reviewed = True
        self._changed(procedure_id)
        self._done("review")

    @precondition(lambda self: self._any_case(is_signable))
    @rule(data=st.data())
    def sign(self, data):
        self.clock.advance(minutes=1)
        procedure_id = self._pick(data, self.model, is_signable)
        case = self.model[procedure_id]
        call = lambda: self.services.review.sign(self.doc, procedure_id, PASSWORD,  # noqa: E731
                                                 SignatureMeaning.APPROVED)
        if case.status != "closed" or not case.reviewed:
            self.audited += 1  # the password is checked (and its sign-in audited) before the case
            self._refused(call, procedure_id)
            return
        signature = call()
        assert signature.valid and not signature.superseded
        case.status, case.version = "signed", case.version + 1
        case.signatures[signature.signature_id] = CURRENT
        self._done("sign")

    @precondition(lambda self: self._any_case(is_signed))
    @rule(data=st.data(), text=texts)
    def addendum(self, data, text):
        self.clock.advance(minutes=1)
        procedure_id = self._pick(data, self.model, is_signed)
        case = self.model[procedure_id]
        call = lambda: self.services.review.addendum(self.doc, procedure_id, text,  # noqa: E731
                                                     reason="late finding")
        if case.status != "signed":
            self._refused(call, procedure_id)
            return
        note = call()
        self.entry_model[note.event_id] = EntryModel(procedure_id, "note", addendum=True)
        case.status, case.version, case.addenda = "closed", case.version + 1, case.addenda + 1
        self._changed(procedure_id, SUPERSEDED)
        self._done("addendum")

    @precondition(lambda self: self.model and self.round_trips < MAX_ROUND_TRIPS)
    @rule()
    def export_import_export(self):
        """Export everything, import it into a fresh database, export again: the same records."""
        self.clock.advance(minutes=1)
        self.round_trips += 1
        first_path = self.folder / f"first-{self.round_trips}.json"
        count = export(self.services, self.admin, "json", first_path, {})
        assert count == len(self.model)
        self._done("export")
        first = first_path.read_bytes()
        target = Services(Store.open(None), self.clock, hasher=FAST_HASHER)
        try:
            admin = target.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
            assert target.exchange.import_records(admin, parse_records(first, first_path.name),
                                                  first_path.name) == count
            second_path = self.folder / f"second-{self.round_trips}.json"
            write_records(second_path, target.exchange.iter_records(admin))
            second = json.loads(second_path.read_bytes())
        finally:
            target.store.close()
        expected = json.loads(first)
        for procedure in expected["procedures"]:  # a signature does not travel: the case arrives closed
            if procedure["status"] == "signed":
                procedure["status"] = "closed"
        assert second == expected

    # --- invariants --------------------------------------------------------------------

    @invariant()
    def store_agrees_and_versions_only_rise(self):
        for procedure_id, case in self.model.items():
            record = self.services.cases.get_record(self.admin, procedure_id)
            proc = record.procedure
            assert proc.status.value == case.status
            assert proc.version == case.version
            assert proc.version >= self.seen_case_versions.get(procedure_id, 0)
            self.seen_case_versions[procedure_id] = proc.version
            ids = {h.current.event_id for h in record.events}
            assert ids == {e for e, m in self.entry_model.items() if m.procedure_id == procedure_id}, \
                "an entry disappeared from its record (or one appeared from nowhere)"
            for history in record.events:
                versions = tuple(v.version for v in history.versions)
                assert versions == tuple(range(1, len(versions) + 1))
                seen = self.seen_entry_versions.get(history.current.event_id, ())
                assert versions[:len(seen)] == seen, "an entry's earlier versions changed"
                self.seen_entry_versions[history.current.event_id] = versions
                known = self.entry_model[history.current.event_id]
                assert history.current.version == known.version
                assert history.current.voided == known.voided  # a voided entry stays, marked void
                assert not any(v.voided for v in history.versions[:-1])

    @invariant()
    def audit_chain_verifies(self):
        report = self.services.admin.verify_audit(self.admin)
        assert report.ok, report.problem

    @invariant()
    def every_change_is_audited(self):
        assert self._audit_count() == self.audited
        rows = self.services.admin.audit_rows(self.admin)
        per_case = Counter(r.procedure_id for r in rows if r.action in PROCEDURE_ACTIONS)
        per_entry = Counter(r.entity_id for r in rows if r.action in EVENT_ACTIONS)
        addenda = Counter(r.procedure_id for r in rows if r.action == "addendum")
        for procedure_id, case in self.model.items():
            assert per_case[procedure_id] == case.version, "a case version without its audit row"
            assert addenda[procedure_id] == case.addenda
        for event_id, entry in self.entry_model.items():
            # an addendum's first version is audited by the addendum row of its case
            assert per_entry[event_id] == entry.version - entry.addendum, \
                "an entry version without its audit row"
        assert sum(addenda.values()) == sum(1 for e in self.entry_model.values() if e.addendum)

    @invariant()
    def a_change_after_signing_supersedes_or_invalidates(self):
        for procedure_id, case in self.model.items():
            if not case.signatures:
                continue
            signatures = {s.signature_id: s for s in self.services.review.signatures(self.doc, procedure_id)}
            assert signatures.keys() == case.signatures.keys()
            for signature_id, state in case.signatures.items():
                s = signatures[signature_id]
                if state == SUPERSEDED:  # by an addendum, which changes the content too
                    assert s.superseded and not s.valid, "an addendum did not supersede the signature"
                elif state == CHANGED:
                    assert s.superseded or not s.valid, "a signature still vouches for a changed case"
                else:
                    assert s.valid and not s.superseded, "a signature of an unchanged case is not valid"


@pytest.mark.backends
def test_services_state_machine(tmp_path, backend, request):
    database = None
    if backend == "postgresql":  # each run on a new server database, copied from the template
        cluster = request.getfixturevalue("pg_cluster")

        def database():
            made = cluster.new_database()
            return Store.open(made.app_url), lambda: cluster.drop_database(made)

    run_state_machine_as_test(
        lambda: CaseLog(tmp_path, database),
        # fewer runs on the server (each ~15 s of round trips here, as many as a day's cases): the same rules,
        # a smaller sample
        settings=settings(max_examples=40 if database is None else 3, stateful_step_count=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
