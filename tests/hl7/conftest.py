"""The independent HL7 peer: node-hl7-client / node-hl7-server (npm, MIT), run by node.

Installed at test time with npm, pinned, into node-hl7 in the one cache of fetched test material outside the
repository (``tests.peers.cache_folder``, scripts/fetch_cache.py: $CATHLOG_CACHE, else $XDG_CACHE_HOME/cathlog,
else ~/.cache/cathlog), once per machine (a file lock keeps parallel workers from installing twice). Without
node or npm the tests skip with a reason, or fail when ``CI`` or ``CATHLOG_REQUIRE_PEERS`` is set: a peer test
must never disappear silently in CI.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.peers import cache_folder, missing

PACKAGES = ("node-hl7-server@2.5.0", "node-hl7-client@4.0.0")
PEERS = Path(__file__).parent / "peers"


@pytest.fixture(scope="session")
def node_hl7() -> Path:
    """The folder whose node_modules holds the pinned packages; the peer scripts run with it as NODE_PATH."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        missing("HL7 peer tests need node and npm (install Node.js 20 or newer)")
    folder = cache_folder("node-hl7")
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = folder / "installed.txt"
        if not stamp.exists() or stamp.read_text() != "\n".join(PACKAGES):
            (folder / "package.json").write_text('{"name": "cathlog-hl7-peer", "private": true}\n')
            done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *PACKAGES],
                                  cwd=folder, capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                missing(f"HL7 peer tests need npm install of {', '.join(PACKAGES)} (failed: {done.stderr.strip()[-300:]})")
            stamp.write_text("\n".join(PACKAGES))
    return folder / "node_modules"


def node_env(node_modules: Path) -> dict[str, str]:
    return {**os.environ, "NODE_PATH": str(node_modules)}


