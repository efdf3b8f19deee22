"""Queries and inserts for patients, procedures and events.

The only module that knows the record tables' names and columns. Every
function takes the :class:`Store`; inserts must run inside ``store.write()``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from cathlog.domain.enums import EventKind, ProcedureStatus, TeamRole
from cathlog.domain.errors import CorruptDatabase
from cathlog.domain.fields import PATIENT_FIELDS
from cathlog.domain.records import (
    CaseSummary,
    EventHistory,
    EventVersion,
    Patient,
    Procedure,
    ProcedureRecord,
    TeamMember,
    normalize_mrn,
)
from cathlog.store.db import Store
from cathlog.store.errors import translated
from cathlog.store import search as case_search
from cathlog.store import search_query
from cathlog.store.seals import insert_sealed

_PATIENT_COLUMNS = ("patient_id", "version") + tuple(s.name for s in PATIENT_FIELDS)


# --- patients ------------------------------------------------------------------


def _patient(row: dict[str, Any]) -> Patient:
    return Patient(**{k: row[k] for k in _PATIENT_COLUMNS})


def insert_patient_version(store: Store, patient: Patient, *, changed_at: str, changed_by: str,
                           reason: str | None = None) -> None:
    row = {k: getattr(patient, k) for k in _PATIENT_COLUMNS}
    row.update(mrn_norm=normalize_mrn(patient.mrn), changed_at=changed_at, changed_by=changed_by, reason=reason)
    insert_sealed(store, "patient_versions", row)
    if patient.patient_id is not None:
        case_search.index_patient(store.engine, patient.patient_id)


def reserve_mrn(store: Store, mrn: str, patient_id: str) -> None:
    """Claim an MRN (in its normalised form) for a patient, for ever."""
    insert_sealed(store, "patient_mrns", {"mrn_norm": normalize_mrn(mrn), "patient_id": patient_id})


@translated
def patient_id_for_mrn(store: Store, mrn: str) -> str | None:
    found = store.engine.scalar("SELECT patient_id FROM patient_mrns WHERE mrn_norm = ?", [normalize_mrn(mrn)])
    return str(found) if found is not None else None


@translated
def get_patient(store: Store, patient_id: str, version: int | None = None) -> Patient | None:
    """The patient's latest details, or those of one version."""
    if version is None:
        row = store.engine.one(
            "SELECT * FROM patient_versions WHERE patient_id = ? ORDER BY version DESC LIMIT 1", [patient_id])
    else:
        row = store.engine.one("SELECT * FROM patient_versions WHERE patient_id = ? AND version = ?",
                               [patient_id, version])
    return _patient(row) if row else None


# --- procedures ----------------------------------------------------------------


def _team(text: str) -> tuple[TeamMember, ...]:
    """A case's stored team; ValueError (translated: the database is damaged) for text of another shape
    than cathlog writes, e.g. a flipped byte that still parses as JSON."""
    members = json.loads(text)
    if not isinstance(members, list) or not all(isinstance(m, dict) and isinstance(m.get("name"), str)
                                                for m in members):
        raise ValueError("a case's team is not a list of named members")
    return tuple(TeamMember(m["name"], TeamRole(m.get("role"))) for m in members)


def _procedure(row: dict[str, Any]) -> Procedure:
    return Procedure(
        procedure_id=row["procedure_id"], patient_id=row["patient_id"], category=row["category"],
        planned=tuple(json.loads(row["planned"])), indication=row["indication"], urgency=row["urgency"],
        started_at=row["started_at"], status=ProcedureStatus(row["status"]),
        indication_detail=row["indication_detail"], room=row["room"],
        team=_team(row["team"]),
        act_target_low_s=row["act_target_low_s"], act_target_high_s=row["act_target_high_s"],
        patient_version=row["patient_version"], accession_number=row.get("accession_number"),
        study_instance_uid=row.get("study_instance_uid"), requested_procedure=row.get("requested_procedure"),
        version=row["version"], changed_at=row["changed_at"], changed_by=row["changed_by"],
    )


