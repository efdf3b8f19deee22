"""Use cases with role checks and audit: the only door through which the GUI
and the command line change data.

``Services(store)`` bundles them; each sub-service takes the store and a
clock in its constructor (no globals), so tests pass a fake clock.
"""

from __future__ import annotations

import logging

from argon2 import PasswordHasher

from cathlog.services.admin import AdminService
from cathlog.services.auth import AuthService
from cathlog.services.base import Clock, system_clock
from cathlog.services.cases import CaseService
from cathlog.services.exchange import ExchangeService
from cathlog.services.review import ReviewService
from cathlog.store import checkpoint
from cathlog.store.db import Store


class Services:
    def __init__(self, store: Store, clock: Clock = system_clock, hasher: PasswordHasher | None = None):
        self.store = store
        self.auth = AuthService(store, clock, hasher)
        self.cases = CaseService(store, clock)
        self.exchange = ExchangeService(store, clock)
        self.review = ReviewService(store, clock, auth=self.auth, cases=self.cases)
        self.admin = AdminService(store, clock)
        # Start-up: the trail against its checkpoint outside the database (a cut-off tail).
        self.tamper_warnings: list[str] = checkpoint.startup_problems(store)
        for warning in self.tamper_warnings:
            logging.getLogger(__name__).warning("%s; run 'cathlog check'", warning)
