"""Issue 13 item 13: a de-identified export links back to nothing.

Every identifier (case, patient, MRN, entry and every reference to an entry,
device lot and serial) is a keyed pseudonym whose key lives outside the
database; every time of a case moves by the one case offset; no identified id
and no real date appears in the bytes of any format."""

import json
import re
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from cathlog.domain.enums import TeamRole
from cathlog.domain.fields import EVENT_FIELDS, FieldType
from cathlog.domain.records import TeamMember, parse_utc_iso
from cathlog.exchange.export import FORMATS, export
from cathlog.exchange.json_records import parse_records
from cathlog.rules.deidentify import REF_FIELDS, deidentify
from cathlog.store import keys
from tests.helpers import CORONARY, make_patient, open_case

pytestmark = pytest.mark.backends
DATE = re.compile(rb"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")


@pytest.fixture
def lab(services, admin, nurse, clock):
    """Demo cases, plus a case with every device identifier, entry references, a correction and a
    late entry recorded two days after it occurred."""
    services.demo.load(admin, 6, seed=13)
    proc = open_case(services, nurse, mrn="77ZZ1")
    lesion = services.cases.record_event(nurse, proc.procedure_id, "lesion",
                                         {"vessel": "lad", "stenosis_pre_pct": 90}, confirm=True)
    stent = services.cases.record_event(
        nurse, proc.procedure_id, "device",
        {"device_type": "des", "state": "implanted", "lot": "LOT-98765Q", "serial": "SN0042-7781",
         "udi": "(01)00884838002517(17)280131(10)LOT-98765Q(21)SN0042-7781", "expiry_date": "2028-01-31",
         "diameter_mm": 3.0, "length_mm": 18.0, "lesion_event_id": lesion.event_id}, confirm=True)
    services.cases.record_event(nurse, proc.procedure_id, "inflation",
                                {"device_event_id": stent.event_id, "pressure_atm": 14.0, "duration_s": 20},
                                confirm=True)
    ev = services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 250}, confirm=True)
    clock.advance(hours=50)
    services.cases.correct_event(nurse, ev.event_id, {"act_s": 205}, reason="typo")
    services.cases.record_event(nurse, proc.procedure_id, "note", {"text": "late entry"},
                                occurred_at=clock() - timedelta(hours=49), confirm=True)
    team = [TeamMember("Dr. Ölz", TeamRole.PRIMARY_OPERATOR)]
    old = services.cases.register_patient(nurse, make_patient("OLD2", birth_date="1931-07-14"), confirm=True)
    services.cases.open_case(nurse, old.patient_id, CORONARY, team=team)
    return proc


#: The workbook's document properties: openpyxl stamps them with the time of the save (the export's own
#: wall-clock time, not a date of any case); checked on their own below.
XLSX_PROPERTIES = "docProps/core.xml"


def _exports(tmp_path, services, admin, tag="a"):
    """Every format, de-identified, through the one export function; their text (zips opened)."""
    texts = {}
    for fmt in FORMATS:
        out = tmp_path / f"{tag}.{fmt}"
        export(services, admin, fmt, out, {}, deidentify=True)
        if fmt in ("csv", "xlsx"):
            with zipfile.ZipFile(out) as z:
                texts[fmt] = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                                       if n != XLSX_PROPERTIES)
                if fmt == "xlsx":
                    texts["xlsx properties"] = z.read(XLSX_PROPERTIES).decode()
        else:
            texts[fmt] = out.read_text(encoding="utf-8")
    return texts


def _source_identifiers(store):
    engine = store.engine
    ids = {r["procedure_id"] for r in engine.rows("SELECT procedure_id FROM procedure_versions")}
    ids |= {r["patient_id"] for r in engine.rows("SELECT patient_id FROM patient_versions")}
    ids |= {r["mrn"] for r in engine.rows("SELECT mrn FROM patient_versions")}
    ids |= {r["event_id"] for r in engine.rows("SELECT event_id FROM event_versions")}
    for row in engine.rows("SELECT data FROM event_versions"):
        data = row["data"]
        for name, value in (json.loads(data) if isinstance(data, str) else data).items():
            if name in ("lot", "serial", "udi") or name.endswith("_event_id"):
                ids.add(value)
    return {i for i in ids if i and len(i) >= 4}


