"""Setting up a lab's PostgreSQL server (issue 17, docs/multi-room.md): the lab's IT installs or updates
cathlog's schema there, connected as the **owner** role, and names the runtime role the workstations
connect as (which then may only read and append the record). No cathlog user signs in for it: the owner
role's own credentials are what allows it, and the schema's rows are not patient data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cathlog.domain.errors import Conflict
from cathlog.domain.records import Actor
from cathlog.paths import is_server_url, redacted_url
from cathlog.rules.permissions import Action
from cathlog.services.base import ServiceBase
from cathlog.store import audit, records
from cathlog.store.db import Store
from cathlog.store.pg.engine import PostgresEngine
from cathlog.store.pg import migrate
from cathlog.store.pg import schema as pg_schema


def install_schema(url: str, runtime_role: str) -> int:
    """Make or update the schema at ``url`` (the owner role's URL); the schema version it is at now."""
    if not is_server_url(url):
        raise ValueError("the schema is installed on a PostgreSQL server: give a postgresql:// URL")
    return pg_schema.install_at(url, runtime_role=runtime_role)


@dataclass(frozen=True)
class Migration:
    rows: dict[str, int]  # copied, per table
    audit_rows_checked: int  # the server's chain, verified after the copy


class ServerSetupService(ServiceBase):
    """Moving this database file's record to a lab's server, and a server's record back into a file."""

    def migrate_to_server(self, actor: Actor, url: str) -> Migration:
        """Copy the whole record of this file into the empty server database ``url`` names (connected as its
        owner role), then verify there with cathlog's own checks: the audit chain, every version row against
        its seal, the counts, users and settings. Audited in the file and, once verified, on the server.
        Refused (nothing copied) when this file's own chain or seals do not verify."""
        self.require(actor, Action.BACKUP)
        if not is_server_url(url):
            raise ValueError("migrate-db copies a file to a PostgreSQL server: give a postgresql:// URL")
        if self.store.path is None:
            raise ValueError("migrate-db copies a database file")
        own = audit.verify_rows(self.store)
        if own:
            raise Conflict(f"this file does not verify ({own[0]}); nothing was copied. Run 'cathlog check'.")
        engine = PostgresEngine.connect(url)
        target = Store(None, None, engine=engine)
        target.url = url
        try:
            with self.store.read():
                rows = migrate.copy(self.store.engine, engine)
                problems = migrate.compare(self.store.engine, target.engine)
            chain = audit.verify_chain(target)
            problems += audit.verify_rows(target, chain=chain)
            if problems:
                raise Conflict("the copy on the server does not match the file: " + "; ".join(problems[:5]))
            moved: dict[str, object] = {"from": Path(self.store.path).name, "to": redacted_url(url), "rows": rows}
            now = self.now()
            with target.write():
                self._audit_on(target, actor, moved, now, "the lab's record moved here from its database file")
            with self.store.write():
                self.audit(actor, "migrate_db", "database", Path(self.store.path).name, new=moved, at=now)
            return Migration(rows, chain.rows_checked)
        finally:
            target.close()

    def migrate_to_file(self, actor: Actor, path: str | Path) -> Migration:
        """Copy the whole record of this server database into the new SQLite file ``path`` (a lab going back
        from its server to one workstation), then verify the file with cathlog's own checks: the audit chain,
        every version row against its seal, the counts, users and settings against the server, read in the
        same snapshot the copy was taken from. Audited on the server and, once verified, in the file; the
        file is removed again if it does not verify. Refused (nothing made) when the server's own chain or
        seals do not verify, or ``path`` exists."""
        self.require(actor, Action.BACKUP)
        if self.store.url is None:
            raise ValueError("migrate-db --to FILE copies a PostgreSQL server's record: give --from postgresql://...")
        if is_server_url(path):
            raise ValueError("migrate-db from a server goes to a database file: give --to FILE")
        engine = self.store.engine
        if not isinstance(engine, PostgresEngine):  # pragma: no cover - a URL opens a PostgresEngine
            raise ValueError("migrate-db --to FILE copies a PostgreSQL server's record")
        own = audit.verify_rows(self.store)
        if own:
            raise Conflict(f"the server's record does not verify ({own[0]}); nothing was copied. "
                           "Run 'cathlog check'.")
        path = Path(path)
        with self.store.read():
            rows = migrate.copy_to_file(engine, path)
            target = Store.open(path)
            try:
                problems = migrate.compare(engine, target.engine)
                with target.write():
                    records.rebuild_search_index(target)  # derived from the records, as on any file
                chain = audit.verify_chain(target)
                problems += audit.verify_rows(target, chain=chain)
            except BaseException:
                target.close()
                _remove_file(path)
                raise
        if problems:
            target.close()
            _remove_file(path)
            raise Conflict("the copy in the file does not match the server: " + "; ".join(problems[:5])
                           + ". The file was removed; nothing changed on the server.")
        moved: dict[str, object] = {"from": redacted_url(self.store.url), "to": path.name, "rows": rows}
        now = self.now()
        try:
            with self.store.write():
                self.audit(actor, "migrate_db", "database", path.name, new=moved, at=now)
            with target.write():
                self._audit_on(target, actor, moved, now, "the lab's record moved here from its server",
                               entity_id=path.name)
        finally:
            target.close()
        return Migration(rows, chain.rows_checked)

    @staticmethod
    def _audit_on(target: Store, actor: Actor, moved: dict[str, object], now: str, reason: str, *,
                  entity_id: str | None = None) -> None:
        audit.append(target, at=now, username=actor.username, workstation=actor.workstation, action="migrate_db",
                     entity="database", entity_id=entity_id or str(moved["from"]), new=moved, reason=reason)


def _remove_file(path: Path) -> None:
    """A file this move made and could not verify (never a file that existed before: copy_to_file refuses)."""
    for made in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        made.unlink(missing_ok=True)
