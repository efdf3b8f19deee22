"""Every screen, in both themes, on a real X server at 1366x768: each window lies within the screen
(scripts/screenshots.py --check; issue 12). Needs Xvfb, which the test command installs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ("first-run", "sign-in", "case-list", "new-case", "new-case-worklist", "worklist-differs", "live-log",
           "device-form", "close-checklist", "scan-choice", "change-password", "lock", "keyboard-reference", "dose-inbox",
           "review", "worklist", "users",
           "restore", "export", "audit", "settings", "settings-interfaces", "hl7", "about")


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (bash test.sh installs it)")
def test_every_screen_fits_a_1366x768_screen_in_both_themes(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    run = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1366x768x24", sys.executable,
                          str(ROOT / "scripts" / "screenshots.py"), str(tmp_path / "shots"), "--check"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    taken = {p.name for p in (tmp_path / "shots").glob("*.png")}
    missing = [f"{name}-{theme}.png" for name in SCREENS for theme in ("light", "dim")
               if f"{name}-{theme}.png" not in taken]
    assert not missing, missing
