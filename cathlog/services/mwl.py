"""The hospital's Modality Worklist: this room's scheduled cases (issue 15 items 4 and 5).

Who may ask: whoever may open a case (the answers are patients' identities). Where: the provider in
the lab's settings (``mwl.*``, audited when changed). What: the room's station AE title and modality
(kept per computer by the GUI, given on the command line) and one day, today by default on this
computer's calendar. Every query that goes out is audited (``worklist_query``): the provider, what
was asked, the outcome (``ok``, ``unavailable``, ``refused``), how long it took and which patients
(MRN, accession number) were listed.

The GUI must not wait on the network, and the database connection belongs to the GUI thread, so a
query has three steps: :meth:`ModalityWorklistService.prepare` (role check, settings; GUI thread),
:meth:`PreparedQuery.run` (the network only; any thread) and :meth:`ModalityWorklistService.finish`
(the audit row; GUI thread), which returns the cases or raises what went wrong.
:meth:`ModalityWorklistService.query` does all three in one call (command line, tests).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from cathlog.dicom.mwl import find_scheduled
from cathlog.domain.errors import CathlogError, Issue, ValidationError
from cathlog.domain.mwl import (
    DEFAULT_TIMEOUT_S,
    ScheduledCase,
    StationQuery,
    WorklistProvider,
    WorklistRefused,
    WorklistUnavailable,
    ae_title_problem,
    modality_problem,
)
from cathlog.domain.records import Actor, Patient
from cathlog.rules.mwl_match import IdentityDifference, identity_differences
from cathlog.rules.permissions import Action
from cathlog.services.base import Clock, ServiceBase, system_clock
from cathlog.services.settings import stored_values
from cathlog.store.db import Store

Finder = Callable[[WorklistProvider, StationQuery, float], list[ScheduledCase]]
NOT_SET_UP = ("the worklist is not set up: an administrator enters the provider's AE title, host and port in "
              "File → Settings… (enter the case by hand meanwhile)")


@dataclass(frozen=True)
class QueryOutcome:
    """What came back: the cases, or the error to show; and how long it took."""

    cases: tuple[ScheduledCase, ...] = ()
    error: CathlogError | None = None
    elapsed_ms: int = 0


@dataclass(frozen=True)
class PreparedQuery:
    """A checked query, ready to go out (``run`` touches the network only, never the database)."""

    provider: WorklistProvider
    station: StationQuery
    timeout_s: float
    finder: Finder

    def run(self) -> QueryOutcome:
        started = time.monotonic()
        try:
            cases = tuple(self.finder(self.provider, self.station, self.timeout_s))
            error: CathlogError | None = None
        except (WorklistUnavailable, WorklistRefused) as exc:
            cases, error = (), exc
        except Exception as exc:  # noqa: BLE001 - a provider's malformed answer: shown and audited, never a crash
            cases, error = (), WorklistRefused(f"the worklist's answer could not be read ({type(exc).__name__}: {exc})")
        return QueryOutcome(cases, error, round((time.monotonic() - started) * 1000))


class ModalityWorklistService(ServiceBase):
    def __init__(self, store: Store, clock: Clock = system_clock, finder: Finder = find_scheduled,
                 timeout_s: float = DEFAULT_TIMEOUT_S):
        super().__init__(store, clock)
        self.finder, self.timeout_s = finder, timeout_s

    def provider(self) -> WorklistProvider | None:
        """The provider from the lab's settings, or None while any of AE title, host and port is unset."""
        values = stored_values(self.store)
        ae, host, port = values["mwl.provider_ae"], values["mwl.provider_host"], values["mwl.provider_port"]
        if not (ae and host and port):
            return None
        return WorklistProvider(called_ae=ae, host=host, port=int(port), calling_ae=values["mwl.calling_ae"])

    def is_set_up(self, actor: Actor) -> bool:
        self.require(actor, Action.VIEW_RECORDS)
        return self.provider() is not None

    def today(self) -> date:
        """Today on this computer's calendar (the provider schedules in local time)."""
        return self.clock().astimezone().date()

    def prepare(self, actor: Actor, station_ae: str, modality: str, day: date | None = None) -> PreparedQuery:
        """Check who asks and what; ValidationError for a bad AE title or modality, WorklistUnavailable
        when no provider is set up (nothing goes out, so nothing is audited)."""
        self.require(actor, Action.OPEN_CASE)
        issues = [Issue(name, value, problem) for name, value, problem in (
            ("station_ae", station_ae, ae_title_problem(station_ae)),
            ("modality", modality, modality_problem(modality))) if problem]
        if issues:
            raise ValidationError(issues)
        provider = self.provider()
        if provider is None:
            raise WorklistUnavailable(NOT_SET_UP)
        station = StationQuery(station_ae.strip(), modality.strip(), day or self.today())
        return PreparedQuery(provider, station, self.timeout_s, self.finder)

    def finish(self, actor: Actor, prepared: PreparedQuery, outcome: QueryOutcome) -> list[ScheduledCase]:
        """Audit the query and its outcome; the cases, or the outcome's error raised."""
        self.require(actor, Action.OPEN_CASE)
        error = outcome.error
        result: dict[str, Any] = {
            "outcome": "ok" if error is None else ("refused" if isinstance(error, WorklistRefused) else "unavailable"),
            "elapsed_ms": outcome.elapsed_ms, "count": len(outcome.cases),
            "listed": [{"mrn": c.mrn, "accession_number": c.accession_number} for c in outcome.cases]}
        if error is not None:
            result["error"] = str(error)
        with self.store.write():
            self.audit(actor, "worklist_query", "worklist", prepared.provider.address,
                       old={**prepared.station.to_json(), "calling_ae": prepared.provider.calling_ae}, new=result)
        if error is not None:
            raise error
        return list(outcome.cases)

    def query(self, actor: Actor, station_ae: str, modality: str, day: date | None = None) -> list[ScheduledCase]:
        """The scheduled cases of one station, modality and day (today by default), audited."""
        prepared = self.prepare(actor, station_ae, modality, day)
        return self.finish(actor, prepared, prepared.run())

    def compare(self, actor: Actor, stored: Patient, scheduled: ScheduledCase) -> list[IdentityDifference]:
        """Where the worklist's name, birth date or sex differ from the stored patient's (see rules.mwl_match)."""
        self.require(actor, Action.VIEW_RECORDS)
        return identity_differences(stored, scheduled)
