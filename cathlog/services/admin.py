"""Admin use cases: backup and restore, with role checks and audit."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cathlog.domain.records import Actor
from cathlog.rules.permissions import Action
from cathlog.services.base import ServiceBase
from cathlog.store import audit, checkpoint
from cathlog.store import backup as backups


class AdminService(ServiceBase):
    def audit_rows(self, actor: Actor, *, procedure_id: str | None = None, username: str | None = None,
                   since: str | None = None, action: str | None = None) -> list[audit.AuditRow]:
        self.require(actor, Action.VIEW_AUDIT)
        rows = audit.rows(self.store, procedure_id=procedure_id, username=username, since=since)
        return [r for r in rows if action is None or r.action == action]

    def verify_audit(self, actor: Actor, backup_folder: Path | None = None) -> audit.ChainReport:
        """The chain, every version row against its seal, the key and the checkpoints
        (``problems`` lists all findings; ``ok`` only when there are none)."""
        self.require(actor, Action.VIEW_AUDIT)
        chain = audit.verify_chain(self.store)
        return replace(chain, problems=tuple(audit.verify_rows(self.store, backup_folder, chain)))

    def backup(self, actor: Actor, target: Path) -> backups.BackupInfo:
        """A verified copy of the database at ``target``."""
        self.require(actor, Action.BACKUP)
        info = backups.backup_to(self.store, Path(target))
        with self.store.write():
            self.audit(actor, "backup", "database", info.path.name,
                       new={"file": info.path.name, "bytes": info.size_bytes, "sha256": info.sha256})
        return info

    def automatic_backup(self, folder: Path, keep: int = 14) -> backups.BackupInfo:
        """The program's own backup (on close, daily); no user acts, so no role check."""
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
        checkpoint.save(self.store, force=True)  # the restored trail is the trail now (on purpose, audited)
        return kept
