"""The codes of the report message: the FHIR export's code tables (``resources/fhir_codes.json``), read
the same way (``cathlog.exchange.fhir_codes``): a term listed and verified gets its code, any other term
goes out under a local code marked as local (HL7 table 0396 "99zzz"), never a guessed code.

HL7 v2 names coding systems by table 0396 mnemonics: DICOM's ``DCM``, SNOMED CT ``SCT``, LOINC ``LN``,
UCUM ``UCUM``. The set of planned procedures that make a coronary case a PCI is here, and the FHIR export
uses it too, so both say the same thing of a case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from cathlog.domain.enums import Category, PlannedProcedure
from cathlog.resources import resource_path

LOCAL_SYSTEM = "99CLG"  # cathlog's local codes (HL7 table 0396: 99zzz = local)
SYSTEMS = {"http://dicom.nema.org/resources/ontology/DCM": "DCM", "http://snomed.info/sct": "SCT",
           "http://loinc.org": "LN", "http://unitsofmeasure.org": "UCUM"}
PCI_PLANNED = frozenset({PlannedProcedure.BALLOON_ANGIOPLASTY, PlannedProcedure.DRUG_COATED_BALLOON,
                         PlannedProcedure.STENTING, PlannedProcedure.ROTATIONAL_ATHERECTOMY,
                         PlannedProcedure.ORBITAL_ATHERECTOMY, PlannedProcedure.DIRECTIONAL_ATHERECTOMY,
                         PlannedProcedure.CTO_PCI, PlannedProcedure.THROMBECTOMY})


@dataclass(frozen=True)
class Code:
    code: str
    text: str
    system: str  # an HL7 table 0396 mnemonic

    @property
    def local(self) -> bool:
        return self.system == LOCAL_SYSTEM


@cache
def _tables() -> dict[str, dict[str, dict[str, Any]]]:
    data = json.loads(resource_path("fhir_codes.json").read_text(encoding="utf-8"))
    return {name: table for name, table in data.items() if not name.startswith("_")}


def code(table: str, key: str | None, text: str) -> Code:
    """The verified code of ``key`` in the FHIR table ``table``, else ``key`` as a local code."""
    entry = _tables()[table].get(key or "")
    if entry is not None and entry.get("verified") is True and entry["system"] in SYSTEMS:
        return Code(entry["code"], entry["display"], SYSTEMS[entry["system"]])
    return Code(key or "procedure", text, LOCAL_SYSTEM)


def is_pci(category: str, planned: tuple[str, ...] | list[str]) -> bool:
    return category == Category.CORONARY and any(PlannedProcedure(x) in PCI_PLANNED for x in planned)


def procedure_code(category: str, planned: tuple[str, ...] | list[str]) -> Code:
    text = ", ".join(PlannedProcedure(x).label for x in planned) or "Cath lab procedure"
    if is_pci(category, planned):
        return code("procedure", "coronary_pci", text)
    return Code(f"{category}_procedure", text, LOCAL_SYSTEM)
