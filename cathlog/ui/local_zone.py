"""The lab's time zone with its daylight-saving rules (a ZoneInfo), for turning a
typed HH:MM into a moment. ``datetime.astimezone()`` gives only today's fixed
offset, which is an hour off for a time on the other side of a clock change."""

from __future__ import annotations

import os
from datetime import tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def local_zone() -> tzinfo | None:
    """This computer's zone as a ZoneInfo (TZ, else /etc/localtime); None when it cannot
    be named: the rules then use the zone of "now", as the C library reports it."""
    name = os.environ.get("TZ", "").lstrip(":")
    candidates = [name] if name else []
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for key in candidates:
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return None
