"""Controlled vocabularies of the procedure record.

Every value a user picks from a list lives here, once. The stored form is the
enum's value (lower-case, stable, used in SQL CHECK constraints, exports and
the JSON record format); ``label()`` gives the text a person reads.
"""

from __future__ import annotations

from enum import StrEnum


class _Vocab(StrEnum):
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
}


class Sex(_Vocab):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Role(_Vocab):
    """What a user may do is decided by role (see cathlog.rules.permissions)."""

    NURSE = "nurse"
    PHYSICIAN = "physician"
    ADMIN = "admin"


class Category(_Vocab):
    CORONARY = "coronary"
    PERIPHERAL_ARTERIAL = "peripheral_arterial"
    VENOUS = "venous"


class PlannedProcedure(_Vocab):
    BALLOON_ANGIOPLASTY = "balloon_angioplasty"
    DRUG_COATED_BALLOON = "drug_coated_balloon"
    STENTING = "stenting"
    ROTATIONAL_ATHERECTOMY = "rotational_atherectomy"
    ORBITAL_ATHERECTOMY = "orbital_atherectomy"
    DIRECTIONAL_ATHERECTOMY = "directional_atherectomy"
    CTO_PCI = "cto_pci"
    THROMBECTOMY = "thrombectomy"
    VENOUS_STENTING = "venous_stenting"
    IVC_FILTER_PLACEMENT = "ivc_filter_placement"
    IVC_FILTER_RETRIEVAL = "ivc_filter_retrieval"
    DIAGNOSTIC_ANGIOGRAPHY = "diagnostic_angiography"


class Indication(_Vocab):
    # Coronary (NCDR CathPCI indication groups)
    STEMI = "stemi"
    NSTEMI = "nstemi"
    UA = "ua"
    SIHD = "sihd"
    # Peripheral arterial
    CLAUDICATION = "claudication"
    CLTI = "clti"
    ACUTE_LIMB_ISCHEMIA = "acute_limb_ischemia"
    # Venous
    DVT = "dvt"
    PTS = "pts"
    NIVL_MAY_THURNER = "nivl_may_thurner"
    PE_PROPHYLAXIS = "pe_prophylaxis"
    OTHER = "other"


INDICATIONS_BY_CATEGORY: dict[Category, tuple[Indication, ...]] = {
    Category.CORONARY: (Indication.STEMI, Indication.NSTEMI, Indication.UA, Indication.SIHD, Indication.OTHER),
    Category.PERIPHERAL_ARTERIAL: (
        Indication.CLAUDICATION,
        Indication.CLTI,
        Indication.ACUTE_LIMB_ISCHEMIA,
        Indication.OTHER,
    ),
    Category.VENOUS: (
        Indication.DVT,
        Indication.PTS,
        Indication.NIVL_MAY_THURNER,
        Indication.PE_PROPHYLAXIS,
        Indication.OTHER,
    ),
}


class Urgency(_Vocab):
    ELECTIVE = "elective"
    URGENT = "urgent"
    EMERGENCY = "emergency"
    SALVAGE = "salvage"


class ProcedureStatus(_Vocab):
    OPEN = "open"
    CLOSED = "closed"
    SIGNED = "signed"


class TeamRole(_Vocab):
    PRIMARY_OPERATOR = "primary_operator"
    SECOND_OPERATOR = "second_operator"
    FELLOW = "fellow"
    NURSE = "nurse"
    SCRUB = "scrub"
    TECHNOLOGIST = "technologist"
    ANESTHESIA = "anesthesia"


class Anticoagulation(_Vocab):
    NONE = "none"
    WARFARIN = "warfarin"
    APIXABAN = "apixaban"
    RIVAROXABAN = "rivaroxaban"
    DABIGATRAN = "dabigatran"
    EDOXABAN = "edoxaban"
    LMWH = "lmwh"
    HEPARIN_INFUSION = "heparin_infusion"
    OTHER = "other"


