"""The base of every vocabulary: a StrEnum that knows its display label."""

from __future__ import annotations

from enum import StrEnum


class Vocab(StrEnum):
    """A StrEnum whose members know how to present themselves."""

    @property
    def label(self) -> str:
        return _LABELS.get(self.value, self.value.replace("_", " "))

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)


# Labels that a plain underscore-to-space would spell badly.
_LABELS: dict[str, str] = {
    "pedal_tibial": "pedal/tibial",
    "ivc_filter_retrievable": "IVC filter, retrievable",
    "ivc_filter_permanent": "IVC filter, permanent",
    "ivc_filter_placement": "IVC filter placement",
    "ivc_filter_retrieval": "IVC filter retrieval",
    "cto_pci": "CTO PCI",
    "des": "drug-eluting stent",
    "bms": "bare-metal stent",
    "dcb": "drug-coated balloon",
    "nc_balloon": "non-compliant balloon",
    "ra_burr": "rotational atherectomy burr",
    "iv": "IV",
    "ia": "intra-arterial",
    "ic": "intracoronary",
    "sc": "subcutaneous",
    "po": "oral",
    "i_stat": "i-STAT",
    "hemochron": "Hemochron",
    "hemotec": "HemoTec",
    "sihd": "stable ischemic heart disease / CCD",
    "stemi": "STEMI",
    "nstemi": "NSTEMI",
    "ua": "unstable angina",
    "clti": "chronic limb-threatening ischemia",
    "dvt": "acute DVT",
    "pts": "post-thrombotic syndrome",
    "nivl_may_thurner": "NIVL / May-Thurner",
    "pe_prophylaxis": "PE prevention (IVC filter)",
    "lad": "LAD",
    "lcx": "LCx",
    "rca": "RCA",
    "lm": "left main",
    "om": "obtuse marginal",
    "pda": "PDA",
    "svg": "saphenous vein graft",
    "sfa": "SFA",
    "ivc": "IVC",
    "cia": "common iliac artery",
    "eia": "external iliac artery",
    "civ": "common iliac vein",
    "eiv": "external iliac vein",
    "co2": "CO2",
    "gp_iib_iiia": "GP IIb/IIIa",
    "no_reflow": "no-reflow",
    "life_threatening": "life-threatening",
    "embolic_device": "embolic device (coil, plug)",
    "retrieval_failed": "retrieval attempted, failed",
}