def _dump(store) -> bytes:
    """Every row of every table: the file's SQL dump, or each of the server's tables read whole."""
    if store.url is None:
        return "\n".join(store.db.conn.iterdump()).encode()
    tables = [r["table_name"] for r in store.engine.rows(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
    assert "audit" in tables and "settings" in tables
    return "\n".join(repr(tuple(row.values())) for table in tables
                     for row in store.engine.rows(f"SELECT * FROM {table}")).encode()


def _source_dates(store):
    """Every calendar date anywhere in the database (a dump of every table)."""
    return {m.decode() for m in DATE.findall(_dump(store))}


def test_no_identified_id_and_no_real_date_in_any_format(tmp_path, services, admin, lab, store):
    identifiers = _source_identifiers(store)
    assert {"LOT-98765Q", "SN0042-7781", lab.procedure_id, "77ZZ1"} <= identifiers
    dates = _source_dates(store)
    # A shifted case starts on 1 January and lasts hours (the late entry: days); birth dates keep only
    # the year (YYYY-01-01). Every other date of the database is real and must not appear.
    real = {d for d in dates if not (d[5:7] == "01" and int(d[8:10]) <= 7)}
    assert len(real) >= 10 and "2026-11-21" in real and "2028-01-31" in real
    before = datetime.now(timezone.utc).date().isoformat()
    texts = _exports(tmp_path, services, admin)
    after = datetime.now(timezone.utc).date().isoformat()
    properties = texts.pop("xlsx properties")
    assert {d.decode() for d in DATE.findall(properties.encode())} <= {before, after}
    assert not [i for i in identifiers if i in properties]
    for fmt, text in texts.items():
        leaked_ids = sorted(i for i in identifiers if i in text)
        assert not leaked_ids, f"{fmt} leaks identifiers {leaked_ids[:5]}"
        found = set(DATE.findall(text.encode()))
        leaked_dates = sorted(d.decode() for d in found if d.decode() in real)
        assert not leaked_dates, f"{fmt} leaks real dates {leaked_dates[:5]}"
        shifted = {d.decode() for d in found}
        assert shifted and all(d[5:7] == "01" and int(d[8:10]) <= 7 for d in shifted), (fmt, sorted(shifted)[:5])


def test_xlsx_cells_hold_no_identifier_either(tmp_path, services, admin, lab, store):
    """The workbook read back as values (shared strings resolved), not only its bytes."""
    identifiers = _source_identifiers(store)
    out = tmp_path / "x.xlsx"
    export(services, admin, "xlsx", out, {}, deidentify=True)
    book = load_workbook(out, read_only=True)
    cells = {str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None}
    book.close()
    assert not identifiers & cells
    assert not any(i in c for c in cells for i in identifiers)


def test_pseudonyms_are_stable_across_exports_and_references_still_link(tmp_path, services, admin, lab):
    one, two = _exports(tmp_path, services, admin, "a"), _exports(tmp_path, services, admin, "b")
    assert one["json"] == two["json"] and one["fhir"] == two["fhir"] and one["csv"] == two["csv"]
    records = parse_records((tmp_path / "a.json").read_bytes(), "a.json")
    case = next(r for r in records if any(h.current.data.get("serial") for h in r.events))
    ids = {h.current.event_id for h in case.events}
    refs = [(kind, h.current.data[name]) for h in case.events for kind in [h.current.kind]
            for name in REF_FIELDS[kind] if h.current.data.get(name)]
    assert len(refs) == 2 and all(ref in ids for _, ref in refs)  # links inside a case survive
    device = next(h.current for h in case.events if h.current.kind.value == "device")
    assert device.data["serial"].startswith("S") and device.data["lot"].startswith("L")
    assert "udi" not in device.data and "expiry_date" not in device.data  # removed, not pseudonymised
    assert case.procedure.procedure_id.startswith("C")


def test_every_ref_field_of_the_dictionary_is_pseudonymised():
    """A REF field added to the data dictionary is pseudonymised without a change here."""
    dictionary = {(k, s.name) for k, specs in EVENT_FIELDS.items() for s in specs if s.type is FieldType.REF}
    assert dictionary == {(k, n) for k, names in REF_FIELDS.items() for n in names} and dictionary


def test_every_time_of_a_case_moves_by_one_offset(services, admin, lab):
    identified = {r.procedure.procedure_id: r for r in services.exchange.iter_records(admin)}
    key = keys.deidentification_key()
    for original in identified.values():
        shifted = deidentify(original, key)
        start, new_start = parse_utc_iso(original.procedure.started_at), parse_utc_iso(shifted.procedure.started_at)
        assert (new_start.month, new_start.day, new_start.hour, new_start.minute) == (1, 1, 0, 0)
        assert new_start.year == start.year
        for before, after in zip(original.events, shifted.events, strict=True):
            for v, w in zip(before.versions, after.versions, strict=True):
                for field in ("occurred_at", "recorded_at"):
                    assert parse_utc_iso(getattr(w, field)) - new_start == parse_utc_iso(getattr(v, field)) - start
    late = deidentify(identified[lab.procedure_id], key)
    recorded = [parse_utc_iso(v.recorded_at) for h in late.events for v in h.versions]
    assert max(recorded) - parse_utc_iso(late.procedure.started_at) >= timedelta(hours=50)  # kept exactly


def test_flat_rows_move_by_the_same_offset(services, admin, lab):
    """The streamed path: every entry time relative to its case start survives."""
    plain = {t.name: list(rows) for t, rows in services.exchange.flat_tables(admin)}
    deid = {t.name: list(rows) for t, rows in services.exchange.flat_tables(admin, deidentified=True)}
    starts = {row[0]: parse_utc_iso(row[2]) for row in plain["procedures"]}
    new_starts = {row[0]: parse_utc_iso(row[2]) for row in deid["procedures"]}
    assert set(starts).isdisjoint(new_starts)
    for name, rows in plain.items():
        if not name.startswith("events_"):
            continue
        before = sorted((parse_utc_iso(r[6]) - starts[r[0]], parse_utc_iso(r[7]) - starts[r[0]]) for r in rows)
        after = sorted((parse_utc_iso(r[6]) - new_starts[r[0]], parse_utc_iso(r[7]) - new_starts[r[0]])
                       for r in deid[name])
        assert before == after, name


def test_the_key_is_not_in_the_database_nor_the_legacy_row(tmp_path, services, admin, lab, store):
    _exports(tmp_path, services, admin)
    secret = keys.read_key(keys.deid_key_path(), what="de-identification key")
    key = keys.deidentification_key()
    assert secret is not None and key != secret
    assert secret != keys.installation_key()  # never the audit key's bytes
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("cathlog.db*") if p.is_file())
    dump = _dump(store)
    for needle in (secret.hex(), key.hex(), secret.hex().upper(), key.hex().upper()):
        assert needle.encode() not in raw and needle.encode() not in dump
    assert secret not in raw and key not in raw
    assert not store.engine.one("SELECT 1 AS found FROM settings WHERE key = 'pseudonym_key'")
    assert oct(keys.deid_key_path().stat().st_mode & 0o777) == "0o600"
    # which key made an export's pseudonyms: its id in the audit row, never the key
    rows = [json.loads(r["new_value"]) for r in store.engine.rows(
        "SELECT new_value FROM audit WHERE action = 'export' ORDER BY seq")]
    assert rows and all(r["deidentification_key_id"] == keys.deid_key_id(key) for r in rows)


def test_a_legacy_key_row_in_the_database_is_not_used(tmp_path, services, admin, lab, store):
    legacy = bytes(range(32))
    with store.write():
        store.engine.execute("INSERT INTO settings (key, value) VALUES ('pseudonym_key', ?)", [legacy.hex()])
    record = next(iter(services.exchange.iter_records(admin)))
    deid = next(iter(services.exchange.deidentified(admin, iter([record]))))
    assert deid.procedure == deidentify(record, keys.deidentification_key()).procedure
    assert deid.procedure.procedure_id != deidentify(record, legacy).procedure.procedure_id


def test_a_missing_key_file_is_created_and_another_key_gives_other_pseudonyms(services, admin, lab):
    path = keys.deid_key_path()
    assert not path.exists()
    record = next(iter(services.exchange.iter_records(admin)))
    first = next(iter(services.exchange.deidentified(admin, iter([record]))))
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert path.parent == keys.key_path().parent and path != keys.key_path()
    again = next(iter(services.exchange.deidentified(admin, iter([record]))))
    assert again == first  # the same file: the same pseudonyms
    path.rename(path.with_name("old.key"))
    other = next(iter(services.exchange.deidentified(admin, iter([record]))))
    assert path.exists()  # a new key was made
    assert other.procedure.procedure_id != first.procedure.procedure_id
    assert other.patient.mrn != first.patient.mrn
    assert {h.current.event_id for h in other.events}.isdisjoint({h.current.event_id for h in first.events})


def test_a_damaged_key_file_is_a_named_error_not_a_new_key(services, admin, lab):
    path = keys.deid_key_path()
    keys.deidentification_key()
    path.write_text("not a key\n")
    with pytest.raises(Exception, match="de-identification key file .* is damaged"):
        list(services.exchange.deidentified(admin, services.exchange.iter_records(admin)))
    assert path.read_text() == "not a key\n"
