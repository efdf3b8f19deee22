"""cathlog's own JSON record format (see docs/record-format.md): write and read.

Writing streams one record at a time into a temporary file that is renamed
into place, and is deterministic (keys sorted, no timestamps of the export
itself), so export -> import -> export gives the same bytes. Reading checks
the whole file against the JSON Schema first and names the record and field
of the first problem; nothing is written until the whole file is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from cathlog.domain.enums import EventKind, ProcedureStatus, TeamRole
from cathlog.domain.errors import RecordFormatError
from cathlog.domain.fields import EVENT_FIELDS, PATIENT_FIELDS
from cathlog.domain.records import EventHistory, EventVersion, Patient, Procedure, ProcedureRecord, TeamMember
from cathlog.exchange.schema import FORMAT_NAME, FORMAT_VERSION, format_checker, record_schema
from cathlog.fileio import atomic_write
from cathlog.rules.validation import normalize

_PATIENT_KEYS = tuple(s.name for s in PATIENT_FIELDS)
_validator = Draft202012Validator(record_schema(), format_checker=format_checker())


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def record_to_json(record: ProcedureRecord) -> dict[str, Any]:
    proc, patient = record.procedure, record.patient
    return _drop_none({
        "procedure_id": proc.procedure_id,
        "started_at": proc.started_at,
        "status": proc.status.value,
        "category": proc.category,
        "planned": list(proc.planned),
        "indication": proc.indication,
        "indication_detail": proc.indication_detail,
        "urgency": proc.urgency,
        "room": proc.room,
        "act_target_low_s": proc.act_target_low_s,
        "act_target_high_s": proc.act_target_high_s,
        "accession_number": proc.accession_number,
        "study_instance_uid": proc.study_instance_uid,
        "requested_procedure": proc.requested_procedure,
        "team": [m.to_json() for m in proc.team],
        "patient": _drop_none({k: getattr(patient, k) for k in _PATIENT_KEYS}),
        "events": [
            {
                "event_id": h.current.event_id,
                "kind": h.current.kind.value,
                "versions": [
                    _drop_none({
                        "version": v.version, "occurred_at": v.occurred_at, "recorded_at": v.recorded_at,
                        "recorded_by": v.recorded_by, "performed_by": v.performed_by,
                        "workstation": v.workstation, "voided": v.voided, "reason": v.reason, "data": v.data,
                    })
                    for v in h.versions
                ],
            }
            for h in record.events
        ],
    })


def dumps_record(record: ProcedureRecord) -> str:
    return json.dumps(record_to_json(record), ensure_ascii=False, sort_keys=True, indent=1)


def write_records(path: str | Path, records: Iterable[ProcedureRecord]) -> int:
    """Stream records into ``path`` (atomically); returns how many were written."""
    count = 0
    with atomic_write(path) as fh:
        fh.write(f'{{"format": "{FORMAT_NAME}", "format_version": {FORMAT_VERSION}, "procedures": [\n')
        for record in records:
            if count:
                fh.write(",\n")
            fh.write(dumps_record(record))
            count += 1
        fh.write("\n]}\n")
    return count


def _where(source: str, doc: Any, path: list[Any]) -> str:
    """'file: record 3 (procedure P...), field events[2].versions[0].data.act_s'."""
    if len(path) >= 2 and path[0] == "procedures" and isinstance(path[1], int):
        try:
            pid = doc["procedures"][path[1]].get("procedure_id", "?")
        except (AttributeError, IndexError, KeyError, TypeError):
            pid = "?"
        rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[2:]).lstrip(".")
        place = f"record {path[1] + 1} (procedure {pid})"
        return f"{source}: {place}" + (f", field {rest}" if rest else "")
    rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return f"{source}" + (f": field {rest}" if rest else "")


def parse_records(raw: bytes, source: str) -> list[ProcedureRecord]:
    """Read a record file; RecordFormatError names the place of the first problem."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 byte-order mark, as some Windows editors write: harmless
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RecordFormatError(f"{source}: line {line}: not UTF-8 text (byte {exc.start})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordFormatError(f"{source}: line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise RecordFormatError(f"{source}: nested too deeply to be a record file") from None
    error = best_match(_validator.iter_errors(doc))
    if error is not None:
        message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
        raise RecordFormatError(f"{_where(source, doc, list(error.absolute_path))}: {message}")
    out = []
    for number, item in enumerate(doc["procedures"], 1):
        try:
            out.append(_record(item))
        except RecordFormatError as exc:
            raise RecordFormatError(f"{source}: record {number}: {exc}") from None
    return out


def _record(item: dict[str, Any]) -> ProcedureRecord:
    patient = Patient(**{k: item["patient"].get(k) for k in _PATIENT_KEYS})
    proc = Procedure(
        procedure_id=item["procedure_id"], patient_id="", category=item["category"], planned=tuple(item["planned"]),
        indication=item["indication"], urgency=item["urgency"], started_at=item["started_at"],
        status=ProcedureStatus(item["status"]), indication_detail=item.get("indication_detail"),
        room=item.get("room"), act_target_low_s=item.get("act_target_low_s"),
        act_target_high_s=item.get("act_target_high_s"), accession_number=item.get("accession_number"),
        study_instance_uid=item.get("study_instance_uid"), requested_procedure=item.get("requested_procedure"),
        team=tuple(TeamMember(m["name"], TeamRole(m["role"])) for m in item["team"]),
    )
    histories = []
    for ev in item["events"]:
        kind = EventKind(ev["kind"])
        versions = tuple(
            EventVersion(event_id=ev["event_id"], procedure_id=proc.procedure_id, kind=kind,
                         data=normalize(EVENT_FIELDS[kind], v["data"]), occurred_at=v["occurred_at"],
                         recorded_at=v["recorded_at"], recorded_by=v["recorded_by"],
                         performed_by=v.get("performed_by"), workstation=v["workstation"], version=v["version"],
                         voided=v["voided"], reason=v.get("reason"))
            for v in ev["versions"]
        )
        expected = list(range(1, len(versions) + 1))
        if [v.version for v in versions] != expected:
            raise RecordFormatError(f"procedure {proc.procedure_id}, entry {ev['event_id']}: versions must be "
                                    f"numbered 1 to {len(versions)} in order")
        histories.append(EventHistory(versions))
    return ProcedureRecord(proc, patient, tuple(histories))


MAX_IMPORT_BYTES = 256 * 1024 * 1024


def read_records(path: str | Path) -> list[ProcedureRecord]:
    p = Path(path)
    try:
        if p.exists() and not p.is_file():  # a folder, pipe or device (/dev/zero never ends)
            raise RecordFormatError(f"{p.name}: not a regular file; give a record file")
        size = p.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise RecordFormatError(f"{p.name}: {size // (1024 * 1024)} MB is larger than the {MAX_IMPORT_BYTES // 2**20} "
                                    "MB an import may be; split the file")
        raw = p.read_bytes()
    except OSError as exc:
        raise RecordFormatError(f"{p.name}: cannot be read ({exc.strerror})") from None
    return parse_records(raw, p.name)
