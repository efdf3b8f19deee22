"""Use cases with role checks and audit: the only door through which the GUI
and the command line change data.

``Services(store)`` bundles them; each sub-service takes the store and a
clock in its constructor (no globals), so tests pass a fake clock.
``Services.open(path)`` is the one way to open a database file.
"""

from __future__ import annotations

import logging
from pathlib import Path

from argon2 import PasswordHasher

from cathlog.domain.errors import NotACathlogDatabase
from cathlog.paths import is_server_url, prepare_data_folder, secure_existing
from cathlog.services.access import AccessService
from cathlog.services.admin import AdminService
from cathlog.services.auth import AuthService
from cathlog.services.base import Clock, system_clock
from cathlog.services.cases import CaseService
from cathlog.services.connection import ConnectionService
from cathlog.services.demo import DemoService
from cathlog.services.dose import DoseService
from cathlog.services.dose_listener import DoseListenerService
from cathlog.services.exchange import ExchangeService
from cathlog.services.followup import FollowupService
from cathlog.services.hl7_in import Hl7InService
from cathlog.services.hl7_out import Hl7OutService
from cathlog.services.implants import ImplantService
from cathlog.services.mwl import ModalityWorklistService
from cathlog.services.review import ReviewService
from cathlog.services.server_setup import ServerSetupService
from cathlog.services.settings import SettingsService
from cathlog.store import checkpoint
from cathlog.store.db import Store


class Services:
    def __init__(self, store: Store, clock: Clock = system_clock, hasher: PasswordHasher | None = None):
        self.store = store
        self.auth = AuthService(store, clock, hasher)
        self.cases = CaseService(store, clock)
        self.implants = ImplantService(store, clock)
        self.exchange = ExchangeService(store, clock)
        self.review = ReviewService(store, clock, auth=self.auth, cases=self.cases)
        self.followup = FollowupService(store, clock, review=self.review)  # the follow-up worklist
        self.admin = AdminService(store, clock, verify_signatures=self.review.verify_signatures)
        self.demo = DemoService(store, clock, auth=self.auth, cases=self.cases)
        self.access = AccessService(store, clock)  # who viewed which record; what patient data left
        self.settings = SettingsService(store, clock)  # the lab's name, phone, FHIR identity, interfaces
        self.dose = DoseService(store, clock, cases=self.cases)  # DICOM radiation dose reports and their inbox
        self.dose_listener = DoseListenerService(store, dose=self.dose)  # the DICOM Storage SCP for them
        self.mwl = ModalityWorklistService(store, clock)  # the hospital's DICOM Modality Worklist
        self.hl7_in = Hl7InService(store, clock, self.cases)  # ADT in: inbox, merge tasks
        self.hl7_out = Hl7OutService(store, clock, self.review.read_case_file)  # reports out: the outbox
        self.server = ServerSetupService(store, clock)  # moving a file's record to a lab's PostgreSQL server
        self.connection = ConnectionService(store, clock)  # on a server: reached or not, the other rooms' changes
        # Start-up: the trail against its checkpoint outside the database (a cut-off tail).
        self.tamper_warnings: list[str] = checkpoint.startup_problems(store)
        for warning in self.tamper_warnings:
            logging.getLogger(__name__).warning("%s; run 'cathlog check'", warning)

    @classmethod
    def open(cls, path: str | Path, create: bool = False, clock: Clock = system_clock, *,
             hasher: PasswordHasher | None = None, verify: bool = True) -> Services:
        """Open the database at ``path``.

        ``create=True`` makes the file (and its folder) if missing; otherwise a
        missing file is refused with NotACathlogDatabase. ``verify=False`` skips
        the start-up ``quick_check`` (the GUI runs it in the background instead:
        ``admin.background_check()``). A foreign, newer or damaged file is refused
        untouched (NotACathlogDatabase, NewerSchema, CorruptDatabase).

        A ``postgresql://`` URL connects to a cathlog database on a server instead (its schema installed
        by the lab's IT, docs/multi-room.md; ``create`` makes no file then); DatabaseUnavailable when the
        server cannot be reached."""
        if is_server_url(path):
            return cls(Store.open(str(path), verify=verify), clock, hasher)
        path = Path(path)
        if create:
            prepare_data_folder(path)  # 0700 when created
        elif not path.exists():
            raise NotACathlogDatabase(f"there is no database at {path}; create one with 'cathlog init --admin NAME'")
        secure_existing(path)  # what an older cathlog left readable by others (noted in the log)
        return cls(Store.open(path, create=create, verify=verify), clock, hasher)

    def close(self) -> None:
        self.store.close()
