"""The FHIR export's code tables (``resources/fhir_codes.json``), read once.

``concept(table, key, text)`` gives a CodeableConcept: the coding from the
table beside the text when the term is listed, the text alone otherwise (an
unknown or unverified term never gets a code). Each entry names its system, code,
display, source and whether it was verified (see the file's ``_about``).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from cathlog.resources import resource_path

ENTRY_KEYS = ("system", "code", "display", "source", "verified")


@cache
def tables() -> dict[str, dict[str, dict[str, Any]]]:
    data = json.loads(resource_path("fhir_codes.json").read_text(encoding="utf-8"))
    return {name: table for name, table in data.items() if not name.startswith("_")}


def coding(table: str, key: str | None) -> dict[str, str] | None:
    """The coding of a listed, verified term; None otherwise. A code recalled but not yet
    checked against its terminology (``verified: false``) is not exported: until someone
    confirms it, the term goes out as text only, as an unknown term does."""
    entry = tables()[table].get(key or "")
    if entry is None or entry.get("verified") is not True:
        return None
    return {"system": entry["system"], "code": entry["code"], "display": entry["display"]}


def concept(table: str, key: str | None, text: str) -> dict[str, Any]:
    """A CodeableConcept for ``key`` of ``table``, always with ``text``."""
    found = coding(table, key)
    return {"coding": [found], "text": text} if found else {"text": text}
