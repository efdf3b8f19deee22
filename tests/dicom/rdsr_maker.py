"""Synthetic X-Ray Radiation Dose SRs for edge cases, made with pydicom (no vendor's file in them).

``make(...)`` builds one in memory; ``python -m tests.dicom.rdsr_maker`` writes the committed edge-case
files of tests/data/rdsr (deterministic: fixed UIDs and times, so a test checks the committed files are
exactly what this module makes).
"""

from __future__ import annotations

import io
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

XRAY_DOSE_SR = "1.2.840.10008.5.1.4.1.1.88.67"
ROOT = "1.2.826.0.1.3680043.10.1299"  # a test UID root; never a real device
DATA = Path(__file__).parents[1] / "data" / "rdsr"


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    c = Dataset()
    c.CodeValue, c.CodingSchemeDesignator, c.CodeMeaning = value, scheme, meaning
    return c


def _item(value_type: str, concept: tuple[str, str], relationship: str = "CONTAINS", **kw: object) -> Dataset:
    item = Dataset()
    item.RelationshipType = relationship
    item.ValueType = value_type
    item.ConceptNameCodeSequence = Sequence([_code(concept[0], "DCM", concept[1])])
    for k, v in kw.items():
        setattr(item, k, v)
    return item


def num(code: str, meaning: str, value: object, unit: str | None) -> Dataset:
    measured = Dataset()
    if value is not None:
        measured.NumericValue = value
    else:
        measured.NumericValue = ""
    if unit is not None:
        measured.MeasurementUnitsCodeSequence = Sequence([_code(unit, "UCUM", unit)])
    return _item("NUM", (code, meaning), MeasuredValueSequence=Sequence([measured]))


def code_item(concept: tuple[str, str], value: tuple[str, str, str], relationship: str = "CONTAINS") -> Dataset:
    return _item("CODE", concept, relationship, ConceptCodeSequence=Sequence([_code(*value)]))


def text(concept: tuple[str, str], value: str, relationship: str = "HAS OBS CONTEXT") -> Dataset:
    return _item("TEXT", concept, relationship, TextValue=value)


PLANES = {"single": ("113622", "DCM", "Single Plane"), "A": ("113620", "DCM", "Plane A"),
          "B": ("113621", "DCM", "Plane B")}
TOTAL_CODES = {  # name -> (code, meaning, quantity)
    "dap": ("113722", "Dose Area Product Total"), "ka": ("113725", "Dose (RP) Total"),
    "fluoro_dap": ("113726", "Fluoro Dose Area Product Total"), "fluoro_ka": ("113728", "Fluoro Dose (RP) Total"),
    "fluoro_time": ("113730", "Total Fluoro Time"),
    "acq_dap": ("113727", "Acquisition Dose Area Product Total"), "acq_ka": ("113729", "Acquisition Dose (RP) Total"),
    "acq_time": ("113855", "Total Acquisition Time"),
}
DEFAULT_UNITS = {"dap": "Gy.m2", "ka": "Gy", "fluoro_dap": "Gy.m2", "fluoro_ka": "Gy", "fluoro_time": "s",
                 "acq_dap": "Gy.m2", "acq_ka": "Gy", "acq_time": "s"}


def accumulated(plane: str, values: dict[str, object], units: dict[str, str | None] | None = None) -> Dataset:
    container = _item("CONTAINER", ("113702", "Accumulated X-Ray Dose Data"), ContinuityOfContent="SEPARATE")
    children = [code_item(("113764", "Acquisition Plane"), PLANES[plane], "HAS CONCEPT MOD")]
    for name, value in values.items():
        code, meaning = TOTAL_CODES[name]
        unit = (units or {}).get(name, DEFAULT_UNITS[name])
        children.append(num(code, meaning, value, unit))
    container.ContentSequence = Sequence(children)
    return container


def event(plane: str, uid: str, started: str, kind: str, dap_gym2: float, ka_gy: float, seconds: float) -> Dataset:
    container = _item("CONTAINER", ("113706", "Irradiation Event X-Ray Data"), ContinuityOfContent="SEPARATE")
    kinds = {"fluoroscopy": ("P5-06000", "SRT", "Fluoroscopy"), "acquisition": ("113611", "DCM", "Stationary Acquisition")}
    container.ContentSequence = Sequence([
        code_item(("113764", "Acquisition Plane"), PLANES[plane], "HAS CONCEPT MOD"),
        _item("DATETIME", ("111526", "DateTime Started"), DateTime=started),
        code_item(("113721", "Irradiation Event Type"), kinds[kind]),
        _item("UIDREF", ("113769", "Irradiation Event UID"), UID=uid),
        num("122130", "Dose Area Product", dap_gym2, "Gy.m2"),
        num("113738", "Dose (RP)", ka_gy, "Gy"),
        num("113742", "Irradiation Duration", seconds, "s"),
    ])
    return container