def insert_procedure_version(store: Store, proc: Procedure, *, reason: str | None = None) -> None:
    # The DICOM identifiers (schema 14) are written only when the case has them, like every optional column.
    dicom = {k: v for k, v in (("accession_number", proc.accession_number),
                               ("study_instance_uid", proc.study_instance_uid),
                               ("requested_procedure", proc.requested_procedure)) if v is not None}
    insert_sealed(store, "procedure_versions", {**dicom,
        "procedure_id": proc.procedure_id, "version": proc.version, "patient_id": proc.patient_id,
        "category": proc.category, "planned": json.dumps(list(proc.planned)), "indication": proc.indication,
        "indication_detail": proc.indication_detail, "urgency": proc.urgency, "room": proc.room,
        "started_at": proc.started_at, "status": proc.status.value,
        "team": json.dumps([m.to_json() for m in proc.team], ensure_ascii=False),
        "act_target_low_s": proc.act_target_low_s, "act_target_high_s": proc.act_target_high_s,
        "patient_version": proc.patient_version,
        "changed_at": proc.changed_at, "changed_by": proc.changed_by, "reason": reason,
    })
    case_search.index_procedure(store.engine, proc.procedure_id)


@translated
def get_procedure(store: Store, procedure_id: str) -> Procedure | None:
    row = store.engine.one(
        "SELECT * FROM procedure_versions WHERE procedure_id = ? ORDER BY version DESC LIMIT 1", [procedure_id])
    return _procedure(row) if row else None


@translated
def procedure_versions(store: Store, procedure_id: str) -> tuple[Procedure, ...]:
    """Every version of a procedure, oldest first."""
    return tuple(_procedure(r) for r in store.engine.rows(
        "SELECT * FROM procedure_versions WHERE procedure_id = ? ORDER BY version", [procedure_id]))


@translated
def list_cases(store: Store, *, search: str | None = None, filters: search_query.Filters | None = None,
               sort: str = "started_at", descending: bool = True, limit: int = 500,
               offset: int = 0) -> list[CaseSummary]:
    """One page of cases, newest first unless ``sort`` says otherwise (see
    ``store/search.py`` for what a search finds). The page's ids come from the
    case index (on both back ends); what is shown of them is read from the records themselves."""
    query = None
    if search and search.strip():
        query = search_query.parse(search)
        if query.match is None and not query.ranges:
            return []  # only punctuation: nothing can match it
    with store.read():
        ids = search_query.page_ids(store.engine, query, filters or search_query.Filters(), sort=sort,
                                    descending=descending, limit=limit, offset=offset)
        if not ids:
            return []
        # Only the columns shown, as plain tuples: building full records was most of the time.
        sql = ("SELECT pr.procedure_id, pr.started_at, pa.mrn, pa.family_name, pa.given_name, pr.category, "
               "pr.status, pr.team, pr.room FROM current_procedures AS pr "
               "JOIN current_patients AS pa ON pa.patient_id = pr.patient_id "
               f"WHERE pr.procedure_id IN ({', '.join('?' * len(ids))})")
        found = {}
        for pid, started, mrn, family, given, category, status, team, room in store.engine.execute(sql, ids):
            operator = next((m.name for m in _team(team) if m.role is TeamRole.PRIMARY_OPERATOR), None)
            found[pid] = CaseSummary(pid, started, mrn, f"{family}, {given}" if given else family, category,
                                     ProcedureStatus(status).value, operator, room)
    return [found[i] for i in ids if i in found]


@translated
def case_rooms(store: Store) -> list[str]:
    """The rooms cases were done in, for the case list's room filter."""
    return search_query.rooms(store.engine)


@translated
def search_index_problems(store: Store) -> list[str]:
    """Where the case index is out of step with the records ([] when in step)."""
    with store.read():
        return case_search.verify(store.engine)


def rebuild_search_index(store: Store) -> int:
    """Rebuild the case index from the records (inside ``store.write()``); the number of cases."""
    return case_search.rebuild(store.engine)


