"""Is the worklist's patient the stored patient as the hospital now knows them? (issue 15 item 4)

A patient found by MRN whose name, birth date or sex differ on the worklist is never merged silently:
the nurse is asked which is right. Names are compared as people read them: Unicode NFC, case folded,
runs of spaces as one (worklists often send names in capitals: ``MÜLLER`` is ``Müller``). A value the
worklist did not send (or sent unreadable) is not a difference: nothing is known to compare.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from cathlog.domain.mwl import ScheduledCase
from cathlog.domain.records import Patient

IDENTITY_FIELDS = (("family_name", "Family name"), ("given_name", "Given name"), ("birth_date", "Birth date"),
                   ("sex", "Sex"))


@dataclass(frozen=True)
class IdentityDifference:
    field: str
    label: str
    stored: str | None
    worklist: str | None


def _same_text(a: str | None, b: str | None) -> bool:
    def norm(text: str | None) -> str:
        return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())

    return norm(a) == norm(b)


def identity_differences(stored: Patient, scheduled: ScheduledCase) -> list[IdentityDifference]:
    """The identity fields whose worklist value differs from the stored one, in form order."""
    found = []
    for field, label in IDENTITY_FIELDS:
        theirs = getattr(scheduled, field)
        ours = getattr(stored, field)
        if not theirs:
            continue  # not sent: nothing to compare
        if field in ("family_name", "given_name"):
            if not _same_text(ours, theirs):
                found.append(IdentityDifference(field, label, ours, theirs))
        elif ours != theirs:
            found.append(IdentityDifference(field, label, ours, theirs))
    return found
