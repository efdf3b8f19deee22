"""The data dictionary: every typed field of the record, its unit and limits.

One table drives four things, so they cannot drift apart:
validation (``cathlog.rules.validation``), the SQLite CHECK constraints
(``cathlog.store.schema``), the JSON Schema of the record format
(``cathlog.exchange.schema``) and, later, the entry forms.

*hard* limits reject an impossible value; *soft* limits ask the user to
confirm a possible but unusual one. Each limit names its source, from
``domain-reference.md`` (its reference numbers in brackets); "design" marks a
software sanity bound with no clinical source.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cathlog.domain import enums as e


class FieldType(StrEnum):
    INT = "int"
    REAL = "real"
    TEXT = "text"
    BOOL = "bool"
    ENUM = "enum"
    ENUM_LIST = "enum_list"
    DATE = "date"
    REF = "ref"  # the event_id of another event of the same procedure


@dataclass(frozen=True)
class FieldSpec:
    """One field: name (with its unit in it), type, limits and their source."""

    name: str
    type: FieldType
    label: str
    required: bool = False
    unit: str | None = None
    hard: tuple[float, float] | None = None
    soft: tuple[float | None, float | None] | None = None
    source: str = ""
    choices: tuple[str, ...] = ()
    choice_labels: tuple[str, ...] = ()  # what a person reads, one per choice
    max_len: int | None = None
    decimals: int = 0
    multiline: bool = False
    # The schema version whose migration checks this field in the database: fields of the
    # first schema are in event_versions' CHECK; later ones are checked by BEFORE INSERT
    # triggers of their migration (SQLite cannot alter a CHECK). See cathlog.store.schema.
    since: int = 1
    # The case categories whose forms show this field (empty: every category).
    categories: tuple[str, ...] = ()
    # A regular expression a TEXT value must match in full (e.g. a DICOM UID); None: any text.
    pattern: str | None = None
    # Filled from a device's report (a DICOM dose report), never typed: entry forms do not show it,
    # and a person's correction of the entry drops it (the corrected values are then typed ones).
    from_device: bool = False

    @property
    def is_number(self) -> bool:
        return self.type in (FieldType.INT, FieldType.REAL)


def _f(name: str, type_: FieldType, label: str, **kw: object) -> FieldSpec:
    vocab = kw.get("choices")
    if isinstance(vocab, type) and issubclass(vocab, StrEnum):
        kw["choices"] = tuple(m.value for m in vocab)
        kw["choice_labels"] = tuple(getattr(m, "label", m.value) for m in vocab)
    return FieldSpec(name, type_, label, **kw)  # type: ignore[arg-type]


T = FieldType
DETAILS_SCHEMA = 8  # the migration that added the "where, exactly" fields (issue 11 item 9)
DICOM_SCHEMA = 14  # the migration that added DICOM identifiers and dose-report provenance (issue 15)
# A DICOM UID (PS3.5 9.1): numeric components separated by dots, no leading zero in a component, at most 64.
DICOM_UID_PATTERN = r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*"
_COR, _PER, _VEN = (e.Category.CORONARY.value,), (e.Category.PERIPHERAL_ARTERIAL.value,), (e.Category.VENOUS.value,)

def _radiation_report_fields() -> tuple[FieldSpec, ...]:
    """What a DICOM X-Ray Radiation Dose SR adds to a radiation entry: where the values came from,
    the acquisition/fluoroscopy split and, for a biplane system, each plane's own values."""
    dev = {"since": DICOM_SCHEMA, "from_device": True}
    kerma = {"unit": "mGy", "hard": (0, 30000), "decimals": 1, "source": "as the radiation entry's Ka,r", **dev}
    dap = {"unit": "Gy·cm²", "hard": (0, 2000), "decimals": 4, "source": "as the radiation entry's DAP", **dev}
    time_s = {"unit": "s", "hard": (0, 18000), "source": "as the radiation entry's fluoro time", **dev}
    return (
        _f("source", T.ENUM, "Reported by", choices=("rdsr",), choice_labels=("DICOM dose report",), **dev),
        _f("sop_instance_uid", T.TEXT, "Dose report (SOP Instance UID)", max_len=64, pattern=DICOM_UID_PATTERN, **dev),
        _f("device_manufacturer", T.TEXT, "X-ray system manufacturer", max_len=64, **dev),
        _f("device_model", T.TEXT, "X-ray system model", max_len=64, **dev),
        _f("device_observer", T.TEXT, "X-ray system (station)", max_len=64, **dev),
        _f("planes", T.INT, "Planes", hard=(1, 2), **dev),
        _f("fluoro_dap_gy_cm2", T.REAL, "DAP, fluoroscopy", **dap),
        _f("acquisition_dap_gy_cm2", T.REAL, "DAP, acquisition", **dap),
        _f("fluoro_air_kerma_mgy", T.REAL, "Ka,r, fluoroscopy", **kerma),
        _f("acquisition_air_kerma_mgy", T.REAL, "Ka,r, acquisition", **kerma),
        _f("acquisition_time_s", T.INT, "Acquisition time", **time_s),
        _f("air_kerma_plane_a_mgy", T.REAL, "Ka,r, plane A", **kerma),
        _f("air_kerma_plane_b_mgy", T.REAL, "Ka,r, plane B", **kerma),
        _f("dap_plane_a_gy_cm2", T.REAL, "DAP, plane A", **dap),
        _f("dap_plane_b_gy_cm2", T.REAL, "DAP, plane B", **dap),
        _f("fluoro_time_plane_a_s", T.INT, "Fluoro time, plane A", **time_s),
        _f("fluoro_time_plane_b_s", T.INT, "Fluoro time, plane B", **time_s),
    )


