"""Admin use cases: backup and restore, the audit trail, the integrity
checks and stopping writes to a damaged file, with role checks and audit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

from cathlog.domain.errors import CathlogError, StoreError
from cathlog.domain.records import Actor
from cathlog.rules.permissions import Action
from cathlog.services.base import Clock, ServiceBase, system_clock
from cathlog.store import audit, checkpoint, keys, records
from cathlog.store import backup as backups
from cathlog.store import backup_list, backup_rotation
from cathlog.store.db import Store
from cathlog.store.sqlite_file import quick_check_file


class AuditFilters(TypedDict, total=False):
    """The audit viewer's and the CSV's filters (each optional; times UTC ISO 8601, ``until`` excluded)."""

    procedure_id: str | None
    username: str | None
    since: str | None
    action: str | None
    until: str | None


@dataclass(frozen=True)
class CheckReport:
    """What ``cathlog check`` reports: the file's integrity, the audit chain and
    every record row against its seal and the checkpoints, and every signature."""

    problems: list[str]  # integrity_check and foreign_key_check findings; [] when clean
    chain: audit.ChainReport
    tamper: list[str] = field(default_factory=list)  # key, chain, seals, checkpoints (store.audit.verify_rows)
    signatures: list[str] = field(default_factory=list)  # signatures that no longer match their content
    key_file: str = ""
    search_index: list[str] = field(default_factory=list)  # case index out of step with the records (derived)

    @property
    def ok(self) -> bool:
        return not self.problems and self.chain.ok and not self.tamper and not self.signatures \
            and not self.search_index


# How the audit actions after a backup are told to the person about to restore it.
ENTRY_ACTIONS = frozenset({"record_event", "correct_event", "void_event"})
NEW_CASE_ACTIONS = frozenset({"open_case", "import_procedure"})
SIGNING_ACTIONS = frozenset({"sign", "addendum", "save_review"})


@dataclass(frozen=True)
class RestoreLoss:
    """What the live database holds that was recorded after a backup was taken: what restoring it
    takes out of the live file (it stays in the kept copy of the replaced file)."""

    since: str  # the moment compared against, UTC ISO 8601
    exact: bool  # the live trail holds the backup's newest row: these are exactly the rows after it
    cases: int  # cases touched after it
    new_cases: int  # cases opened or imported after it
    entries: int  # log entries recorded, corrected or voided after it
    signing: int  # reviews saved, signatures, addenda after it
    rows: int  # every audited action after it (sign-ins, views, exports included)

    @property
    def nothing(self) -> bool:
        return self.rows == 0


class AdminService(ServiceBase):
    def __init__(self, store: Store, clock: Clock = system_clock,
                 verify_signatures: Callable[[], list[str]] | None = None):
        super().__init__(store, clock)
        self._verify_signatures = verify_signatures or (lambda: [])

    # --- checks -------------------------------------------------------------------

    def check(self, actor: Actor | None = None, backup_folder: Path | None = None) -> CheckReport:
        """Full integrity check of the file, the audit chain, every record row
        against its seal, the trail against its checkpoints, and every signature.

        It shows no patient data, so it needs nobody signed in: it must work
        when the users table itself is what is damaged."""
        chain = audit.verify_chain(self.store)
        tamper = audit.verify_rows(self.store, backup_folder, chain=chain)
        key_trouble = any(p.startswith(("key missing", "wrong key")) for p in tamper)
        return CheckReport(self.store.integrity_check(), chain, tamper,
                           [] if key_trouble else self._verify_signatures(), str(keys.key_path()),
                           records.search_index_problems(self.store))

    def rebuild_search_index(self) -> int:
        """Rebuild the case list's search index from the records (derived data: the records are
        read, not changed, so like ``check`` it needs nobody signed in); the number of cases."""
        with self.store.write():
            return records.rebuild_search_index(self.store)

    def background_check(self) -> str | None:
        """``quick_check`` of the live file on its own connection (safe from a
        worker thread); None when sound (or in memory), else what is wrong."""
        path = self.store.path
        return None if path is None else quick_check_file(path)

    def stop_writing(self) -> None:
        """After a failed background check: nothing more is written to this file."""
        self.store.stop_writing()

    # --- path-level, before a database is open ------------------------------------

    @staticmethod
    def verify_file(path: Path) -> None:
        """Raise unless ``path`` is a sound cathlog database (a backup, say)."""
        backups.verify_file(Path(path))

    @staticmethod
    def last_verified_backup(folder: Path) -> Path | None:
        """The newest backup in ``folder`` that passes verification, if any."""
        return backup_rotation.latest_backup(Path(folder))

    @staticmethod
    def restore_into(source: Path, live: Path, now: datetime | None = None) -> Path | None:
        """Put a verified backup in place of a database that cannot be opened
        (nobody can sign in to it, so there is no role check and no audit row);
        returns where the replaced file is kept."""
        return backups.restore(Path(source), Path(live), now=now)

    # --- choosing a backup to restore ----------------------------------------------

    def list_backups(self, actor: Actor, folder: Path) -> list[backup_list.BackupSummary]:
        """The backups in ``folder`` (automatic ones and other ``*.db`` files), newest first, with
        their size and moment only (instant, ``read`` False): :meth:`backup_reader` reads each
        file's cases and entries, :meth:`backup_verifier` checks it, both beside the screen."""
        self.require(actor, Action.RESTORE)
        found = [backup_list.first_look(p) for p in backup_list.backup_files(Path(folder))]
        return sorted(found, key=lambda b: b.taken_at, reverse=True)

    def backup_summary(self, actor: Actor, path: Path) -> backup_list.BackupSummary:
        """One file's size, moment, cases and entries, read from it read-only."""
        return self.backup_reader(actor)(Path(path))

    def backup_reader(self, actor: Actor) -> Callable[[Path], backup_list.BackupSummary]:
        """For reading many backups beside the screen: the role is checked once, here; the function
        returned opens only the backup file, read-only (safe on a worker thread)."""
        self.require(actor, Action.RESTORE)
        return lambda path: backup_list.summarise(Path(path))

    def verify_backup(self, actor: Actor, path: Path) -> str | None:
        """None when ``path`` is a sound cathlog database this program can restore, else why not.
        Reads the whole file (``integrity_check``): run it beside the screen, not in front of it."""
        return self.backup_verifier(actor)(Path(path))

    def backup_verifier(self, actor: Actor) -> Callable[[Path], str | None]:
        """For checking many files beside the screen: the role is checked once, here, and the
        function returned touches only the files (safe on a worker thread; no database access)."""
        self.require(actor, Action.RESTORE)

        def check(path: Path) -> str | None:
            try:
                backups.verify_file(Path(path))
            except (CathlogError, OSError) as exc:
                return str(exc)
            return None

        return check

    def lost_by_restoring(self, actor: Actor, backup: backup_list.BackupSummary) -> RestoreLoss:
        """What restoring ``backup`` (from :meth:`list_backups`) takes out of the live database."""
        self.require(actor, Action.RESTORE)
        found = backup_list.recorded_since(self.store, backup)

        def count(actions: frozenset[str]) -> int:
            return sum(n for action, n in found.actions.items() if action in actions)

        return RestoreLoss(found.since, found.exact, found.cases, count(NEW_CASE_ACTIONS), count(ENTRY_ACTIONS),
                           count(SIGNING_ACTIONS), found.rows)

    # --- the audit trail ------------------------------------------------------------

    def log_audit_export(self, actor: Actor, filters: Mapping[str, Any], count: int, target: str) -> None:
        """Record that the audit trail (``count`` rows, ``filters``) was written to ``target``."""
        self.require(actor, Action.VIEW_AUDIT)
        with self.store.write():
            self.audit(actor, "export_audit", "audit", target, new={"format": "csv", "filters": dict(filters),
                                                                      "rows": count})

    def audit_rows(self, actor: Actor, *, procedure_id: str | None = None, username: str | None = None,
                   since: str | None = None, action: str | None = None, until: str | None = None,
                   after_seq: int | None = None, before_seq: int | None = None, newest_first: bool = False,
                   limit: int | None = None) -> list[audit.AuditRow]:
        """The audit rows matching every filter given (``since`` included, ``until`` not: UTC ISO 8601),
        in ``seq`` order or ``newest_first``, keyset-paged: only ``after_seq < seq < before_seq``, at
        most ``limit``. The audit viewer asks for the newest page, then the next one before the last
        ``seq`` it shows; the CSV (GUI and command line) walks the whole selection page by page."""
        self.require(actor, Action.VIEW_AUDIT)
        return list(audit.rows(self.store, procedure_id=procedure_id, username=username, action=action,
                               since=since, until=until, after_seq=after_seq, before_seq=before_seq,
                               newest_first=newest_first, limit=limit))

    def audit_count(self, actor: Actor, *, procedure_id: str | None = None, username: str | None = None,
                    since: str | None = None, action: str | None = None, until: str | None = None,
                    after_seq: int | None = None, before_seq: int | None = None) -> int:
        """How many rows :meth:`audit_rows` gives for these filters."""
        self.require(actor, Action.VIEW_AUDIT)
        return audit.count(self.store, procedure_id=procedure_id, username=username, action=action, since=since,
                           until=until, after_seq=after_seq, before_seq=before_seq)

    def verify_audit(self, actor: Actor, backup_folder: Path | None = None) -> audit.ChainReport:
        """The chain, every version row against its seal, the key and the checkpoints
        (``problems`` lists all findings; ``ok`` only when there are none)."""
        self.require(actor, Action.VIEW_AUDIT)
        chain = audit.verify_chain(self.store)
        return replace(chain, problems=tuple(audit.verify_rows(self.store, backup_folder, chain)))

    def _on_a_file(self, what: str) -> None:
        """Refuse, by name, what works on the database file itself when this database is a server's."""
        if self.store.url is not None:
            raise StoreError(f"{what} works on a database file; a PostgreSQL server is backed up and restored by "
                             "the lab's IT with pg_dump and pg_restore (docs/multi-room.md)")

    def backup(self, actor: Actor, target: Path) -> backups.BackupInfo:
        """A verified copy of the database at ``target``."""
        self.require(actor, Action.BACKUP)
        self._on_a_file("backup")
        info = backups.backup_to(self.store, Path(target))
        with self.store.write():
            self.audit(actor, "backup", "database", info.path.name,
                       new={"file": info.path.name, "bytes": info.size_bytes, "sha256": info.sha256})
        return info

    def automatic_backup(self, folder: Path, keep: int | None = None) -> backups.BackupInfo:
        """The program's own backup (on close, daily); no user acts, so no role check. Older ones
        are kept by age (daily for 14 days, weekly for 8 weeks), or only the newest ``keep``."""
        self._on_a_file("the automatic backup")
        return backup_rotation.automatic_backup(self.store, Path(folder), keep=keep, now=self.clock())

    def restore(self, actor: Actor, source: Path) -> Path:
        """Write a verified backup into this database; returns where the replaced content is kept.

        The backup is refused, naming the difference, unless it is a cathlog file of
        a known version whose tables, indexes, triggers and views are exactly what the
        migrations make. Its content is written into the live database through SQLite's
        backup API under the write lock, so other open windows see it (they learn of it
        through :meth:`database_replaced_since`) and no window writes into a file set
        aside; the replaced content is first copied to a verified file, returned. The
        audit row is part of the restored content's single commit.
        """
        self.require(actor, Action.RESTORE)
        self._on_a_file("restore")
        source = Path(source)
        live = self.store.path
        if live is None:
            raise ValueError("an in-memory database cannot be restored into")
        kept = backups.kept_path(live, self.clock())

        def audit_restore(staged: Store) -> None:
            ServiceBase(staged, self.clock).audit(actor, "restore", "database", live.name,
                                                  new={"from": source.name, "replaced_file_kept_as": kept.name})

        kept_file = backups.restore_into(self.store, source, kept, prepare=audit_restore)
        checkpoint.save(self.store, force=True)  # the restored trail is the trail now (on purpose, audited)
        return kept_file

    def database_replaced_since(self, token: str | None) -> tuple[bool, str]:
        """(replaced?, current token) for a window that holds ``token`` (None: the first call).

        Cheap (one indexed read): a window polls it, e.g. every few seconds, and on
        True reloads what it shows, because a restore (from any window or the command
        line) replaced the database under it. No role check: it reveals nothing.
        """
        current = backups.database_token(self.store)
        return (token is not None and token != current), current
