"""Rooms see each other (issue 17 item 3): a notice on the server for every committed change, and a
listener on a connection of its own.

:func:`with_notice` makes the INSERT of an audit row (``store/audit.py``) send ``pg_notify(...)`` in the
same statement: PostgreSQL delivers it at COMMIT and drops it on ROLLBACK, so a listener hears
only of what was really stored, once per audit row (no schema change: ``pg_notify`` is a function). The
payload is small JSON, far under PostgreSQL's 8000-byte limit: the writing connection's ``origin`` (so a
workstation can tell its own saves from the others'), the audit row's ``seq``, its ``procedure_id`` and
``entity``.

:class:`Listener` holds its own psycopg connection (never the workstation's: that one's transactions
must not see a LISTEN, and a wait must not block a save), used from one thread only. ``wait`` blocks at
most the time given; a lost connection is DatabaseUnavailable, after which ``connect`` tries again
(bounded by the connect timeout; TCP keepalives notice a dropped link on an idle connection:
``store.pg.engine.LINK_DEFAULTS``). ``head``
reads the newest audit row's number, so changes made while the listener was away are not missed.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from cathlog.domain.errors import DatabaseUnavailable
from cathlog.paths import redacted_url
from cathlog.store.pg.engine import link_settings

CHANNEL = "cathlog_changes"
MAX_PAYLOAD_BYTES = 7999  # PostgreSQL refuses a payload of 8000 bytes or more
LISTEN_CONNECT_TIMEOUT_S = 3


@dataclass(frozen=True)
class Notice:
    """One committed audit row, as heard by a listener."""

    origin: str
    seq: int
    procedure_id: str | None
    entity: str


def describe(url: str) -> str:
    """``role@host/database`` for the status bar (never a password; a Unix socket's folder shown as
    "local socket")."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - a URL libpq cannot read is shown without its password
        return redacted_url(url)
    host = str(info.get("host") or "localhost")
    host = "local socket" if host.startswith("/") else host
    port = str(info.get("port") or "")
    port = f":{port}" if port and port != "5432" and host != "local socket" else ""
    return f"{info.get('user') or 'cathlog'}@{host}{port}/{info.get('dbname') or ''}"


def payload(*, origin: str, seq: int, procedure_id: str | None, entity: str) -> str:
    """The notice's text; without the procedure id (a listener then refreshes everything) should a
    strange id make it longer than PostgreSQL allows."""
    fields: dict[str, Any] = {"origin": origin, "seq": seq, "procedure_id": procedure_id, "entity": entity[:64]}
    text = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    if len(text.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        fields["procedure_id"] = None
        text = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return text


def with_notice(engine: object, insert_sql: str, params: list[Any], *, seq: int, procedure_id: str | None,
                entity: str) -> tuple[str, list[Any]]:
    """The INSERT of one audit row, sending its notice in the same statement (one round trip, not two):
    the notice is delivered at COMMIT only, and never for a row that is not stored."""
    origin = str(getattr(engine, "origin", ""))
    return (f"WITH inserted AS ({insert_sql} RETURNING seq) SELECT pg_notify(?, ?) FROM inserted",
            [*params, CHANNEL, payload(origin=origin, seq=seq, procedure_id=procedure_id, entity=entity)])


def parse(text: str) -> Notice | None:
    """A notice's payload read back; None for one cathlog did not send."""
    try:
        fields = json.loads(text)
        procedure_id = fields.get("procedure_id")
        return Notice(str(fields["origin"]), int(fields["seq"]),
                      None if procedure_id is None else str(procedure_id), str(fields.get("entity", "")))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


class Listener:
    """LISTEN on a connection of its own. One thread only; every method but ``close`` may raise
    DatabaseUnavailable (then the connection is closed and ``connect`` may try again)."""

    def __init__(self, url: str, *, connect_timeout_s: int = LISTEN_CONNECT_TIMEOUT_S):
        self.url = url
        self.connect_timeout_s = connect_timeout_s
        self._conn: Any = None

    @property
    def connected(self) -> bool:
        return self._conn is not None and not (self._conn.closed or self._conn.broken)

    def connect(self) -> None:
        """Connect and LISTEN (a notice committed from now on is heard)."""
        import psycopg

        self.close()
        try:
            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=self.connect_timeout_s,
                                         application_name="cathlog changes", **link_settings(self.url))
            self._conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            self.close()
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DatabaseUnavailable(f"cannot listen for changes on {redacted_url(self.url)}: {reason}") from exc

    def wait(self, timeout_s: float) -> list[Notice]:
        """The notices that arrive within ``timeout_s`` (every one already there, then those that come
        before the time is up; returns at the first batch)."""
        import psycopg

        if not self.connected:
            raise DatabaseUnavailable("the listening connection is closed")
        found: list[Any] = []  # psycopg's Notify
        try:
            for note in self._conn.notifies(timeout=timeout_s, stop_after=1):
                found.append(note)
            # whatever else arrived with the first one, without waiting again
            found.extend(self._conn.notifies(timeout=0))
        except psycopg.Error as exc:
            self.close()
            raise DatabaseUnavailable(f"the server ended the listening connection ({str(exc).strip()})") from exc
        notices = [parse(n.payload) for n in found if n.channel == CHANNEL]
        return [n for n in notices if n is not None]

    def head(self) -> int:
        """The newest audit row's ``seq`` (0 for an empty trail), read on this connection."""
        import psycopg

        if not self.connected:
            raise DatabaseUnavailable("the listening connection is closed")
        try:
            row = self._conn.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()
        except psycopg.Error as exc:
            self.close()
            raise DatabaseUnavailable(f"cannot read the audit head ({str(exc).strip()})") from exc
        return int(row[0])

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