# --- Patient -----------------------------------------------------------------

PATIENT_FIELDS: tuple[FieldSpec, ...] = (
    _f("mrn", T.TEXT, "MRN", required=True, max_len=20),
    _f("family_name", T.TEXT, "Family name", required=True, max_len=100),
    _f("given_name", T.TEXT, "Given name", max_len=100),
    _f("birth_date", T.DATE, "Birth date", required=True),
    _f("sex", T.ENUM, "Sex", required=True, choices=e.Sex),
    _f("weight_kg", T.REAL, "Weight", unit="kg", hard=(20, 350), soft=(40, 200), decimals=1,
       source="domain-reference 2.1 (design bound)"),
    _f("height_cm", T.REAL, "Height", unit="cm", hard=(100, 250), soft=(140, 210), decimals=1,
       source="domain-reference 2.1 (design bound)"),
    _f("creatinine_mg_dl", T.REAL, "Creatinine", unit="mg/dL", hard=(0.1, 25), soft=(None, 2.0), decimals=2,
       source="domain-reference 2.1 (renal-risk flag)"),
    _f("egfr_ml_min", T.REAL, "eGFR", unit="mL/min/1.73 m²", hard=(0, 200), soft=(30, None), decimals=1,
       source="ACR-NKF 2020 consensus, eGFR < 30 [8]"),
    _f("allergies", T.TEXT, "Allergies", max_len=500),
    _f("anticoagulation", T.ENUM, "Anticoagulation", choices=e.Anticoagulation),
)

# --- Procedure ---------------------------------------------------------------

PROCEDURE_FIELDS: tuple[FieldSpec, ...] = (
    _f("category", T.ENUM, "Category", required=True, choices=e.Category),
    _f("planned", T.ENUM_LIST, "Planned procedures", required=True, choices=e.PlannedProcedure),
    _f("indication", T.ENUM, "Indication", required=True, choices=e.Indication),
    _f("indication_detail", T.TEXT, "Indication detail", max_len=200),
    _f("urgency", T.ENUM, "Urgency", required=True, choices=e.Urgency),
    _f("room", T.TEXT, "Room", max_len=40),
    _f("act_target_low_s", T.INT, "ACT target, low", unit="s", hard=(100, 600),
       source="2013 ACCF/AHA STEMI guideline [5]: 250-300 s (HemoTec), 300-350 s (Hemochron), 200-250 s with GP IIb/IIIa"),
    _f("act_target_high_s", T.INT, "ACT target, high", unit="s", hard=(100, 600),
       source="2013 ACCF/AHA STEMI guideline [5]"),
    # From the hospital's Modality Worklist (issue 15): they link the case to the X-ray system's study.
    _f("accession_number", T.TEXT, "Accession number", max_len=16, since=DICOM_SCHEMA,
       source="DICOM PS3.3 (0008,0050), VR SH: at most 16 characters"),
    _f("study_instance_uid", T.TEXT, "Study Instance UID", max_len=64, pattern=DICOM_UID_PATTERN,
       since=DICOM_SCHEMA, source="DICOM PS3.3 (0020,000D), VR UI: PS3.5 9.1"),
    _f("requested_procedure", T.TEXT, "Requested procedure", max_len=64, since=DICOM_SCHEMA,
       source="DICOM PS3.3 (0032,1060) Requested Procedure Description, VR LO: at most 64 characters"),
)

# --- Events ------------------------------------------------------------------