def make(*, sop_instance_uid: str = f"{ROOT}.1.1", study_instance_uid: str | None = f"{ROOT}.2.1",
         patient_id: str = "00123", patient_name: str = "Doe^Jane", birth_date: str = "19540302",
         study_date: str = "20261121", study_time: str = "090500", procedure: tuple[str, str, str] | None = None,
         template: str | None = "10001", planes: list[Dataset] | None = None, events: list[Dataset] | None = None,
         manufacturer: str = "Cathlog Test Systems", model: str = "Synthetic C-arm",
         observer: str = "CATHLAB2") -> Dataset:
    """One dose report; by default a single-plane study of the default test patient, 21 Nov 2026 09:05."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = XRAY_DOSE_SR
    ds.file_meta.MediaStorageSOPInstanceUID = sop_instance_uid
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.ImplementationClassUID = f"{ROOT}.9"
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = XRAY_DOSE_SR
    ds.SOPInstanceUID = sop_instance_uid
    ds.Modality = "SR"
    if study_instance_uid is not None:
        ds.StudyInstanceUID = study_instance_uid
    ds.SeriesInstanceUID = f"{sop_instance_uid}.5"
    ds.StudyDate, ds.StudyTime = study_date, study_time
    ds.ContentDate, ds.ContentTime = study_date, study_time
    ds.AccessionNumber = ""
    ds.PatientID, ds.PatientName, ds.PatientBirthDate, ds.PatientSex = patient_id, patient_name, birth_date, "F"
    ds.Manufacturer, ds.ManufacturerModelName = manufacturer, model
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.ConceptNameCodeSequence = Sequence([_code("113701", "DCM", "X-Ray Radiation Dose Report")])
    if template is not None:
        tmpl = Dataset()
        tmpl.MappingResource, tmpl.TemplateIdentifier = "DCMR", template
        ds.ContentTemplateSequence = Sequence([tmpl])
    content = [code_item(("121058", "Procedure reported"), procedure or ("113704", "DCM", "Projection X-Ray"),
                         "HAS CONCEPT MOD"),
               text(("121013", "Device Observer Name"), observer),
               text(("121014", "Device Observer Manufacturer"), manufacturer),
               text(("121015", "Device Observer Model Name"), model)]
    content += planes if planes is not None else [accumulated("single", {
        "dap": 0.0012, "ka": 0.21, "fluoro_dap": 0.0008, "fluoro_ka": 0.14, "fluoro_time": 305.4,
        "acq_dap": 0.0004, "acq_ka": 0.07, "acq_time": 20.0})]
    content += events or []
    ds.ContentSequence = Sequence(content)
    return ds


def to_bytes(ds: Dataset) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def edge_cases() -> dict[str, Dataset]:
    """The committed edge cases, by file name."""
    e = f"{ROOT}.3"
    return {
        "biplane.dcm": make(sop_instance_uid=f"{ROOT}.1.10", planes=[
            accumulated("A", {"dap": 0.0030, "ka": 0.9, "fluoro_time": 600.0, "fluoro_dap": 0.002,
                              "acq_dap": 0.001}),
            accumulated("B", {"dap": 0.0015, "ka": 0.4, "fluoro_time": 420.0, "fluoro_dap": 0.001,
                              "acq_dap": 0.0005})],
            events=[event("A", f"{e}.1", "20261121090600", "fluoroscopy", 0.002, 0.6, 600.0),
                    event("B", f"{e}.2", "20261121090700", "fluoroscopy", 0.001, 0.3, 420.0)]),
        "gym2_no_totals.dcm": make(sop_instance_uid=f"{ROOT}.1.11", manufacturer="Siemens", model="Synthetic Artis",
                                   planes=[accumulated("single", {"fluoro_dap": 1.6e-05, "acq_dap": 4e-06,
                                                                  "fluoro_ka": 0.00252, "acq_ka": 0.001},
                                                       units={"fluoro_dap": "Gym2", "acq_dap": "Gym2"})]),
        "other_units.dcm": make(sop_instance_uid=f"{ROOT}.1.12", planes=[
            accumulated("single", {"dap": 123.4, "ka": 456.7, "fluoro_time": 9.5},
                        units={"dap": "dGy.cm2", "ka": "mGy", "fluoro_time": "min"})]),
        "missing_units_and_values.dcm": make(sop_instance_uid=f"{ROOT}.1.13", planes=[
            accumulated("single", {"dap": 0.0012, "ka": None, "fluoro_time": 12.0},
                        units={"dap": None, "ka": "Gy", "fluoro_time": "furlong"})]),
        "ct_under_xray_class.dcm": make(sop_instance_uid=f"{ROOT}.1.14", template="10011",
                                        procedure=("P5-08000", "SRT", "Computed Tomography X-Ray"), planes=[]),
        "negative_dap.dcm": make(sop_instance_uid=f"{ROOT}.1.15", planes=[
            accumulated("single", {"dap": -0.0012, "ka": 0.21, "fluoro_time": 300.0})]),
        "huge_kerma.dcm": make(sop_instance_uid=f"{ROOT}.1.16", planes=[
            accumulated("single", {"dap": 0.05, "ka": 45.0, "fluoro_time": 7200.0})]),
        "high_dose.dcm": make(sop_instance_uid=f"{ROOT}.1.17", planes=[
            accumulated("single", {"dap": 0.03, "ka": 6.2, "fluoro_time": 2400.0})]),
    }


if __name__ == "__main__":  # pragma: no cover - regenerates the committed files
    DATA.mkdir(parents=True, exist_ok=True)
    for name, ds in edge_cases().items():
        (DATA / name).write_bytes(to_bytes(ds))
        print(DATA / name)
