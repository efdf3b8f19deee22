"""The server connection as a workstation sees it (issue 17 items 3 and 5).

- **State.** ``on_state(callback)`` tells ``callback(reachable, why)`` at once when the workstation's
  connection is found lost (a save or a read that could not reach the server: refused by name, the input
  kept) and when it is usable again; :meth:`check` is the cheap bounded check (one round trip on the
  workstation's connection, connecting again first if it was lost; at most the connect timeout).
- **Changes.** :meth:`watch` gives a :class:`ChangeWatch`: a listener on a connection of its own
  (``store/pg/notify.py``) that hears every change another workstation commits (its ``procedure_id``), and
  says when it lost its connection (then the window checks :meth:`head`, the newest audit row's number,
  every few seconds instead) and when it is back (changes may have been missed meanwhile: ``missed``).

On a database file there is nothing to watch: ``on_server`` is False, :meth:`watch` gives None.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cathlog.domain.errors import DatabaseUnavailable
from cathlog.services.base import Clock, ServiceBase, system_clock
from cathlog.store import audit
from cathlog.store.db import Store
from cathlog.store.pg.engine import PostgresEngine
from cathlog.store.pg.notify import Listener, describe

RETRY_S = 2.0  # how often a lost listener tries to connect again


@dataclass(frozen=True)
class Change:
    """A change another workstation committed: the audit row's number, the case it touched (None: not a
    case's, e.g. a user or a setting), and what it changed (the audit row's entity)."""

    seq: int
    procedure_id: str | None
    entity: str


@dataclass(frozen=True)
class WatchReport:
    """What the listener found: ``listening`` (False: its connection is lost, ``problem`` says why),
    ``changes`` by other workstations, ``missed`` (it was away: anything may have changed meanwhile)."""

    listening: bool
    changes: tuple[Change, ...] = ()
    missed: bool = False
    problem: str = ""
    at: float = field(default_factory=time.monotonic)


class ChangeWatch:
    """The listener, run by one thread (never the window's): :meth:`step` blocks at most ``wait_s`` and
    returns a report when something happened (None when nothing did); :meth:`stop` from any thread."""

    def __init__(self, url: str, origin: str, *, retry_s: float = RETRY_S, listener: Listener | None = None):
        self.origin = origin
        self.retry_s = retry_s
        self.listener = listener or Listener(url)
        self._stopped = threading.Event()
        self._next_try = 0.0
        self._head: int | None = None  # the newest audit row heard of

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def stop(self) -> None:
        self._stopped.set()

    def step(self, wait_s: float) -> WatchReport | None:
        if self._stopped.is_set():
            return None
        if not self.listener.connected:
            return self._connect(wait_s)
        try:
            notices = self.listener.wait(wait_s)
        except DatabaseUnavailable as exc:
            self._next_try = 0.0  # try again at once: the server may only have ended this one session
            return WatchReport(False, problem=str(exc))
        if not notices:
            return None
        self._head = max([self._head or 0] + [n.seq for n in notices])
        others = tuple(Change(n.seq, n.procedure_id, n.entity) for n in notices if n.origin != self.origin)
        return WatchReport(True, others) if others else None

    def _connect(self, wait_s: float) -> WatchReport | None:
        pause = self._next_try - time.monotonic()
        if pause > 0:
            self._stopped.wait(min(pause, wait_s))
            return None
        self._next_try = time.monotonic() + self.retry_s
        try:
            self.listener.connect()
            head = self.listener.head()
        except DatabaseUnavailable as exc:
            self.listener.close()
            return WatchReport(False, problem=str(exc))
        missed = self._head is not None and head != self._head
        self._head = head
        return WatchReport(True, missed=missed)

    def close(self) -> None:
        self._stopped.set()
        self.listener.close()


class ConnectionService(ServiceBase):
    def __init__(self, store: Store, clock: Clock = system_clock):
        super().__init__(store, clock)

    @property
    def _server(self) -> PostgresEngine | None:
        engine = self.store.engine
        return engine if isinstance(engine, PostgresEngine) else None

    @property
    def on_server(self) -> bool:
        """Whether this workstation's record is on a PostgreSQL server (else a file)."""
        return self._server is not None

    def where(self) -> str:
        """The server as the status bar names it (``role@host/database``, never a password); the file's
        path on a file."""
        return describe(self.store.url) if self.store.url else self.store.label

    def on_state(self, callback: Callable[[bool, str], None]) -> None:
        """``callback(reachable, why)`` each time the workstation's connection is found lost or usable
        again, on the thread that found it. Nothing on a file."""
        server = self._server
        if server is not None:
            server.state_listeners.append(callback)

    def forget_state(self, callback: Callable[[bool, str], None]) -> None:
        server = self._server
        if server is not None and callback in server.state_listeners:
            server.state_listeners.remove(callback)

    @property
    def lost(self) -> bool:
        """The last use of the connection found the server unreachable (no round trip)."""
        server = self._server
        return server is not None and server.lost

    def check(self) -> None:
        """One round trip to the server on this workstation's connection (connecting again first if it was
        lost), bounded by the connect timeout; DatabaseUnavailable when it cannot be reached."""
        server = self._server
        if server is not None:
            server.ping()

    def head(self) -> int:
        """The newest audit row's number: it moves with every change any workstation commits."""
        return audit.last_seq(self.store)

    def watch(self) -> ChangeWatch | None:
        """A listener for the other workstations' changes (run it on a thread of its own); None on a file."""
        server = self._server
        if server is None:
            return None
        return ChangeWatch(server.url, server.origin)
