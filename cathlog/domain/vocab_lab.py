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
    EMBOLIC_DEVICE = "embolic_device"
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
        DeviceType.CLOSURE_DEVICE,
        DeviceType.EMBOLIC_DEVICE,
    }
)
# Implantable kinds that a lab may also record as used without question: a closure
# device stays (clip, plug, suture) or not, by model; every other implantable kind
# recorded "used" asks for confirmation (issue 11 item 1).
MAY_BE_USED_DEVICES = frozenset({DeviceType.CLOSURE_DEVICE})
# Rotational atherectomy burr sizes in mm (domain-reference.md 2.5).
BURR_SIZES_MM = (1.25, 1.5, 1.75, 2.0, 2.15, 2.25, 2.38, 2.5)


class DeviceState(_Vocab):
    OPENED = "opened"
    USED = "used"
    IMPLANTED = "implanted"
    WASTED = "wasted"
    RETURNED = "returned"
    # Removing what an earlier case (or this one) left in the patient (issue 11 item 13).
    RETRIEVED = "retrieved"
    EXPLANTED = "explanted"
    RETRIEVAL_FAILED = "retrieval_failed"


# States of a device entry that records removing an implant (``removes_event_id``).
REMOVAL_STATES = frozenset({DeviceState.RETRIEVED, DeviceState.EXPLANTED, DeviceState.RETRIEVAL_FAILED})
# ... and those after which the implant is no longer in the patient.
REMOVED_STATES = frozenset({DeviceState.RETRIEVED, DeviceState.EXPLANTED})


def default_state(kind: DeviceType | str) -> DeviceState:
    """The state a device of this kind is stored in unless the nurse says otherwise."""
    return DeviceState.IMPLANTED if DeviceType(kind) in IMPLANTABLE_DEVICES else DeviceState.USED


def state_conflict(kind: DeviceType | str, state: DeviceState | str) -> str | None:
    """Why a state contradicts the kind of device (asked to confirm), or None."""
    device, how = DeviceType(kind), DeviceState(state)
    if how is DeviceState.IMPLANTED and device not in IMPLANTABLE_DEVICES:
        return f"a {device.label} is not an implant: is it really left in the patient?"
    if how is DeviceState.USED and device in IMPLANTABLE_DEVICES and device not in MAY_BE_USED_DEVICES:
        return (f"a {device.label} is an implant: 'used' means it was not left in the patient, and the "
                "patient's implant card will not list it")
    return None


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