class EventKind(_Vocab):
    """The kinds of entry in a procedure log (after DICOM TID 3001)."""

    ACCESS = "access"
    MEDICATION = "medication"
    ACT = "act"
    DEVICE = "device"
    INFLATION = "inflation"
    ATHERECTOMY = "atherectomy"
    CONTRAST = "contrast"
    RADIATION = "radiation"
    LESION = "lesion"
    COMPLICATION = "complication"
    NOTE = "note"


class AccessSite(_Vocab):
    RADIAL = "radial"
    DISTAL_RADIAL = "distal_radial"
    ULNAR = "ulnar"
    BRACHIAL = "brachial"
    FEMORAL = "femoral"
    POPLITEAL = "popliteal"
    PEDAL_TIBIAL = "pedal_tibial"
    JUGULAR = "jugular"
    FEMORAL_VEIN = "femoral_vein"
    POPLITEAL_VEIN = "popliteal_vein"


VENOUS_ACCESS_SITES = frozenset({AccessSite.JUGULAR, AccessSite.FEMORAL_VEIN, AccessSite.POPLITEAL_VEIN})


class Side(_Vocab):
    LEFT = "left"
    RIGHT = "right"
    NOT_APPLICABLE = "not_applicable"


class VesselType(_Vocab):
    ARTERY = "artery"
    VEIN = "vein"


class Approach(_Vocab):
    ANTEGRADE = "antegrade"
    RETROGRADE = "retrograde"
    NOT_APPLICABLE = "not_applicable"


class Closure(_Vocab):
    MANUAL = "manual"
    SUTURE = "suture"
    PLUG = "plug"
    CLIP = "clip"
    RADIAL_BAND = "radial_band"
    NONE_YET = "none_yet"


class Drug(_Vocab):
    HEPARIN = "heparin"
    BIVALIRUDIN = "bivalirudin"
    EPTIFIBATIDE = "eptifibatide"
    TIROFIBAN = "tirofiban"
    ABCIXIMAB = "abciximab"
    NITROGLYCERIN = "nitroglycerin"
    VERAPAMIL = "verapamil"
    ADENOSINE = "adenosine"
    PROTAMINE = "protamine"
    ASPIRIN = "aspirin"
    CLOPIDOGREL = "clopidogrel"
    TICAGRELOR = "ticagrelor"
    PRASUGREL = "prasugrel"
    ALTEPLASE = "alteplase"
    MIDAZOLAM = "midazolam"
    FENTANYL = "fentanyl"
    ATROPINE = "atropine"
    LIDOCAINE = "lidocaine"
    OTHER = "other"


GP_IIB_IIIA_DRUGS = frozenset({Drug.EPTIFIBATIDE, Drug.TIROFIBAN, Drug.ABCIXIMAB})


class DoseUnit(_Vocab):
    """Dose units, spelled out (Joint Commission Do-Not-Use list: never "U")."""

    UNITS = "units"
    MG = "mg"
    MCG = "mcg"
    G = "g"
    ML = "mL"


class Route(_Vocab):
    IV = "iv"
    IA = "ia"
    IC = "ic"
    SC = "sc"
    PO = "po"
    LOCAL = "local"


class ActDevice(_Vocab):
    HEMOCHRON = "hemochron"
    HEMOTEC = "hemotec"
    I_STAT = "i_stat"
    OTHER = "other"


class DeviceType(_Vocab):
    BALLOON = "balloon"
    NC_BALLOON = "nc_balloon"
    DCB = "dcb"
    DES = "des"
    BMS = "bms"
    COVERED_STENT = "covered_stent"
    NITINOL_STENT = "nitinol_stent"
    VENOUS_STENT = "venous_stent"
    RA_BURR = "ra_burr"
    ORBITAL_CROWN = "orbital_crown"
    IVC_FILTER_RETRIEVABLE = "ivc_filter_retrievable"
    IVC_FILTER_PERMANENT = "ivc_filter_permanent"
    GUIDEWIRE = "guidewire"
    GUIDE_CATHETER = "guide_catheter"
    MICROCATHETER = "microcatheter"
    THROMBECTOMY_CATHETER = "thrombectomy_catheter"
    CLOSURE_DEVICE = "closure_device"
    SHEATH = "sheath"
    OTHER = "other"


