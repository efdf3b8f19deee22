"""Vocabularies of the lab: devices, contrast agents, vessels, lesions,
complications. Import them through ``cathlog.domain.enums``."""

from __future__ import annotations

from cathlog.domain.vocab_base import Vocab as _Vocab


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