EVENT_FIELDS: dict[e.EventKind, tuple[FieldSpec, ...]] = {
    e.EventKind.ACCESS: (
        _f("site", T.ENUM, "Site", required=True, choices=e.AccessSite),
        _f("side", T.ENUM, "Side", required=True, choices=e.Side),
        _f("vessel_type", T.ENUM, "Artery or vein", required=True, choices=e.VesselType),
        _f("approach", T.ENUM, "Approach", choices=e.Approach),
        _f("sheath_fr", T.REAL, "Sheath", required=True, unit="Fr", hard=(3, 24), soft=(4, 8), decimals=1,
           source="VQI, Ortiz 2014 [20]: > 6 Fr predicts access complications; range design"),
        _f("sheath_length_cm", T.REAL, "Sheath length", unit="cm", hard=(1, 150), decimals=1, source="design"),
        _f("ultrasound_guided", T.BOOL, "Ultrasound-guided"),
        _f("closure", T.ENUM, "Closure", choices=e.Closure),
        _f("access_vessel", T.ENUM, "Access vessel", choices=e.AccessVessel, since=DETAILS_SCHEMA),
    ),
    e.EventKind.MEDICATION: (
        _f("drug", T.ENUM, "Drug", required=True, choices=e.Drug),
        _f("drug_name", T.TEXT, "Drug name (if other)", max_len=100),
        _f("dose", T.REAL, "Dose", required=True, hard=(0.001, 100000), decimals=3,
           source="per-drug limits in cathlog.domain.drugs"),
        _f("dose_unit", T.ENUM, "Dose unit", required=True, choices=e.DoseUnit),
        _f("route", T.ENUM, "Route", required=True, choices=e.Route),
    ),
    e.EventKind.ACT: (
        _f("act_s", T.INT, "ACT", required=True, unit="s", hard=(50, 1100),
           source="domain-reference 2.2: covers Hemochron LR 65-400 s and Plus 67-1005 s [6]"),
        _f("act_device", T.ENUM, "ACT device", choices=e.ActDevice),
        _f("cartridge", T.TEXT, "Cartridge", max_len=40),
    ),
    e.EventKind.DEVICE: (
        _f("device_type", T.ENUM, "Device type", required=True, choices=e.DeviceType),
        _f("manufacturer", T.TEXT, "Manufacturer", max_len=100),
        _f("model", T.TEXT, "Model", max_len=100),
        _f("catalog_number", T.TEXT, "Catalog number", max_len=60),
        _f("lot", T.TEXT, "Lot", max_len=40),
        _f("serial", T.TEXT, "Serial", max_len=40),
        _f("gtin", T.TEXT, "GTIN", max_len=14),
        _f("udi", T.TEXT, "UDI", max_len=200),
        _f("expiry_date", T.DATE, "Expiry"),
        _f("expiry_override_reason", T.TEXT, "Reason to use an expired device", max_len=200),
        _f("diameter_mm", T.REAL, "Diameter", unit="mm", hard=(0.2, 45), decimals=2,
           source="design: 0.75 mm coronary balloon to 40 mm large-IVC filter [25]"),
        _f("length_mm", T.REAL, "Length", unit="mm", hard=(1, 300), decimals=1, source="design"),
        _f("state", T.ENUM, "State", required=True, choices=e.DeviceState),
        _f("nominal_atm", T.REAL, "Nominal pressure", unit="atm", hard=(1, 30), decimals=1, source="catalog/IFU"),
        _f("rated_burst_atm", T.REAL, "Rated burst pressure", unit="atm", hard=(1, 30), decimals=1,
           source="catalog/IFU"),
        _f("lesion_event_id", T.REF, "Treats lesion"),
        _f("delivered_with_event_id", T.REF, "Delivered with device"),
        # Removing an implant (state retrieved / explanted / retrieval failed): the device
        # entry of the implant, in this or an earlier case of the same patient.
        _f("removes_event_id", T.TEXT, "Removes implant", max_len=32),
    ),
    e.EventKind.INFLATION: (
        _f("device_event_id", T.REF, "Balloon or stent", required=True),
        _f("pressure_atm", T.REAL, "Pressure", required=True, unit="atm", hard=(1, 30), decimals=1,
           source="domain-reference 2.5 (any balloon: hard 1-30 atm)"),
        _f("duration_s", T.INT, "Duration", required=True, unit="s", hard=(1, 1800), soft=(None, 300),
           source="design; tibial inflations 120-180 s (brief, unverified)"),
    ),
    e.EventKind.ATHERECTOMY: (
        _f("device_event_id", T.REF, "Burr or crown", required=True),
        _f("speed_rpm", T.INT, "Speed", required=True, unit="rpm", hard=(10000, 250000), soft=(60000, 200000),
           source="design (rotational 140,000-180,000 rpm; orbital 80,000-120,000 rpm)"),
        _f("duration_s", T.INT, "Run duration", required=True, unit="s", hard=(1, 600), soft=(None, 30),
           source="design (runs of 15-20 s are usual)"),
    ),
    e.EventKind.CONTRAST: (
        _f("agent", T.ENUM, "Agent", required=True, choices=e.ContrastAgent),
        _f("concentration_mgi_ml", T.INT, "Concentration", unit="mgI/mL", hard=(100, 400), source="design"),
        _f("volume_ml", T.REAL, "Volume", required=True, unit="mL", hard=(0.1, 1000), soft=(None, 300),
           decimals=1, source="domain-reference 2.3 (0-1000 mL; warn > 300 mL, Cigarroa [3])"),
    ),
    e.EventKind.RADIATION: (
        _f("fluoro_time_s", T.INT, "Fluoro time (cumulative)", unit="s", hard=(0, 18000), soft=(None, 1800),
           source="domain-reference 2.4: 0-300 min; > 30 min predicts access complications [20]"),
        _f("air_kerma_mgy", T.REAL, "Air kerma Ka,r (cumulative)", unit="mGy", hard=(0, 30000), soft=(None, 5000),
           decimals=1, source="Interv Cardiol Rev 2014 Table 2 [13]: > 5 Gy document and follow up"),
        _f("dap_gy_cm2", T.REAL, "DAP (cumulative)", unit="Gy·cm²", hard=(0, 2000), soft=(None, 500), decimals=4,
           source="domain-reference 2.4; CTO-PCI median 100-130 Gy·cm² [15]"),
        # Provenance and detail of values reported by the X-ray system's dose report (issue 15 item 3).
        *_radiation_report_fields(),
    ),
    e.EventKind.LESION: (
        _f("vessel", T.ENUM, "Vessel", required=True, choices=e.Vessel),
        _f("segment", T.TEXT, "Segment", max_len=60),
        _f("stenosis_pre_pct", T.INT, "Stenosis before", unit="%", hard=(0, 100), source="domain-reference 2.5"),
        _f("stenosis_post_pct", T.INT, "Stenosis after", unit="%", hard=(0, 100), source="domain-reference 2.5"),
        _f("is_cto", T.BOOL, "Chronic total occlusion"),
        _f("cto_duration_months", T.REAL, "CTO duration", unit="months", hard=(0, 600), soft=(3, None),
           decimals=1, source="CPT 92943: CTO = > 99 % occlusion for > 3 months [24]"),
        _f("calcification", T.ENUM, "Calcification", choices=e.Calcification),
        _f("timi_pre", T.INT, "TIMI flow before", hard=(0, 3), source="TIMI 0-3", categories=_COR),
        _f("timi_post", T.INT, "TIMI flow after", hard=(0, 3), source="TIMI 0-3", categories=_COR),
        _f("length_mm", T.REAL, "Lesion length", unit="mm", hard=(1, 500), decimals=1, source="design"),
        _f("reference_diameter_mm", T.REAL, "Reference diameter", unit="mm", hard=(0.5, 45), decimals=2,
           source="design"),
        _f("side", T.ENUM, "Side", choices=e.Side, since=DETAILS_SCHEMA),
        _f("btk_segment", T.ENUM, "Below-the-knee segment", choices=e.BtkSegment, since=DETAILS_SCHEMA,
           categories=_PER),
        _f("runoff_vessels", T.ENUM_LIST, "Runoff vessels to the foot", choices=e.RunoffVessel,
           since=DETAILS_SCHEMA, categories=_PER),
        _f("vein_segment", T.ENUM, "Vein segment", choices=e.VeinSegment, since=DETAILS_SCHEMA, categories=_VEN),
    ),
    e.EventKind.COMPLICATION: (
        _f("complication", T.ENUM, "Complication", required=True, choices=e.ComplicationKind),
        _f("severity", T.ENUM, "Severity", required=True, choices=e.Severity),
        _f("description", T.TEXT, "Description", max_len=1000, multiline=True),
        _f("treatment", T.TEXT, "Treatment", max_len=1000, multiline=True),
        _f("dissection_grade", T.ENUM, "Dissection grade (NHLBI)", choices=e.DissectionGrade, since=DETAILS_SCHEMA,
           source="NHLBI dissection classification, types A-F"),
        _f("flow_limiting", T.ENUM, "Flow-limiting", choices=e.YesNo, since=DETAILS_SCHEMA),
        _f("treated_with_event_id", T.REF, "Treated with device", since=DETAILS_SCHEMA),
    ),
    e.EventKind.NOTE: (_f("text", T.TEXT, "Note", required=True, max_len=4000, multiline=True),),
}


def fields_since(kind: e.EventKind, version: int) -> tuple[FieldSpec, ...]:
    """The fields of ``kind`` that the migration numbered ``version`` added."""
    return tuple(s for s in EVENT_FIELDS[kind] if s.since == version)


def shown_for(spec: FieldSpec, category: str | None) -> bool:
    """Whether the form of a case of ``category`` shows this field."""
    return not spec.categories or category is None or category in spec.categories


def event_field(kind: e.EventKind, name: str) -> FieldSpec:
    for spec in EVENT_FIELDS[kind]:
        if spec.name == name:
            return spec
    raise KeyError(f"{kind} has no field {name!r}")
