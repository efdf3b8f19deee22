"""The walls are checked by tools, in the test suite: import-linter holds the
layers and doors (contracts in pyproject.toml), mypy holds the types (strict
on domain, rules, store and services; bodies checked everywhere)."""

from __future__ import annotations

import getpass
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(argv: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200"}
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s)


def test_import_contracts_hold():
    """Layers, the one door to the store and the role check, Qt, ReportLab and SQL each in their room."""
    done = _run([str(BIN / "lint-imports"), "--no-cache", "--no-logo"], timeout_s=120)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert re.search(r"^Contracts: \d+ kept, 0 broken\.$", report, re.MULTILINE), report


def test_mypy_passes():
    """Typed where it matters; a call to a method that does not exist fails the suite."""
    # The cache lives outside the tree (never committed) and is keyed by file hashes, so every
    # checkout shares it: a cold run takes about 25 s of CPU, a warm one about 2 s.
    cache = Path(tempfile.gettempdir()) / f"cathlog-mypy-cache-{getpass.getuser()}"
    done = _run([sys.executable, "-m", "mypy", "--cache-dir", str(cache), "--no-color-output"], timeout_s=280)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "Success" in report, report
