"""Inbound ADT: read the header, validate the structure with hl7apy (strict, the message's own HL7
version), take the patient's demographics, and build the acknowledgement.

Two kinds of refusal, as HL7 acknowledgements name them:

- :class:`Rejected` -> ``AR``: not a message cathlog can take at all (no MSH, a type or version it
  does not accept, a structure hl7apy refuses, a sender not allowed). Nothing is applied.
- :class:`NotApplied` -> ``AE``: a well-formed message whose content cannot be applied (segments
  separated by LF, no MRN, a birth date that is not a date...). Kept in the inbox for an admin to retry.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from cathlog.hl7.text import Segments, escape, now_hl7

# Trigger events cathlog takes, and the message structure HL7 v2.3.1-2.8 gives each (for a sender that
# leaves MSH-9.3 empty, as many do).
STRUCTURES = {"A01": "ADT_A01", "A04": "ADT_A01", "A08": "ADT_A01", "A28": "ADT_A05", "A31": "ADT_A05",
              "A40": "ADT_A39"}
UPDATES = ("A01", "A04", "A08", "A28", "A31")
VERSIONS = ("2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8")
_NO_STRUCTURE_COMPONENT = ("2.3", "2.3.1")  # MSH-9 without its third component (message structure)
_SEX = {"F": "female", "M": "male", "O": "other", "U": "unknown", "A": "other", "N": "other"}
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


class Refusal(Exception):
    """A message cathlog does not apply; ``code`` is the acknowledgement, ``error_code`` HL7 table 0357."""

    ack_code = "AE"

    def __init__(self, reason: str, error_code: str = "207"):
        super().__init__(reason)
        self.reason = reason
        self.error_code = error_code


class Rejected(Refusal):
    ack_code = "AR"


class NotApplied(Refusal):
    ack_code = "AE"


@dataclass(frozen=True)
class Header:
    sending_application: str
    sending_facility: str
    receiving_application: str
    receiving_facility: str
    message_code: str  # ADT
    trigger: str  # A08
    structure: str  # ADT_A01, or "" when the sender left it out
    control_id: str
    processing_id: str
    version: str

    @property
    def message_type(self) -> str:
        return f"{self.message_code}^{self.trigger}" if self.trigger else self.message_code


@dataclass(frozen=True)
class Demographics:
    mrn: str
    family_name: str
    given_name: str | None
    birth_date: str  # YYYY-MM-DD
    sex: str  # a cathlog Sex value


@dataclass(frozen=True)
class Adt:
    header: Header
    patient: Demographics
    prior_mrn: str | None = None  # A40: MRG-1, the MRN merged into the patient's


EMPTY_HEADER = Header("", "", "", "", "", "", "", "", "P", "2.5.1")


def read_header(text: str) -> Header:
    """The MSH of ``text`` (whatever its separators); a message without one is refused (AR)."""
    if not text.startswith("MSH") or len(text) < 9:
        raise Rejected("the message does not start with an MSH segment", "100")
    seg = Segments(text.replace("\n", "\r"))
    typ = seg.field("MSH", 9)
    return Header(seg.component(seg.field("MSH", 3), 1), seg.component(seg.field("MSH", 4), 1),
                  seg.component(seg.field("MSH", 5), 1), seg.component(seg.field("MSH", 6), 1),
                  seg.component(typ, 1), seg.component(typ, 2), seg.component(typ, 3),
                  seg.field("MSH", 10).strip(), seg.component(seg.field("MSH", 11), 1) or "P",
                  seg.component(seg.field("MSH", 12), 1))


def check_framing(text: str) -> None:
    """Segments must be separated by CR: an LF-only message (a known trip of hand-made senders) is not
    guessed at but answered AE, so the sender fixes it."""
    if "\r" not in text.strip("\r\n") and "\n" in text.strip("\r\n"):
        raise NotApplied("segments are separated by LF; HL7 v2 separates segments with CR (0x0D)", "100")


def validate(text: str, header: Header) -> None:
    """Strict structure validation by hl7apy in the message's own version; refusals are AR."""
    if header.message_code != "ADT" or header.trigger not in STRUCTURES:
        raise Rejected(f"message type {header.message_type or '(none)'} is not taken here; cathlog takes ADT "
                       f"{', '.join(STRUCTURES)}", "200" if header.message_code != "ADT" else "201")
    if header.version not in VERSIONS:
        raise Rejected(f"HL7 version {header.version or '(none)'} is not taken; one of {', '.join(VERSIONS)}", "203")
    if not header.control_id:
        raise Rejected("MSH-10 (message control id) is empty", "101")
    if header.processing_id != "P":
        raise Rejected(f"processing id {header.processing_id!r} (MSH-11): only production (P) messages change "
                       "patients", "202")
    expected = structure_of(header.trigger, header.version)
    structure = header.structure or expected
    if structure != expected:
        raise Rejected(f"{header.message_type} with structure {structure}: expected {expected}", "201")
    if header.version in _NO_STRUCTURE_COMPONENT:  # MSH-9 has two components: name the structure's own trigger
        checked = _with_type(text, ["ADT", structure.split("_")[1]])
    else:
        checked = text if header.structure else _with_type(text, ["ADT", header.trigger, structure])
    try:
        message = parse_message(checked, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
        message.validate()
    except Exception as exc:  # noqa: BLE001 - hl7apy raises many kinds; each is a refusal with its reason
        raise Rejected(f"the message's structure is not valid HL7 v{header.version} {structure}: "
                       f"{_short(str(exc))}", "100") from None


def structure_of(trigger: str, version: str) -> str:
    """The message structure of an ADT trigger in an HL7 version (A28/A31 shared ADT_A01 before v2.4)."""
    if trigger in ("A28", "A31") and version in _NO_STRUCTURE_COMPONENT:
        return "ADT_A01"
    return STRUCTURES[trigger]


def _with_type(text: str, components: list[str]) -> str:
    """``text`` with MSH-9 replaced (for validation only: what is stored is what came)."""
    seg = Segments(text)
    first, _, rest = text.partition("\r")
    fields = first.split(seg.field_sep)
    fields[8] = seg.component_sep.join(components)  # fields[8] is MSH-9 (MSH-1 is the separator)
    return seg.field_sep.join(fields) + ("\r" + rest if rest else "")


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def demographics(text: str) -> tuple[Demographics, str | None]:
    """The patient of a validated ADT message (PID) and, for A40, the prior MRN (MRG-1)."""
    seg = Segments(text)
    mrn = _mrn(seg, seg.repetitions("PID", 3))
    if not mrn:
        raise NotApplied("PID-3 holds no patient identifier (MRN)", "101")
    name = seg.field("PID", 5)
    family, given = seg.component(name, 1), seg.component(name, 2)
    if not family:
        raise NotApplied(f"patient {mrn}: PID-5 holds no family name", "101")
    birth = seg.field("PID", 7)
    match = _DATE.match(seg.component(birth, 1))
    if not match:
        raise NotApplied(f"patient {mrn}: PID-7 birth date {birth!r} is not a date YYYYMMDD", "102")
    try:
        born = date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        raise NotApplied(f"patient {mrn}: PID-7 birth date {birth!r} is not a real date", "102") from None
    sex_code = seg.component(seg.field("PID", 8), 1).upper()
    if sex_code not in _SEX:
        raise NotApplied(f"patient {mrn}: PID-8 sex {sex_code!r} is not one of F, M, O, U, A, N (HL7 table 0001)",
                         "103")
    prior = None
    if seg.all("MRG"):
        prior = _mrn(seg, seg.repetitions("MRG", 1)) or None
    return Demographics(mrn, family, given or None, born, _SEX[sex_code]), prior


def _mrn(seg: Segments, identifiers: list[str]) -> str:
    """The identifier typed MR (CX-5) if one is, else the first."""
    ids = [(seg.component(v, 1), seg.component(v, 5)) for v in identifiers if seg.component(v, 1)]
    typed = [i for i, kind in ids if kind.upper() == "MR"]
    return typed[0] if typed else (ids[0][0] if ids else "")


def read_adt(text: str) -> Adt:
    """Header, structure and patient of one ADT message; raises Rejected (AR) or NotApplied (AE)."""
    header = read_header(text)
    check_framing(text)
    validate(text, header)
    patient, prior = demographics(text)
    if header.trigger == "A40" and not prior:
        raise NotApplied("A40 without a prior patient identifier (MRG-1)", "101")
    return Adt(header, patient, prior)


def new_control_id() -> str:
    """A control id for a message cathlog makes: 20 random hex digits (MSH-10 is at most 20 characters)."""
    return secrets.token_hex(10)


def acknowledgement(header: Header, code: str, *, application: str, facility: str, text: str = "",
                    error_code: str | None = None, control_id: str | None = None, now: str | None = None) -> str:
    """The original-mode ACK for ``header``: MSA-1 ``code``, MSA-2 their control id; an ERR segment with the
    HL7 table 0357 code and the reason for AE/AR."""
    version = header.version if header.version in VERSIONS else "2.5.1"
    trigger = header.trigger or ""
    ack_type = f"ACK^{escape(trigger)}" + ("" if version in _NO_STRUCTURE_COMPONENT else "^ACK")
    msh = (f"MSH|^~\\&|{escape(application)}|{escape(facility)}|{escape(header.sending_application)}|"
           f"{escape(header.sending_facility)}|{now or now_hl7()}||{ack_type}|"
           f"{control_id or new_control_id()}|P|{version}")
    segments = [msh, f"MSA|{code}|{escape(header.control_id)}"]
    if code != "AA" and error_code:
        if version in ("2.3", "2.3.1", "2.4"):  # ERR-3..8 came with v2.5: the reason goes in MSA-3 (80 characters)
            segments[1] += f"|{escape(_short(text, 80))}"
        else:
            segments.append(f"ERR|||{error_code}^{_ERROR_TEXT.get(error_code, 'Application error')}^HL70357|E"
                            f"||||{escape(_short(text, 250))}")
    return "\r".join(segments) + "\r"


_ERROR_TEXT = {"100": "Segment sequence error", "101": "Required field missing", "102": "Data type error",
               "103": "Table value not found", "200": "Unsupported message type", "201": "Unsupported event code",
               "202": "Unsupported processing id", "203": "Unsupported version id", "204": "Unknown key identifier",
               "205": "Duplicate key identifier", "206": "Application record locked",
               "207": "Application internal error"}


def ack_code(text: str) -> tuple[str, str, str]:
    """(MSA-1, MSA-2, the reason in MSA-3/ERR) of an acknowledgement received."""
    seg = Segments(text.replace("\n", "\r"))
    reason = seg.component(seg.field("ERR", 8), 1) or seg.component(seg.field("MSA", 3), 1)
    if not reason and seg.all("ERR"):
        reason = seg.component(seg.field("ERR", 3), 2)
    return seg.component(seg.field("MSA", 1), 1), seg.field("MSA", 2).strip(), reason
