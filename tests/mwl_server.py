"""dcmtk's ``wlmscpfs`` as the hospital's worklist provider in tests (a real counterpart nobody on the team
wrote): worklist files are made with ``dump2dcm`` from the templates in ``tests/data/mwl`` (@DAY@ and
@NEXT_DAY@ replaced), served under the called AE title ``WLPROV`` on a free port; cathlog calls it on
127.0.0.1. (wlmscpfs 3.6.7 has no option to listen on one interface only: it listens on all of them, for
the few seconds a test runs.) The fixture stops it in its teardown.

Missing dcmtk: ``tests.peers`` fails the test where counterparts are required, else skips it.
"""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from tests.peers import dcmtk_tools, free_port

TEMPLATES = Path(__file__).parent / "data" / "mwl"
CALLED_AE = "WLPROV"
START_TIMEOUT_S = 10.0


def make_worklist(folder: Path, day: date, dump2dcm: str, items: dict[str, str] | None = None) -> Path:
    """The worklist database folder: ``folder/WLPROV/*.wl`` from the templates (or from ``items``, dump2dcm
    texts by name, made at test time), plus wlmscpfs's lockfile."""
    target = folder / CALLED_AE
    target.mkdir(parents=True)
    (target / "lockfile").touch()
    if items is None:
        items = {t.stem: t.read_text(encoding="utf-8") for t in sorted(TEMPLATES.glob("*.dump"))}
    for name, text in items.items():
        text = text.replace("@NEXT_DAY@", (day + timedelta(days=1)).strftime("%Y%m%d"))
        text = text.replace("@DAY@", day.strftime("%Y%m%d"))
        dump = folder / f"{name}.dump"
        dump.write_text(text, encoding="latin-1" if "[ISO_IR 100]" in text else "utf-8")  # as the file declares
        subprocess.run([dump2dcm, "-q", "+te", str(dump), str(target / f"{name}.wl")], check=True, timeout=30)
    return folder


@dataclass
class WorklistServer:
    host: str
    port: int
    called_ae: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(folder: Path, day: date, items: dict[str, str] | None = None) -> WorklistServer:
    """wlmscpfs serving the templates, or only ``items`` (see :func:`make_worklist`), once it listens."""
    tools = dcmtk_tools("wlmscpfs", "dump2dcm")
    make_worklist(folder, day, tools["dump2dcm"], items)
    port = free_port()
    log = (folder / "wlmscpfs.log").open("w")
    # -s: one process (stops with it); -csk: answer in each file's own character set (UTF-8 here); -dhl: no
    # reverse DNS lookup of each caller (it can take seconds where no resolver answers)
    process = subprocess.Popen([tools["wlmscpfs"], "-s", "-csk", "-dhl", "-dfp", str(folder), str(port)],
                               stdout=log, stderr=subprocess.STDOUT)
    log.close()
    server = WorklistServer("127.0.0.1", port, CALLED_AE, process)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:  # ready when it accepts a connection
        if process.poll() is not None:
            raise RuntimeError(f"wlmscpfs ended at start: {(folder / 'wlmscpfs.log').read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"wlmscpfs did not listen on {port} within {START_TIMEOUT_S} s") from None
            time.sleep(0.02)


def configure(services, admin, server: WorklistServer) -> None:
    """The lab's settings pointing at ``server`` (as an admin would set them)."""
    services.settings.set(admin, "mwl.provider_ae", server.called_ae)
    services.settings.set(admin, "mwl.provider_host", server.host)
    services.settings.set(admin, "mwl.provider_port", str(server.port))
