"""A throwaway PostgreSQL server for the tests: one cluster per test session (per pytest-xdist worker),
started on first use, stopped at the end.

The cluster lives in a temporary folder: ``initdb --no-sync``, ``fsync=off``, no TCP at all
(``listen_addresses=''``), its Unix socket in the same folder. ``initdb`` refuses to run as root, so
as root the server's programs run as ``nobody`` (``setpriv``) and the folder is made theirs. A template
database is built once from cathlog's PostgreSQL schema (``cathlog.store.pg.schema``) and each test gets
its own ``CREATE DATABASE ... TEMPLATE`` copy (about 25 ms), owned by the owner role; the application
connects as the runtime role, which may only read and append (docs/multi-room.md).

Where no PostgreSQL is installed the tests fail with the reason when ``CI`` or
``CATHLOG_REQUIRE_PEERS`` is set (``.ci/run`` sets it and ``scripts/bootstrap.sh test`` installs
Debian's ``postgresql``), and skip with the reason elsewhere (``tests/peers.py``).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from tests.peers import free_port, missing

SUPERUSER = "postgres"
OWNER_ROLE = "cathlog_owner"
RUNTIME_ROLE = "cathlog_app"
TEMPLATE = "cathlog_template"
_UNPRIVILEGED = ("nobody", "nogroup")


def pg_bin() -> Path | None:
    """The folder of PostgreSQL's server programs: on PATH, else Debian's newest /usr/lib/postgresql/N/bin."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _as_server_user() -> list[str]:
    """The prefix that runs a server program as an unprivileged user when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return []
    user, group = _UNPRIVILEGED
    return ["setpriv", f"--reuid={user}", f"--regid={group}", "--clear-groups"]


@dataclass
class Database:
    """One test's database: its name and how each role reaches it."""

    cluster: Cluster
    name: str

    def url(self, role: str = RUNTIME_ROLE) -> str:
        return self.cluster.url(self.name, role)

    @property
    def owner_url(self) -> str:
        return self.url(OWNER_ROLE)

    @property
    def app_url(self) -> str:
        return self.url(RUNTIME_ROLE)


class Cluster:
    """initdb + pg_ctl in a temporary folder; :meth:`stop` removes everything."""

    def __init__(self, bindir: Path, *, durable: bool = False):
        self.bindir = bindir
        self.durable = durable  # fsync and synchronous commit on, as a real server (benchmarks); off for tests
        self.root = Path(tempfile.mkdtemp(prefix="cathlog-pg-"))
        self.data = self.root / "data"
        self.port = free_port()  # only names the socket file (no TCP), but keeps two clusters' names apart
        self._names = itertools.count(1)
        self.started = False

    def _run(self, program: str, *args: str) -> None:
        cmd = [*_as_server_user(), str(self.bindir / program), *args]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.root, check=False)
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed ({result.returncode}): {result.stderr.strip()}\n{tail}")

    def start(self) -> None:
        if os.geteuid() == 0:
            user, group = _UNPRIVILEGED
            shutil.chown(self.root, user, group)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync", "--no-instructions")
        options = (f"-c listen_addresses='' -c unix_socket_directories='{self.root}' -c port={self.port} "
                   "-c max_connections=60")
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                  "-o", options, "start")
        self.started = True

    def stop(self) -> None:
        try:
            if self.started:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
                self.started = False
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str, role: str) -> str:
        """A ``postgresql://`` URL reaching ``dbname`` as ``role`` over the cluster's Unix socket."""
        return f"postgresql://{role}@/{dbname}?host={quote(str(self.root), safe='/')}&port={self.port}"

    def admin(self, dbname: str = "postgres"):  # -> psycopg.Connection
        import psycopg

        return psycopg.connect(host=str(self.root), port=self.port, dbname=dbname, user=SUPERUSER, autocommit=True)

    def build_template(self) -> None:
        """The owner and runtime roles, and the template database with cathlog's schema, built by the owner."""
        import psycopg

        from cathlog.store.pg import schema as pg_schema

        with self.admin() as conn:
            for role in (OWNER_ROLE, RUNTIME_ROLE):
                conn.execute(f"CREATE ROLE {role} LOGIN")
            conn.execute(f"CREATE DATABASE {TEMPLATE} OWNER {OWNER_ROLE}")
        with psycopg.connect(host=str(self.root), port=self.port, dbname=TEMPLATE, user=OWNER_ROLE) as conn:
            pg_schema.install(conn, runtime_role=RUNTIME_ROLE)
            conn.commit()

    def new_database(self, *, empty: bool = False) -> Database:
        """A copy of the template (schema installed), or with ``empty`` a database with no schema yet."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {'template0' if empty else TEMPLATE} OWNER {OWNER_ROLE}")
        return Database(self, name)

    def copy_database(self, database: Database) -> Database:
        """A new database copied from ``database`` (nobody may be connected to it meanwhile), as a file is copied."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {database.name} OWNER {OWNER_ROLE}")
        return Database(self, name)

    def drop_database(self, database: Database) -> None:
        with self.admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database.name} WITH (FORCE)")


def start_cluster(*, durable: bool = False) -> Cluster:
    """A running cluster with the template built, or :func:`tests.peers.missing` (fail in CI, else skip)."""
    bindir = pg_bin()
    if bindir is None:
        missing("PostgreSQL is not installed (no pg_ctl on PATH or in /usr/lib/postgresql/*/bin); "
                "bash test.sh installs Debian's postgresql")
        raise AssertionError("unreachable")
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        missing("running as root, PostgreSQL's initdb needs setpriv (util-linux) to run as nobody")
    cluster = Cluster(bindir, durable=durable)
    try:
        cluster.start()
        cluster.build_template()
    except BaseException:
        cluster.stop()
        raise
    return cluster


def attack(store, *statements, params=()) -> None:
    """Change the database (a Store, or a file's path) behind cathlog's back, past its append-only triggers, as an attacker would: on a file
    with sqlite3 (the triggers dropped, the edit made, the triggers put back); on a server as its superuser,
    whose ``session_replication_role = replica`` silences the triggers (the runtime role cannot: test_pg_walls).
    A statement is SQL (``?`` placeholders, given ``params``; one without takes none), a ``{"sqlite": ..., "postgresql": ...}`` pair where the dialects
    differ, or a callable given the connection."""
    url, path = getattr(store, "url", None), getattr(store, "path", store)  # a Store, or a file's path
    if url is None:
        import sqlite3

        conn = sqlite3.connect(path)
        triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        for sql in statements:
            if callable(sql):
                sql(conn)
            else:
                text = sql["sqlite"] if isinstance(sql, dict) else sql
                conn.execute(text, params if "?" in text else ())
        for _, sql in triggers:
            conn.execute(sql)
        conn.commit()
        conn.close()
        return
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    from cathlog.store.engine import to_pyformat

    where = conninfo_to_dict(url)
    with psycopg.connect(host=where["host"], port=where["port"], dbname=where["dbname"], user=SUPERUSER) as conn:
        conn.execute("SET session_replication_role = replica")
        for sql in statements:
            if callable(sql):
                sql(conn)
            else:
                text = sql["postgresql"] if isinstance(sql, dict) else sql
                conn.execute(to_pyformat(text), params) if "?" in text else conn.execute(text)
        conn.commit()
