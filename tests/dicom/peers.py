"""Real counterparts of the DICOM tests: dcmtk's programs and OpenREM's vendor files. A test that needs one
fails when it is missing on CI (``CI`` or ``CATHLOG_REQUIRE_PEERS`` set) and skips with the reason elsewhere."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import fetch_openrem_samples  # noqa: E402


def missing(reason: str) -> None:
    if os.environ.get("CI") or os.environ.get("CATHLOG_REQUIRE_PEERS"):
        pytest.fail(f"this test needs its real counterpart on CI: {reason}")
    pytest.skip(reason)


def dcmtk(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        missing(f"dcmtk's {program} is not installed (scripts/bootstrap.sh test installs dcmtk)")
    assert path is not None
    return path


def openrem_samples() -> Path:
    try:
        return fetch_openrem_samples.samples_dir()
    except fetch_openrem_samples.SamplesUnavailable as exc:
        missing(f"OpenREM {fetch_openrem_samples.VERSION}'s test files could not be fetched: {exc}")
        raise