INFLATABLE_DEVICES = frozenset(
    {
        DeviceType.BALLOON,
        DeviceType.NC_BALLOON,
        DeviceType.DCB,
        DeviceType.DES,
        DeviceType.BMS,
        DeviceType.COVERED_STENT,
        DeviceType.VENOUS_STENT,
        DeviceType.NITINOL_STENT,
    }
)
IMPLANTABLE_DEVICES = frozenset(
    {
        DeviceType.DES,
        DeviceType.BMS,
        DeviceType.COVERED_STENT,
        DeviceType.NITINOL_STENT,
        DeviceType.VENOUS_STENT,
        DeviceType.IVC_FILTER_RETRIEVABLE,
        DeviceType.IVC_FILTER_PERMANENT,
    }
)
# Rotational atherectomy burr sizes in mm (domain-reference.md 2.5).
BURR_SIZES_MM = (1.25, 1.5, 1.75, 2.0, 2.15, 2.25, 2.38, 2.5)


class DeviceState(_Vocab):
    OPENED = "opened"
    USED = "used"
    IMPLANTED = "implanted"
    WASTED = "wasted"
    RETURNED = "returned"


class ContrastAgent(_Vocab):
    IOHEXOL = "iohexol"
    IODIXANOL = "iodixanol"
    IOPAMIDOL = "iopamidol"
    IOVERSOL = "ioversol"
    IOPROMIDE = "iopromide"
    CO2 = "co2"
    OTHER = "other"


class Vessel(_Vocab):
    # Coronary
    LM = "lm"
    LAD = "lad"
    DIAGONAL = "diagonal"
    LCX = "lcx"
    OM = "om"
    RCA = "rca"
    PDA = "pda"
    SVG = "svg"
    # Lower extremity arterial
    AORTA = "aorta"
    CIA = "cia"
    EIA = "eia"
    COMMON_FEMORAL = "common_femoral"
    SFA = "sfa"
    POPLITEAL = "popliteal"
    ANTERIOR_TIBIAL = "anterior_tibial"
    POSTERIOR_TIBIAL = "posterior_tibial"
    PERONEAL = "peroneal"
    TIBIOPERONEAL_TRUNK = "tibioperoneal_trunk"
    DORSALIS_PEDIS = "dorsalis_pedis"
    PLANTAR = "plantar"
    # Venous
    IVC = "ivc"
    CIV = "civ"
    EIV = "eiv"
    COMMON_FEMORAL_VEIN = "common_femoral_vein"
    FEMORAL_VEIN = "femoral_vein"
    POPLITEAL_VEIN = "popliteal_vein"
    OTHER = "other"


class Calcification(_Vocab):
    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class ComplicationKind(_Vocab):
    BLEEDING = "bleeding"
    HEMATOMA = "hematoma"
    PSEUDOANEURYSM = "pseudoaneurysm"
    AV_FISTULA = "av_fistula"
    DISSECTION = "dissection"
    PERFORATION = "perforation"
    NO_REFLOW = "no_reflow"
    EMBOLIZATION = "embolization"
    VESSEL_DAMAGE = "vessel_damage"
    VEIN_DAMAGE = "vein_damage"
    STENT_THROMBOSIS = "stent_thrombosis"
    PULMONARY_EMBOLISM = "pulmonary_embolism"
    TAMPONADE = "tamponade"
    ARRHYTHMIA = "arrhythmia"
    CONTRAST_REACTION = "contrast_reaction"
    ANESTHESIA_REACTION = "anesthesia_reaction"
    INFECTION = "infection"
    STROKE = "stroke"
    MYOCARDIAL_INFARCTION = "myocardial_infarction"
    DEATH = "death"
    OTHER = "other"


class Severity(_Vocab):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    LIFE_THREATENING = "life_threatening"
    FATAL = "fatal"
