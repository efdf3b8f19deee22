"""Admin use cases: backup and restore, with role checks and audit."""

from __future__ import annotations

from pathlib import Path

from cathlog.domain.records import Actor
from cathlog.rules.permissions import Action
from cathlog.services.base import ServiceBase
from cathlog.store import audit
from cathlog.store import backup as backups


class AdminService(ServiceBase):
    def audit_rows(self, actor: Actor, *, procedure_id: str | None = None, username: str | None = None,
                   since: str | None = None, action: str | None = None) -> list[audit.AuditRow]:
        self.require(actor, Action.VIEW_AUDIT)
        rows = audit.rows(self.store, procedure_id=procedure_id, username=username, since=since)
        return [r for r in rows if action is None or r.action == action]

    def verify_audit(self, actor: Actor) -> audit.ChainReport:
        self.require(actor, Action.VIEW_AUDIT)
        return audit.verify_chain(self.store)

    def backup(self, actor: Actor, target: Path) -> backups.BackupInfo:
        """A verified copy of the database at ``target``."""
        self.require(actor, Action.BACKUP)
        info = backups.backup_to(self.store, Path(target))
        with self.store.write():
            self.audit(actor, "backup", "database", info.path.name,
                       new={"file": info.path.name, "bytes": info.size_bytes, "sha256": info.sha256})
        return info

    def automatic_backup(self, folder: Path, keep: int | None = None) -> backups.BackupInfo:
        """The program's own backup (on close, daily); no user acts, so no role check. Older ones
        are kept by age (daily for 14 days, weekly for 8 weeks), or only the newest ``keep``."""
        return backups.automatic_backup(self.store, Path(folder), keep=keep, now=self.clock())

    def restore(self, actor: Actor, source: Path) -> Path | None:
        """Replace this database with a verified backup; the replaced file is kept."""
        self.require(actor, Action.RESTORE)
        source = Path(source)
        backups.verify_file(source)  # refuse before closing anything
        live = self.store.path
        if live is None:
            raise ValueError("an in-memory database cannot be restored into")
        self.store.close()
        try:
            kept = backups.restore(source, live, now=self.clock())
        finally:
            self.store.reopen()
        with self.store.write():
            self.audit(actor, "restore", "database", live.name,
                       new={"from": source.name, "replaced_file_kept_as": kept.name if kept else None})
        return kept
