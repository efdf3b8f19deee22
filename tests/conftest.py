"""Shared fixtures. Every test is hermetic: data, log and config folders and
the default database point into tmp_path, so no test touches real data."""

from __future__ import annotations

import functools
import inspect
import os
import re
from datetime import datetime, timezone

import pytest
from argon2 import PasswordHasher, profiles

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from cathlog.domain.enums import Role  # noqa: E402
from cathlog.domain.records import Actor  # noqa: E402
from cathlog.services import Services  # noqa: E402
from cathlog.store.db import Store  # noqa: E402

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _hermetic(tmp_path, monkeypatch):
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / "xdg" / var.lower()))
    monkeypatch.setenv("CATHLOG_DB", str(tmp_path / "default.db"))
    for var in ("CATHLOG_USER", "CATHLOG_PASSWORD", "CATHLOG_NEW_PASSWORD"):
        monkeypatch.delenv(var, raising=False)


class FakeClock:
    """A clock tests can move: starts 2026-11-21 09:00 UTC."""

    def __init__(self, start: datetime = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        from datetime import timedelta

        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster for this test session (per xdist worker), with cathlog's template
    database; fails in CI, skips elsewhere, where PostgreSQL is not installed (tests/pg.py)."""
    from tests.pg import start_cluster

    cluster = start_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_db(pg_cluster):
    """A fresh database of the test's own, copied from the template (schema installed, roles granted)."""
    database = pg_cluster.new_database()
    yield database
    pg_cluster.drop_database(database)


BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc):
    """A test marked ``backends`` (or in a module marked so) runs once per back end: its ``store`` (and so
    ``services``) is a SQLite file, then a PostgreSQL database (tests/pg.py; skipped where no PostgreSQL
    is installed, failed in CI)."""
    marked = metafunc.definition.get_closest_marker("backends")
    if "backend" in metafunc.fixturenames and marked and not metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request) -> str:
    """``sqlite`` unless the test is marked ``backends``."""
    return getattr(request, "param", "sqlite")


def same_database(store: Store):
    """What opens the database ``store`` is on once more (a second workstation): its file or its URL."""
    return store.url if store.url is not None else store.path


@pytest.fixture
def db_target(tmp_path, backend, request) -> str:
    """What a CLI test gives ``--db``/``CATHLOG_DB``: a database file in tmp_path (not yet made), or, in a
    test marked ``backends``, the PostgreSQL half's own database (tests/pg.py), reached as the runtime role."""
    if backend == "postgresql":
        return request.getfixturevalue("pg_db").app_url
    return str(tmp_path / "cli.db")


@pytest.fixture
def store(tmp_path, backend, request):
    if backend == "postgresql":
        s = Store.open(request.getfixturevalue("pg_db").app_url)
    else:
        s = Store.open(tmp_path / "cathlog.db")
    yield s
    s.close()


@pytest.fixture
def moved_lab(services, admin, pg_db, monkeypatch):
    """A 25-case demo file moved to the server with migrate-db: (the file, the runtime role's URL), the CLI
    signed in as its admin (tests/exchange/test_export_on_server.py, tests/services/test_migrate_back.py)."""
    services.demo.load(admin, 25, seed=7)
    services.server.migrate_to_server(admin, pg_db.owner_url)
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    return services.store.path, pg_db.app_url


# Argon2id still, with small parameters so the suite stays fast; the real
# profile is tested in test_auth.py::test_password_hash_is_argon2id_above_owasp_minimum.
FAST_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)


@pytest.fixture
def services(store, clock) -> Services:
    return Services(store, clock, hasher=FAST_HASHER)


@pytest.fixture
def admin(services) -> Actor:
    return services.auth.create_first_admin("admin", "Ada Admin", PASSWORD)


@pytest.fixture
def nurse(services, admin) -> Actor:
    services.auth.add_user(admin, "nurse", "Nina Nurse", Role.NURSE, PASSWORD)
    return services.auth.sign_in("nurse", PASSWORD, workstation="lab-2")


@pytest.fixture
def physician(services, admin) -> Actor:
    services.auth.add_user(admin, "doc", "Dr. Dora Doc", Role.PHYSICIAN, PASSWORD)
    return services.auth.sign_in("doc", PASSWORD, workstation="lab-2")


@pytest.fixture
def worklist_server(tmp_path, services):
    """dcmtk's wlmscpfs serving the test worklist (tests/data/mwl) for the services' today, stopped after
    the test (tests/mwl_server.py; fails in CI, skips elsewhere, when dcmtk is missing)."""
    from tests.mwl_server import start_server

    server = start_server(tmp_path / "mwl", services.mwl.today())
    yield server
    server.stop()


# --- every database test of these folders runs on both back ends, or says why not -------------------------

BOTH_BACKENDS_FOLDERS = ("tests/store/", "tests/services/", "tests/cli/", "tests/exchange/")
# What a test that opens a database itself (not through the ``store`` fixture) says in its source.
_OPENS_A_DATABASE = re.compile(r"\b(Store\.open|Services\.open|Store\(|cli\.main\(|main\(\[|sqlite3\.connect|"
                               r"connect\(|Database\()")
# Being moved to the server in wave 7 by other helpers, who mark them as they go (the lead drops a line here
# as each lands).
_SAYS_WHY = pytest.StashKey[str]()


@functools.lru_cache(maxsize=None)
def _opens_a_database(function) -> str | None:
    """"server" for a test that reaches a server by its own URL, "file" for one that opens a database
    itself, else None."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return None
    if "postgresql://" in source:
        return "server"
    return "file" if _OPENS_A_DATABASE.search(source) else None


def sqlite_only_without_reason(item: pytest.Item) -> str | None:
    """Why ``item`` breaks the rule of BOTH_BACKENDS_FOLDERS, or None: a test there that touches a database
    runs on both back ends (marked ``backends``), or on the server (``pg_db``), or is marked
    ``sqlite_only(reason=...)`` saying why it is about a file."""
    path = item.nodeid.replace("\\", "/")
    if not path.startswith(BOTH_BACKENDS_FOLDERS):
        return None
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "backend" in callspec.params:
        return None
    names = set(getattr(item, "fixturenames", ()))
    if names & {"pg_db", "pg_cluster"}:
        return None
    marker = item.get_closest_marker("sqlite_only")
    if marker is not None:
        reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
        return None if str(reason).strip() else "is marked sqlite_only without a reason"
    function = getattr(item, "function", None)
    opens = _opens_a_database(function) if function is not None else None
    if opens == "server":
        return None
    if names & {"backend", "store", "services", "db_target"} or opens:
        return ("touches a database but runs on SQLite only without saying why: mark it backends (it runs on "
                "both), or sqlite_only(reason=...) naming what is file-only")
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        problem = sqlite_only_without_reason(item)
        if problem:
            item.stash[_SAYS_WHY] = problem


@pytest.fixture(autouse=True)
def _runs_on_both_or_says_why(request):
    """The check of sqlite_only_without_reason: such a test fails at once, naming the rule."""
    problem = request.node.stash.get(_SAYS_WHY, None)
    if problem:
        pytest.fail(f"{request.node.nodeid} {problem}", pytrace=False)
