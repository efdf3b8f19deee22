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
from cathlog.store import audit
from cathlog.store.db import Store
from cathlog.store.engine import PostgresEngine
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
    """Moving this database file's record to a lab's server."""

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
                self._audit_on(target, actor, moved, now)
            with self.store.write():
                self.audit(actor, "migrate_db", "database", Path(self.store.path).name, new=moved, at=now)
            return Migration(rows, chain.rows_checked)
        finally:
            target.close()

    @staticmethod
    def _audit_on(target: Store, actor: Actor, moved: dict[str, object], now: str) -> None:
        audit.append(target, at=now, username=actor.username, workstation=actor.workstation, action="migrate_db",
                     entity="database", entity_id=str(moved["from"]), new=moved,
                     reason="the lab's record moved here from its database file")
