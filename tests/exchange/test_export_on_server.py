"""Exports on the PostgreSQL server (issue 17): a 25-case demo file moved with ``migrate-db`` exports the
same bytes from the server as from the file, in every format, through ``cathlog export`` itself; the
export filters (dates, category, status, an operator's name) choose the same cases on both."""

import io
import json
import re
import zipfile

import pytest

from cathlog import cli
from cathlog.services import Services
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD


def _export(db, fmt: str, out, *extra: str) -> bytes:
    assert cli.main(["export", "--format", fmt, "--out", str(out), "--db", str(db), *extra]) == 0
    return out.read_bytes()


def _same(fmt: str, server: bytes, file: bytes) -> bool:
    """JSON and FHIR byte for byte; a CSV zip or an XLSX workbook member for member (names, order and every
    byte of each), leaving out only the moment of the export: the time the zip gives each member, and the
    workbook's created/modified times (docProps/core.xml)."""
    if fmt in ("json", "fhir"):
        return server == file

    def members(data: bytes) -> list[tuple[str, bytes]]:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return [(info.filename, re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\1", z.read(info))
                     if info.filename == "docProps/core.xml" else z.read(info)) for info in z.infolist()]

    return members(server) == members(file)


def test_json_export_of_a_moved_lab_is_byte_identical_on_the_server(moved_lab, tmp_path):
    path, url = moved_lab
    from_file = _export(path, "json", tmp_path / "file.json")
    from_server = _export(url, "json", tmp_path / "server.json")
    assert from_server == from_file
    assert len(json.loads(from_file)["procedures"]) == 25


@pytest.mark.parametrize(("fmt", "extra"), [("fhir", ()), ("csv", ()), ("xlsx", ()), ("csv", ("--deidentify",)),
                                           ("json", ("--deidentify",)), ("csv", ("--operator", "okoye"))])
def test_every_format_of_a_moved_lab_is_byte_identical_on_the_server(moved_lab, tmp_path, fmt, extra):
    path, url = moved_lab
    from_file = _export(path, fmt, tmp_path / f"file.{fmt}", *extra)
    assert _same(fmt, _export(url, fmt, tmp_path / f"server.{fmt}", *extra), from_file)


@pytest.mark.parametrize(("extra", "some"), [
    (("--since", "2026-11-17"), True), (("--until", "2026-11-17"), True), (("--status", "open"), True),
    (("--category", "venous"), True), (("--operator", "LINDQVIST"), True), (("--operator", "zzz"), False)])
def test_export_filters_choose_the_same_cases_on_the_server(moved_lab, tmp_path, extra, some):
    path, url = moved_lab
    from_file = _export(path, "json", tmp_path / "file.json", *extra)
    assert _export(url, "json", tmp_path / "server.json", *extra) == from_file
    assert (0 < len(json.loads(from_file)["procedures"]) < 25) is some


def test_the_export_is_audited_on_the_server(moved_lab, tmp_path, clock):
    _, url = moved_lab
    _export(url, "json", tmp_path / "server.json")
    server = Services(Store.open(url), clock, hasher=FAST_HASHER)
    try:
        reader = server.auth.sign_in("admin", PASSWORD)
        (row,) = server.admin.audit_rows(reader, action="export")
        assert row.entity_id == "server.json"
    finally:
        server.close()


@pytest.mark.parametrize(("fmt", "extra"), [("csv", ()), ("xlsx", ()), ("xlsx", ("--deidentify",)), ("json", ())])
def test_text_a_spreadsheet_would_evaluate_exports_the_same_from_the_server(services, admin, nurse, pg_db, tmp_path,
                                                                            monkeypatch, fmt, extra):
    """Formula-like text, zero-led numbers as text, a decimal written 3.0, a corrected and a voided entry."""
    from tests.exchange.hostile_lab import hostile_lab

    evil, _ = hostile_lab(services, admin, nurse, n=5)
    (note,) = [e for e in services.cases.get_record(nurse, evil).events if e.current.kind.value == "note"]
    services.cases.correct_event(nurse, note.current.event_id, {"text": "+corrected"}, reason="-typo")
    (device,) = [e for e in services.cases.get_record(nurse, evil).events if e.current.kind.value == "device"]
    services.cases.void_event(nurse, device.current.event_id, "=wrong case")
    services.server.migrate_to_server(admin, pg_db.owner_url)
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    from_file = _export(services.store.path, fmt, tmp_path / f"file.{fmt}", *extra)
    assert _same(fmt, _export(pg_db.app_url, fmt, tmp_path / f"server.{fmt}", *extra), from_file)
