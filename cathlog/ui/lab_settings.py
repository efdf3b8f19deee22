"""The lab's settings, read once at start-up into one small typed object.

Kept in QSettings (per computer, set by the lab's administrator in File → Settings…). Each value
is checked against its stated bounds when read; a missing value is the
default, a bad one (out of bounds, not a number, unknown name) is logged and
replaced by the default, so a typo in a settings file never stops the lab.
The window and its pages receive the object in their constructors.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings

from cathlog.domain.mwl import DEFAULT_MODALITY, ae_title_problem, modality_problem
from cathlog.rules.lab_defaults import ACT_RECHECK_MIN
from cathlog.ui.theme import THEMES

log = logging.getLogger(__name__)

DEFAULT_IDLE_S = 5 * 60  # the idle lock's default
IDLE_LOCK_S_BOUNDS = (60, 3600)  # 1 minute to 1 hour (HIPAA 164.312 automatic logoff; OWASP idle limits)
ACT_RECHECK_MIN_BOUNDS = (5, 240)  # minutes between ACT readings before a recheck is due
DEFAULT_THEME = "light"


@dataclass(frozen=True)
class LabSettings:
    idle_lock_s: int = DEFAULT_IDLE_S
    act_recheck_min: int = ACT_RECHECK_MIN
    theme: str = DEFAULT_THEME
    mwl_station_ae: str = ""  # this room's Scheduled Station AE title on the worklist ("": not set up)
    mwl_modality: str = DEFAULT_MODALITY

    @classmethod
    def read(cls, settings: QSettings) -> LabSettings:
        """The checked values from ``settings`` (QSettings keys idle_lock_s, act_recheck_min, theme)."""
        return cls(idle_lock_s=_bounded_int(settings, "idle_lock_s", DEFAULT_IDLE_S, IDLE_LOCK_S_BOUNDS),
                   act_recheck_min=_bounded_int(settings, "act_recheck_min", ACT_RECHECK_MIN,
                                                ACT_RECHECK_MIN_BOUNDS),
                   theme=_choice(settings, "theme", DEFAULT_THEME, THEMES),
                   mwl_station_ae=_checked_text(settings, MWL_STATION_AE_KEY, "", ae_title_problem),
                   mwl_modality=_checked_text(settings, MWL_MODALITY_KEY, DEFAULT_MODALITY, modality_problem))


def save_theme(settings: QSettings, name: str) -> None:
    """The user's choice of theme, for the next start."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; one of {', '.join(THEMES)}")
    settings.setValue("theme", name)


def _fallback(key: str, raw: Any, default: Any, why: str) -> Any:
    log.warning("lab setting %s=%r ignored (%s); using the default %r", key, raw, why, default)
    return default


def _bounded_int(settings: QSettings, key: str, default: int, bounds: tuple[int, int]) -> int:
    raw = settings.value(key)
    if raw is None:
        return default
    low, high = bounds
    try:
        value = int(str(raw).strip())
    except ValueError:
        return _fallback(key, raw, default, "not a whole number")
    if not low <= value <= high:
        return _fallback(key, raw, default, f"outside {low}-{high}")
    return value


def _choice(settings: QSettings, key: str, default: str, choices: tuple[str, ...]) -> str:
    raw = settings.value(key)
    if raw is None:
        return default
    if raw not in choices:
        return _fallback(key, raw, default, f"not one of {', '.join(choices)}")
    return str(raw)


def _checked_text(settings: QSettings, key: str, default: str, problem: Any) -> str:
    raw = settings.value(key)
    if raw is None or raw == "":
        return default
    why = problem(str(raw))
    if why:
        return _fallback(key, raw, default, why)
    return str(raw).strip()


# --- checking and saving what an admin types in the Settings screen (never clamped) ---------------

IDLE_LOCK_S_KEY, ACT_RECHECK_MIN_KEY, THEME_KEY = "idle_lock_s", "act_recheck_min", "theme"
MWL_STATION_AE_KEY, MWL_MODALITY_KEY = "mwl_station_ae", "mwl_modality"
BOUNDS = {IDLE_LOCK_S_KEY: IDLE_LOCK_S_BOUNDS, ACT_RECHECK_MIN_KEY: ACT_RECHECK_MIN_BOUNDS}
UNITS = {IDLE_LOCK_S_KEY: "seconds", ACT_RECHECK_MIN_KEY: "minutes"}


def check_bounded(key: str, text: str) -> int:
    """The whole number typed for ``key`` (idle_lock_s or act_recheck_min); ValueError saying the
    bounds when it is not a whole number or outside them (nothing is clamped)."""
    low, high = BOUNDS[key]
    allowed = f"a whole number of {UNITS[key]} from {low} to {high}"
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"{text.strip() or 'nothing'} is not {allowed}") from None
    if not low <= value <= high:
        raise ValueError(f"{value} is outside the bounds: {allowed}")
    return value


def save(settings: QSettings, lab: LabSettings) -> None:
    """Keep ``lab`` on this computer, each value checked again (ValueError when one is out of bounds)."""
    for key in BOUNDS:
        check_bounded(key, str(getattr(lab, key)))
    save_theme(settings, lab.theme)
    settings.setValue(IDLE_LOCK_S_KEY, lab.idle_lock_s)
    settings.setValue(ACT_RECHECK_MIN_KEY, lab.act_recheck_min)
    for key, value, problem in ((MWL_STATION_AE_KEY, lab.mwl_station_ae, ae_title_problem),
                                (MWL_MODALITY_KEY, lab.mwl_modality, modality_problem)):
        why = problem(value) if value else None
        if why:
            raise ValueError(why)
        settings.setValue(key, value)
    settings.sync()
