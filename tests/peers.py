"""The real counterparts of the tests (dcmtk's programs, OpenREM's vendor files, node and the node-hl7
packages) and free loopback ports for them. A test that needs a counterpart fails when it is missing where
one is required (``CI`` or ``CATHLOG_REQUIRE_PEERS`` set, as .ci/run sets it) and skips with the reason
elsewhere: a peer test never disappears silently in CI."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import fetch_cache  # noqa: E402
import fetch_openrem_samples  # noqa: E402


def cache_folder(name: str) -> Path:
    """``name``'s folder in the one cache of fetched test material, outside the repository (scripts/fetch_cache.py:
    $CATHLOG_CACHE, else $XDG_CACHE_HOME/cathlog, else ~/.cache/cathlog); not made here."""
    return fetch_cache.cache_root() / name


def missing(reason: str) -> None:
    """Fail (a counterpart is required here) or skip, saying why."""
    if os.environ.get("CI") or os.environ.get("CATHLOG_REQUIRE_PEERS"):
        pytest.fail(f"this test needs its real counterpart (CI/CATHLOG_REQUIRE_PEERS is set): {reason}",
                    pytrace=False)
    pytest.skip(reason)


def dcmtk_tools(*programs: str) -> dict[str, str]:
    """The paths of dcmtk's ``programs``, or :func:`missing`."""
    found = {program: shutil.which(program) for program in programs}
    absent = [program for program, path in found.items() if path is None]
    if absent:
        missing(f"dcmtk's {', '.join(absent)} not installed (bash test.sh installs dcmtk)")
    return {program: str(path) for program, path in found.items()}


def dcmtk(program: str) -> str:
    return dcmtk_tools(program)[program]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def openrem_samples() -> Path:
    try:
        return fetch_openrem_samples.samples_dir()
    except fetch_openrem_samples.SamplesUnavailable as exc:
        missing(f"OpenREM {fetch_openrem_samples.VERSION}'s test files could not be fetched: {exc}")
        raise
