"""The signed report as an HL7 v2.5.1 message: ORU^R01 (a result) or MDM^T02 (a document), chosen in
the lab's settings, each carrying the summary PDF (base64, ED data type in OBX-5), the procedure, the
principal values (contrast, fluoroscopy time, air kerma, DAP) and the signer.

Every message made is checked by hl7apy with STRICT validation of HL7 v2.5.1 before it is stored. One
measured limit of hl7apy: its strict mode caps the ED data component at 199 characters, which no PDF
fits (HL7 itself sets no such cap on OBX-5, whose length v2.5.1 gives as 99999+). So the structure
is validated with the PDF's base64 swapped for a short stand-in, and the real payload is checked
separately: base64 of the alphabet only, decoding to exactly the PDF's bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from cathlog.hl7.codes import LOCAL_SYSTEM, Code, code
from cathlog.hl7.text import escape, hl7_time

VERSION = "2.5.1"
MESSAGE_TYPES = ("ORU^R01", "MDM^T02")
PDF_CODE = Code("summary_pdf", "Cath lab procedure summary (PDF)", LOCAL_SYSTEM)
_SEX = {"female": "F", "male": "M", "other": "O", "unknown": "U"}
# (field, text, unit code, unit text): the principal values, coded as the FHIR export codes them.
VALUES = (("volume_ml", "Contrast volume", "mL", "mL"),
          ("fluoro_time_s", "Fluoroscopy time", "s", "s"),
          ("air_kerma_mgy", "Air kerma at the reference point (Ka,r)", "mGy", "mGy"),
          ("dap_gy_cm2", "Dose-area product (DAP)", "Gy.cm2", "Gy.cm2"))
_STAND_IN = base64.b64encode(b"%PDF-stand-in").decode("ascii")


class InvalidReport(ValueError):
    """A report message failed its own validation (a bug, or data HL7 cannot carry): never stored."""


@dataclass(frozen=True)
class ReportParties:
    sending_application: str
    sending_facility: str
    receiving_application: str
    receiving_facility: str


@dataclass(frozen=True)
class ReportContent:
    control_id: str
    message_type: str  # ORU^R01 | MDM^T02
    created_at: str  # UTC ISO: MSH-7
    mrn: str
    family_name: str
    given_name: str | None
    birth_date: str  # YYYY-MM-DD
    sex: str
    procedure_id: str
    procedure: Code
    started_at: str
    signer_username: str
    signer_name: str
    signed_at: str
    signature_meaning: str
    corrected: bool  # an earlier report of this case was sent: result status C, not F
    authenticated: bool  # the signature named is in force (False after an addendum, until signed again)
    sequence: int  # 1 for the case's first report message, 2 for the next...
    values: tuple[tuple[str, float], ...]  # (field, value) of VALUES present
    pdf: bytes


def _cwe(c: Code) -> str:
    return f"{escape(c.code)}^{escape(c.text)}^{c.system}"


def _obx(n: int, value_type: str, ident: Code, value: str, units: str, at: str) -> str:
    return f"OBX|{n}|{value_type}|{_cwe(ident)}||{value}|{units}|||||F|||{at}"


def _segment(name: str, fields: dict[int, str]) -> str:
    """A segment from its fields by number (the others empty)."""
    last = max(i for i, v in fields.items() if v)
    return "|".join([name, *(fields.get(i, "") for i in range(1, last + 1))])


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def observations(content: ReportContent) -> list[str]:
    """OBX 1: the PDF (ED, base64); then one NM per principal value present."""
    at = hl7_time(content.signed_at)
    pdf = base64.b64encode(content.pdf).decode("ascii")
    out = [_obx(1, "ED", PDF_CODE, f"^AP^PDF^Base64^{pdf}", "", at)]
    present = dict(content.values)
    for field, text, unit_code, unit_text in VALUES:
        if present.get(field) is None:
            continue
        ident = code("observation", field, text)
        out.append(_obx(len(out) + 1, "NM", ident, _number(present[field]), f"{unit_code}^{escape(unit_text)}^UCUM",
                        at))
    return out


def build(content: ReportContent, parties: ReportParties) -> str:
    """The message text (segments separated by CR), validated; raises InvalidReport."""
    if content.message_type not in MESSAGE_TYPES:
        raise InvalidReport(f"message type {content.message_type!r}: one of {', '.join(MESSAGE_TYPES)}")
    code_, trigger = content.message_type.split("^")
    structure = f"{code_}_{trigger}"
    msh = (f"MSH|^~\\&|{escape(parties.sending_application)}|{escape(parties.sending_facility)}|"
           f"{escape(parties.receiving_application)}|{escape(parties.receiving_facility)}|"
           f"{hl7_time(content.created_at)}||{content.message_type}^{structure}|{content.control_id}|P|{VERSION}||||||UNICODE UTF-8")
    given = f"^{escape(content.given_name)}" if content.given_name else ""
    pid = (f"PID|1||{escape(content.mrn)}^^^^MR||{escape(content.family_name)}{given}||"
           f"{content.birth_date.replace('-', '')}|{_SEX.get(content.sex, 'U')}")
    signer = f"{escape(content.signer_username)}&{escape(content.signer_name)}"
    status = "C" if content.corrected else "F"
    started, signed = hl7_time(content.started_at), hl7_time(content.signed_at)
    case_id = f"{escape(content.procedure_id)}^CATHLOG"
    if content.message_type == "ORU^R01":
        obr = _segment("OBR", {1: "1", 3: case_id, 4: _cwe(content.procedure), 7: started, 22: signed, 24: "CTH",
                               25: status, 32: signer})
        segments = [msh, pid, obr, *observations(content)]
    else:
        document = f"{escape(content.procedure_id)}-{content.sequence}^CATHLOG"
        parent = f"{escape(content.procedure_id)}-{content.sequence - 1}^CATHLOG" if content.sequence > 1 else ""
        author = f"{escape(content.signer_username)}^{escape(content.signer_name)}"
        txa = _segment("TXA", {1: "1", 2: "PN", 3: "AP", 4: started, 6: signed, 9: author, 10: author, 12: document,
                               13: parent, 17: "AU" if content.authenticated else "DO", 19: "AV",
                               22: f"{author}^^^^^^^^^^^^^^{signed}" if content.authenticated else ""})
        segments = [msh, f"EVN|T02|{signed}", pid, "PV1|1|U", txa, *observations(content)]
    text = "\r".join(segments) + "\r"
    validate(text, content.pdf)
    return text


def validate(text: str, pdf: bytes | None = None) -> None:
    """hl7apy STRICT v2.5.1 on the structure (the ED payload stood in for, see the module's note) and the
    payload itself: base64 that decodes to ``pdf``."""
    lines = text.rstrip("\r").split("\r")
    payloads = []
    for i, line in enumerate(lines):
        if line.startswith("OBX|") and line.split("|")[2] == "ED":
            fields = line.split("|")
            parts = fields[5].split("^")
            payloads.append(parts[4] if len(parts) > 4 else "")
            fields[5] = "^".join(parts[:4] + [_STAND_IN])
            lines[i] = "|".join(fields)
    try:
        message = parse_message("\r".join(lines), validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
        message.validate()
    except Exception as exc:  # noqa: BLE001 - hl7apy raises many kinds
        raise InvalidReport(f"the report message is not valid HL7 v{VERSION}: {' '.join(str(exc).split())[:300]}") \
            from None
    if len(payloads) != 1:
        raise InvalidReport(f"the report message carries {len(payloads)} ED payloads, not 1")
    try:
        decoded = base64.b64decode(payloads[0], validate=True)
    except binascii.Error:
        raise InvalidReport("the PDF payload is not base64") from None
    if pdf is not None and decoded != pdf:
        raise InvalidReport("the PDF payload does not decode to the report's bytes")


def pdf_of(text: str) -> bytes:
    """The PDF carried in OBX-5 of a report message."""
    for line in text.split("\r"):
        fields = line.split("|")
        if fields[0] == "OBX" and len(fields) > 5 and fields[2] == "ED":
            return base64.b64decode(fields[5].split("^")[4], validate=True)
    raise InvalidReport("no ED observation in the message")


def without_payload(text: str) -> str:
    """The message as the audit keeps it: the PDF's base64 replaced by its size and SHA-256."""
    out = []
    for line in text.rstrip("\r").split("\r"):
        fields = line.split("|")
        if fields[0] == "OBX" and len(fields) > 5 and fields[2] == "ED":
            parts = fields[5].split("^")
            data = base64.b64decode(parts[4]) if len(parts) > 4 else b""
            parts[4:] = [f"<PDF {len(data)} bytes sha256 {hashlib.sha256(data).hexdigest()}>"]
            fields[5] = "^".join(parts)
        out.append("|".join(fields))
    return "\r".join(out)
