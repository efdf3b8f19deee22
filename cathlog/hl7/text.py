"""HL7 v2 text: segments, fields, components; escaping; timestamps."""

from __future__ import annotations

from datetime import datetime, timezone

_ESCAPES = (("\\", "\\E\\"), ("|", "\\F\\"), ("^", "\\S\\"), ("&", "\\T\\"), ("~", "\\R\\"))


def escape(text: str) -> str:
    """Text safe inside a field (default encoding characters); control characters become spaces."""
    for raw, esc in _ESCAPES:
        text = text.replace(raw, esc)
    return "".join(" " if ord(c) < 32 else c for c in text)


def unescape(text: str) -> str:
    for raw, esc in reversed(_ESCAPES):
        text = text.replace(esc, raw)
    return text


def hl7_time(iso_utc: str) -> str:
    """cathlog's canonical UTC time (2026-12-03T09:15:00Z) as an HL7 DTM with its zone (20261203091500+0000)."""
    moment = datetime.strptime(iso_utc, "%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y%m%d%H%M%S") + "+0000"


def now_hl7(now: datetime | None = None) -> str:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%d%H%M%S") + "+0000"


class Segments:
    """A message split into segments and fields, with MSH counted as HL7 counts it (MSH-1 = '|')."""

    def __init__(self, text: str):
        self.text = text
        self.field_sep = text[3] if len(text) > 3 and text.startswith("MSH") else "|"
        enc = text[4:8] if len(text) > 8 and text.startswith("MSH") else "^~\\&"
        self.component_sep, self.repetition_sep = enc[0], enc[1]
        self.subcomponent_sep = enc[3] if len(enc) > 3 else "&"
        self.segments = [s for s in text.replace("\r\n", "\r").split("\r") if s.strip()]

    def all(self, name: str) -> list[list[str]]:
        """Every segment called ``name``, as a list of fields where index i is field i."""
        out = []
        for seg in self.segments:
            if seg[:3] == name:
                fields = seg.split(self.field_sep)
                if name == "MSH":  # MSH-1 is the separator itself
                    fields = [fields[0], self.field_sep] + fields[1:]
                out.append(fields)
        return out

    def field(self, name: str, number: int, repetition: int = 0) -> str:
        found = self.all(name)
        if not found or number >= len(found[0]):
            return ""
        reps = found[0][number].split(self.repetition_sep)
        return reps[repetition] if repetition < len(reps) else ""

    def repetitions(self, name: str, number: int) -> list[str]:
        found = self.all(name)
        if not found or number >= len(found[0]) or not found[0][number]:
            return []
        return found[0][number].split(self.repetition_sep)

    def component(self, value: str, number: int) -> str:
        """Component ``number`` (1-based) of a field value, unescaped; its first subcomponent only."""
        parts = value.split(self.component_sep)
        if number > len(parts):
            return ""
        return unescape(parts[number - 1].split(self.subcomponent_sep)[0]).strip()
