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
