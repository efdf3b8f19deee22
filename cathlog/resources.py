"""The one way to find files in the top-level ``resources/`` folder.

Resolved from the package's location (never the working directory);
names with ``..`` or absolute paths are refused.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def resource_path(name: str) -> Path:
    rel = PurePosixPath(name)
    if rel.is_absolute() or ".." in rel.parts:
        raise ValueError(f"resource name {name!r} must be a plain relative path")
    return RESOURCES.joinpath(*rel.parts)


# The report fonts, in fallback order: a character is drawn in the first font whose
# character map has it (DejaVu for Latin, Greek, Cyrillic and symbols; Droid Sans
# Fallback for Chinese and Japanese; Nanum Square for Korean Hangul). All are
# TrueType outlines, which ReportLab can embed (it cannot embed CFF/OTF outlines).
FONT_FILES = {
    "DejaVuSans": "fonts/DejaVuSans.ttf",
    "DejaVuSans-Bold": "fonts/DejaVuSans-Bold.ttf",
    "DroidSansFallback": "fonts/DroidSansFallbackFull.ttf",
    "NanumSquare": "fonts/NanumSquareR.ttf",
}


def font_path(name: str) -> Path:
    """The TrueType file of one of the report fonts (``FONT_FILES``)."""
    if name not in FONT_FILES:
        raise ValueError(f"unknown font {name!r}; one of {', '.join(FONT_FILES)}")
    return resource_path(FONT_FILES[name])
