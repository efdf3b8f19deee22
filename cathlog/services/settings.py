"""The lab's own settings, kept in the database: who the patient calls (the patient sheet), the
lab's identity in a FHIR export (issue 14 items 4 and 9) and where the hospital's DICOM Modality
Worklist is (issue 15 item 5; each room's station AE title and modality are kept per computer).

A fixed, typed list (``SETTINGS``): each value is checked when set and a bad one is refused with what
is allowed, never shortened or clamped (surrounding spaces are dropped). Any signed-in user may read
them; only an admin sets them (``Action.MANAGE_SETTINGS``), and every change is audited
(``set_setting``, with the old and the new value). ``stored_values`` is the one way to read them:
``lab_contact`` for reports and ``ExchangeService.fhir_identity`` both go through it. Other rows of the
``settings`` table (the audit key id, the legacy pseudonym key, backup marks) are not lab settings and
are never read or written here.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from cathlog.domain.dose import AE_TITLE_RULE, PORT_RULE, is_ae_title, is_ae_title_list, is_port
from cathlog.domain.errors import Issue, ValidationError
from cathlog.domain.mwl import AE_TITLE_ALLOWED, ae_title_problem
from cathlog.domain.records import Actor
from cathlog.rules.permissions import Action
from cathlog.services.base import ServiceBase
from cathlog.store import settings as settings_store
from cathlog.store.db import Store

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PHONE = re.compile(r"[0-9 +()\-]{3,30}")
_OID_URN = re.compile(r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+")
_HTTP_URI = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[^\s]*)?")
_URN = re.compile(r"urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[^\s]+")
SYSTEM_ALLOWED = ("an OID as urn:oid:<dotted digits> (e.g. urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14), "
                  "an http(s) URI or a urn: URI; no spaces, at most 255 characters")


def _text(low: int, high: int) -> Callable[[str], bool]:
    return lambda v: low <= len(v) <= high and not _CONTROL.search(v)


def _system(value: str) -> bool:
    if len(value) > 255:
        return False
    if value.lower().startswith("urn:oid:"):
        return bool(_OID_URN.fullmatch(value))
    return bool(_HTTP_URI.fullmatch(value) or _URN.fullmatch(value))


_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
HOST_ALLOWED = "a host name (letters, digits, - and .) or an IPv4 or IPv6 address, at most 253 characters"


def _host(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        pass
    return 0 < len(value) <= 253 and all(_HOST_LABEL.fullmatch(part) for part in value.rstrip(".").split("."))


def _port(value: str) -> bool:
    return value.isascii() and value.isdigit() and 1 <= int(value) <= 65535


def _ae_title(value: str) -> bool:
    return ae_title_problem(value) is None


def _or_empty(check: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda v: v == "" or check(v)


def _phone(value: str) -> bool:
    return bool(_PHONE.fullmatch(value)) and any(c.isdigit() for c in value)


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    default: str  # "" = not set
    allowed: str  # what a refusal says is allowed
    check: Callable[[str], bool]


_HL7_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,19}")


def _int_between(low: int, high: int) -> Callable[[str], bool]:
    return lambda v: v.isascii() and v.isdigit() and low <= int(v) <= high


def _choice(*choices: str) -> Callable[[str], bool]:
    return lambda v: v in choices


def _senders(value: str) -> bool:
    """Comma-separated sending facilities (MSH-4) or IP addresses; "*" alone = any sender."""
    items = [v.strip() for v in value.split(",")]
    return value == "*" or (0 < len(items) <= 50 and all(_HL7_NAME.fullmatch(v) or _host(v) for v in items))


HL7_NAME_ALLOWED = "1 to 20 characters: letters, digits, space, '_', '.', '-' (no HL7 delimiters)"
HL7_SETTINGS: tuple[SettingSpec, ...] = (
    # ADT in (issue 16): the listener, off until an admin turns it on.
    SettingSpec("hl7.listen", "HL7: start the ADT listener with the application (on/off)", "off", "on or off",
                _choice("on", "off")),
    SettingSpec("hl7.listen_host", "HL7: the address the ADT listener binds", "127.0.0.1",
                "a host name or an IP address", _host),
    SettingSpec("hl7.listen_port", "HL7: the ADT listener's TCP port", "2575", "a port from 1 to 65535",
                _int_between(1, 65535)),
    SettingSpec("hl7.allowed_senders", "HL7: who may send ADT (sending facilities MSH-4 or IP addresses, "
                "comma-separated; * for any)", "", "comma-separated facility names or IP addresses, * for any, or empty for none",
                lambda v: v == "" or _senders(v)),
    SettingSpec("hl7.application", "HL7: cathlog's application name (MSH-3 out, MSH-5 in)", "CATHLOG",
                HL7_NAME_ALLOWED, lambda v: bool(_HL7_NAME.fullmatch(v))),
    SettingSpec("hl7.facility", "HL7: the lab's facility name (MSH-4 out, MSH-6 in)", "CATHLAB",
                HL7_NAME_ALLOWED, lambda v: bool(_HL7_NAME.fullmatch(v))),
    # Report out: nothing is queued until the destination is set.
    SettingSpec("hl7.out_host", "HL7: the report receiver's address (empty: reports are not sent)", "",
                "a host name or an IP address, or empty", lambda v: v == "" or _host(v)),
    SettingSpec("hl7.out_port", "HL7: the report receiver's TCP port", "2575", "a port from 1 to 65535",
                _int_between(1, 65535)),
    SettingSpec("hl7.out_application", "HL7: the receiving application (MSH-5 of reports)", "EHR",
                HL7_NAME_ALLOWED, lambda v: bool(_HL7_NAME.fullmatch(v))),
    SettingSpec("hl7.out_facility", "HL7: the receiving facility (MSH-6 of reports)", "HOSPITAL",
                HL7_NAME_ALLOWED, lambda v: bool(_HL7_NAME.fullmatch(v))),
    SettingSpec("hl7.report_message", "HL7: the report message (ORU^R01 or MDM^T02)", "ORU^R01",
                "ORU^R01 or MDM^T02", _choice("ORU^R01", "MDM^T02")),
    SettingSpec("hl7.send_on", "HL7: which events send the report (sign,addendum | sign | none)", "sign,addendum",
                "sign,addendum, sign or none", _choice("sign,addendum", "sign", "none")),
    SettingSpec("hl7.ack_timeout_s", "HL7: seconds to wait for the receiver's acknowledgement", "30",
                "a whole number of seconds from 1 to 300", _int_between(1, 300)),
    SettingSpec("hl7.max_attempts", "HL7: attempts before a report is marked failed", "20",
                "a whole number from 1 to 1000", _int_between(1, 1000)),
)


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("lab_name", "the lab's name on the patient sheet", "",
                "1 to 100 characters (no control characters)", _text(1, 100)),
    SettingSpec("lab_phone", "the lab's phone number on the patient sheet", "",
                "3 to 30 characters of digits, spaces and + - ( ), with at least one digit", _phone),
    # The dose-report listener (issue 15): the X-ray system sends its dose reports to this AE title and port.
    SettingSpec("dose.listen", "dose reports: listen for the X-ray system while cathlog runs (yes or no)", "no",
                "yes or no", lambda v: v in ("yes", "no")),
    SettingSpec("dose.ae_title", "dose reports: cathlog's AE title (the X-ray system sends to it)", "CATHLOG",
                AE_TITLE_RULE, is_ae_title),
    SettingSpec("dose.port", "dose reports: the port cathlog listens on", "11112", PORT_RULE, is_port),
    SettingSpec("dose.allowed_calling", "dose reports: the X-ray systems' AE titles allowed to send, comma "
                "separated (empty: any)", "", "AE titles separated by commas; each " + AE_TITLE_RULE,
                is_ae_title_list),
    # FHIR identity: until the lab enters its own, LOCAL placeholders (marked "local" so no receiver
    # mistakes them for a real OID or URI).
    SettingSpec("fhir.mrn_system", "FHIR: the MRN's identifier system (its assigning authority)",
                "urn:cathlog:local:mrn", SYSTEM_ALLOWED, _system),
    SettingSpec("fhir.organization_name", "FHIR: the lab's organisation name",
                "Cath lab (local, not configured)", "1 to 200 characters (no control characters)", _text(1, 200)),
    SettingSpec("fhir.organization_system", "FHIR: the identifier system of the lab's organisation",
                "urn:cathlog:local:organization", SYSTEM_ALLOWED, _system),
    SettingSpec("fhir.organization_id", "FHIR: the lab's identifier in that system", "cathlog-lab",
                "1 to 64 characters (no control characters)", _text(1, 64)),
    # The hospital's Modality Worklist provider (RIS or broker); not set: no worklist, manual entry.
    # Empty: not set (the worklist is off).
    SettingSpec("mwl.provider_ae", "worklist: the provider's AE title", "", f"empty or {AE_TITLE_ALLOWED}",
                _or_empty(_ae_title)),
    SettingSpec("mwl.provider_host", "worklist: the provider's host name or address", "", f"empty or {HOST_ALLOWED}",
                _or_empty(_host)),
    SettingSpec("mwl.provider_port", "worklist: the provider's port", "",
                "empty or a whole number from 1 to 65535 (DICOM's own port is 104; 11112 is common)",
                _or_empty(_port)),
    SettingSpec("mwl.calling_ae", "worklist: the AE title cathlog calls with (the provider may need to know it)",
                "CATHLOG", AE_TITLE_ALLOWED, _ae_title),
)
SETTINGS += HL7_SETTINGS
SPECS = {s.key: s for s in SETTINGS}
FHIR_DEFAULTS = {s.key: s.default for s in SETTINGS if s.key.startswith("fhir.")}


def checked(key: str, value: str) -> str:
    """``value`` without surrounding spaces if it is allowed for ``key``; else ValidationError saying
    what is allowed (an unknown key names the known ones)."""
    spec = SPECS.get(key)
    if spec is None:
        raise ValidationError([Issue(key, value, f"unknown setting {key!r}; one of {', '.join(SPECS)}",
                                     code="unknown_setting")])
    text = value.strip()
    if not spec.check(text):
        raise ValidationError([Issue(key, value, f"{key} {value!r} refused: {spec.allowed}",
                                     code="bad_setting")])
    return text


def stored_values(store: Store) -> dict[str, str]:
    """Every lab setting: its stored value, else its default (the one way settings are read)."""
    found = {**settings_store.read_values(store, "lab_"), **settings_store.read_values(store, "fhir."),
             **settings_store.read_values(store, "dose."), **settings_store.read_values(store, "mwl."),
             **settings_store.read_values(store, "hl7.")}
    return {s.key: found.get(s.key) or s.default for s in SETTINGS}


class SettingsService(ServiceBase):
    def values(self, actor: Actor) -> dict[str, str]:
        """Every lab setting (key -> value, the default where unset), in ``SETTINGS`` order."""
        self.require(actor, Action.VIEW_RECORDS)
        return stored_values(self.store)

    def lab_contact(self, actor: Actor) -> tuple[str, str]:
        """The lab's name and phone for the patient sheet ("" where unset)."""
        found = self.values(actor)
        return found["lab_name"], found["lab_phone"]

    def set(self, actor: Actor, key: str, value: str, reason: str | None = None) -> str:
        """Set one lab setting (admin only), audited with the old and the new value; returns the value
        stored. A bad value is refused (ValidationError) and nothing changes."""
        self.require(actor, Action.MANAGE_SETTINGS)
        text = checked(key, value)
        with self.store.write():
            old = settings_store.read_values(self.store, key).get(key)
            if old == text:
                return text
            settings_store.write_value(self.store, key, text)
            self.audit(actor, "set_setting", "settings", key, old={"value": old}, new={"value": text},
                       reason=reason)
        return text