@translated
def procedure_ids(store: Store, *, since: str | None = None, until: str | None = None) -> Iterator[str]:
    """Every procedure id, oldest first (for exports; streams)."""
    where, params = [], []
    for clause, value in (("started_at >= ?", since), ("started_at < ?", until)):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = ("SELECT procedure_id FROM current_procedures" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY started_at, procedure_id")
    for row in store.engine.execute(sql, params):
        yield row[0]


@translated
def patient_procedure_ids(store: Store, patient_id: str) -> list[str]:
    """The cases of one patient, oldest first (the patient's implants across cases)."""
    rows = store.engine.execute("SELECT procedure_id FROM current_procedures WHERE patient_id = ? "
                                "ORDER BY started_at, procedure_id", [patient_id])
    return [row[0] for row in rows]


# --- events --------------------------------------------------------------------


def _event(row: dict[str, Any]) -> EventVersion:
    return EventVersion(
        event_id=row["event_id"], procedure_id=row["procedure_id"], kind=EventKind(row["kind"]),
        data=json.loads(row["data"]), occurred_at=row["occurred_at"], recorded_at=row["recorded_at"],
        recorded_by=row["recorded_by"], performed_by=row["performed_by"], workstation=row["workstation"],
        version=row["version"], voided=bool(row["voided"]), reason=row["reason"],
    )


def insert_event_version(store: Store, ev: EventVersion) -> None:
    insert_sealed(store, "event_versions", {
        "event_id": ev.event_id, "version": ev.version, "procedure_id": ev.procedure_id, "kind": ev.kind.value,
        "data": json.dumps(ev.data, ensure_ascii=False, sort_keys=True), "occurred_at": ev.occurred_at,
        "recorded_at": ev.recorded_at, "recorded_by": ev.recorded_by, "performed_by": ev.performed_by,
        "workstation": ev.workstation, "voided": int(ev.voided), "reason": ev.reason,
    })


def read_case(store: Store, procedure_id: str, *, history: bool = False) -> ProcedureRecord | None:
    """A whole case as stored now: the procedure, the patient as recorded for it and every entry with its
    history (and every version of the procedure with ``history``). None when there is no such case;
    CorruptDatabase when its patient is missing, which the schema makes impossible unless the file was
    damaged or edited outside cathlog."""
    proc = get_procedure(store, procedure_id)
    if proc is None:
        return None
    patient = get_patient(store, proc.patient_id, proc.patient_version)
    if patient is None:
        raise CorruptDatabase(f"case {procedure_id} has no patient record: the database is damaged; "
                              "run 'cathlog check' and restore the last verified backup")
    return ProcedureRecord(proc, patient, procedure_events(store, procedure_id),
                           procedure_history=procedure_versions(store, procedure_id) if history else ())


@translated
def event_versions_after(store: Store, procedure_id: str, after_row_id: int) -> list[tuple[int, EventVersion]]:
    """The versions of a case's entries stored after row ``after_row_id``, oldest first, with their rows."""
    return [(row["row_id"], _event(row)) for row in store.engine.rows(
        "SELECT * FROM event_versions WHERE procedure_id = ? AND row_id > ? ORDER BY row_id",
        [procedure_id, after_row_id])]


@translated
def count_event_versions(store: Store, procedure_id: str) -> int:
    """How many versions of entries a case has (read from the index)."""
    return int(store.engine.scalar("SELECT count(*) FROM event_versions WHERE procedure_id = ?", [procedure_id]))


@translated
def event_rows_seen(store: Store, procedure_id: str, up_to_row_id: int) -> tuple[int, str | None]:
    """How many versions of a case's entries lie at or before row ``up_to_row_id`` (read from the index), and
    which entry that row holds: what a reader that stopped at that row saw, if the file is still the same."""
    row = store.engine.execute(
        "SELECT (SELECT count(*) FROM event_versions WHERE procedure_id = ? AND row_id <= ?), "
        "(SELECT event_id FROM event_versions WHERE row_id = ?)", [procedure_id, up_to_row_id, up_to_row_id]).fetchone()
    return int(row[0]), row[1]


@translated
def event_history(store: Store, event_id: str) -> EventHistory | None:
    versions = tuple(_event(r) for r in store.engine.rows(
        "SELECT * FROM event_versions WHERE event_id = ? ORDER BY version", [event_id]))
    return EventHistory(versions) if versions else None


@translated
def procedure_events(store: Store, procedure_id: str) -> tuple[EventHistory, ...]:
    """Every entry of a case with its history, in time order of the current version."""
    by_id: dict[str, list[EventVersion]] = {}
    for row in store.engine.rows("SELECT * FROM event_versions WHERE procedure_id = ? ORDER BY row_id", [procedure_id]):
        by_id.setdefault(row["event_id"], []).append(_event(row))
    histories = [EventHistory(tuple(sorted(v, key=lambda x: x.version))) for v in by_id.values()]
    order = {eid: i for i, eid in enumerate(by_id)}
    histories.sort(key=lambda h: (h.versions[-1].occurred_at, order[h.versions[0].event_id]))
    return tuple(histories)
