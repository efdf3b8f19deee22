"""An entry acknowledged by the services survives the process being killed
at once (SIGKILL right after the save returns, as a crash or a pulled plug
of the program would). The full random-kill suite is issue 6's."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cathlog.services import Services
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD
from tests.helpers import open_case

CHILD = textwrap.dedent("""
    import os, signal, sys
    from argon2 import PasswordHasher, profiles
    from cathlog.services import Services
    from cathlog.store.db import Store
    services = Services(Store.open(sys.argv[1]), hasher=PasswordHasher.from_parameters(profiles.CHEAPEST))
    nurse = services.auth.sign_in("nurse", sys.argv[3])
    ev = services.cases.record_event(nurse, sys.argv[2], "act", {"act_s": 250 + int(sys.argv[4])})
    print(ev.event_id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_saved_entry_survives_sigkill(tmp_path):
    path = tmp_path / "kill.db"
    services = Services(Store.open(path), hasher=FAST_HASHER)
    admin = services.auth.create_first_admin("admin", "Admin", PASSWORD)
    from cathlog.domain.enums import Role

    services.auth.add_user(admin, "nurse", "Nurse", Role.NURSE, PASSWORD)
    nurse = services.auth.sign_in("nurse", PASSWORD)
    proc = open_case(services, nurse)
    services.store.close()
    acknowledged = []
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for i in range(8):
        result = subprocess.run([sys.executable, "-c", CHILD, str(path), proc.procedure_id, PASSWORD, str(i)],
                                capture_output=True, text=True, timeout=60, env=env)
        assert result.returncode == -signal.SIGKILL, result.stderr
        acknowledged.append(result.stdout.strip())
    store = Store.open(path)
    try:
        ids = {h.current.event_id for h in Services(store).cases.get_record(nurse, proc.procedure_id).events}
        assert set(acknowledged) <= ids
        assert store.integrity_check() == []
    finally:
        store.close()
