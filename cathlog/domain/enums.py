"""Controlled vocabularies of the procedure record.

Every value a user picks from a list lives here, once. The stored form is the
enum's value (lower-case, stable, used in SQL CHECK constraints, exports and
the JSON record format); ``label()`` gives the text a person reads.
"""

from __future__ import annotations

from enum import StrEnum

from cathlog.domain.vocab_base import Vocab as _Vocab


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


class Action(StrEnum):
    """What a user may ask to do; who may is decided in cathlog.rules.permissions."""

    VIEW_RECORDS = "view_records"
    OPEN_CASE = "open_case"
    RECORD_EVENT = "record_event"
    CORRECT_EVENT = "correct_event"
    VOID_EVENT = "void_event"
    CLOSE_CASE = "close_case"
    REOPEN_CASE = "reopen_case"
    UPDATE_PATIENT = "update_patient"
    SIGN_CASE = "sign_case"
    SET_TARGETS = "set_targets"
    MANAGE_USERS = "manage_users"
    EXPORT = "export"
    IMPORT = "import"
    BACKUP = "backup"
    RESTORE = "restore"
    VIEW_AUDIT = "view_audit"
    WRITE_REPORT = "write_report"
    LOAD_DEMO = "load_demo"
    MANAGE_SETTINGS = "manage_settings"


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


# Devices, lesions and complications live in their own module to keep this one short;
# they are re-exported here so `cathlog.domain.enums` stays the one place to import vocabularies from
# (`X as X` marks the re-export for type checkers).
from cathlog.domain.vocab_lab import (  # noqa: E402
    BURR_SIZES_MM as BURR_SIZES_MM,
    IMPLANTABLE_DEVICES as IMPLANTABLE_DEVICES,
    INFLATABLE_DEVICES as INFLATABLE_DEVICES,
    MAY_BE_USED_DEVICES as MAY_BE_USED_DEVICES,
    REMOVAL_STATES as REMOVAL_STATES,
    REMOVED_STATES as REMOVED_STATES,
    default_state as default_state,
    state_conflict as state_conflict,
    Calcification as Calcification,
    ComplicationKind as ComplicationKind,
    ContrastAgent as ContrastAgent,
    DeviceState as DeviceState,
    DeviceType as DeviceType,
    Severity as Severity,
    Vessel as Vessel,
)
from cathlog.domain.vocab_where import (  # noqa: E402
    ACCESS_VESSELS_BY_SITE as ACCESS_VESSELS_BY_SITE,
    AccessVessel as AccessVessel,
    BtkSegment as BtkSegment,
    DissectionGrade as DissectionGrade,
    RunoffVessel as RunoffVessel,
    VeinSegment as VeinSegment,
    YesNo as YesNo,
)

__all__ = [name for name in dir() if not name.startswith('__')]
