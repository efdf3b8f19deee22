"""Exports on the PostgreSQL server (issue 17): a 25-case demo file moved with ``migrate-db`` exports the
same bytes from the server as from the file, in every format, through ``cathlog export`` itself; the
export filters (dates, category, status, an operator's name) choose the same cases on both."""

import json

import pytest

from cathlog import cli
from cathlog.services import Services
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD


@pytest.fixture
def moved(services, admin, pg_db, monkeypatch):
    """A 25-case demo file and the server database it was moved to (by the runtime role's URL)."""
    services.demo.load(admin, 25, seed=7)
    services.server.migrate_to_server(admin, pg_db.owner_url)
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    return services.store.path, pg_db.app_url


def _export(db, fmt: str, out, *extra: str) -> bytes:
    assert cli.main(["export", "--format", fmt, "--out", str(out), "--db", str(db), *extra]) == 0
    return out.read_bytes()


def test_json_export_of_a_moved_lab_is_byte_identical_on_the_server(moved, tmp_path):
    path, url = moved
    from_file = _export(path, "json", tmp_path / "file.json")
    from_server = _export(url, "json", tmp_path / "server.json")
    assert from_server == from_file
    assert len(json.loads(from_file)["procedures"]) == 25


def test_fhir_export_of_a_moved_lab_is_byte_identical_on_the_server(moved, tmp_path):
    path, url = moved
    assert _export(url, "fhir", tmp_path / "server.json") == _export(path, "fhir", tmp_path / "file.json")


@pytest.mark.parametrize(("extra", "some"), [
    (("--since", "2026-11-17"), True), (("--until", "2026-11-17"), True), (("--status", "open"), True),
    (("--category", "venous"), True), (("--operator", "LINDQVIST"), True), (("--operator", "zzz"), False)])
def test_export_filters_choose_the_same_cases_on_the_server(moved, tmp_path, extra, some):
    path, url = moved
    from_file = _export(path, "json", tmp_path / "file.json", *extra)
    assert _export(url, "json", tmp_path / "server.json", *extra) == from_file
    assert (0 < len(json.loads(from_file)["procedures"]) < 25) is some


def test_the_export_is_audited_on_the_server(moved, tmp_path, clock):
    _, url = moved
    _export(url, "json", tmp_path / "server.json")
    server = Services(Store.open(url), clock, hasher=FAST_HASHER)
    try:
        reader = server.auth.sign_in("admin", PASSWORD)
        (row,) = server.admin.audit_rows(reader, action="export")
        assert row.entity_id == "server.json"
    finally:
        server.close()
