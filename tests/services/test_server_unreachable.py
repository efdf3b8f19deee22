"""When the server cannot be reached mid-case (issue 17 item 5, the detection): a save says so at once,
by name ("cannot be reached ... what you typed is kept"), nothing half-saved; once the server is back the
same workstation's next save goes through without a restart."""

import pytest

from cathlog.domain.enums import EventKind, Role
from cathlog.domain.errors import DatabaseUnavailable
from cathlog.services import Services
from cathlog.store.db import Store
from tests.conftest import FAST_HASHER, PASSWORD
from tests.helpers import open_case


def _cut_off(pg_cluster, pg_db) -> int:
    """The server ends every session of this database (as a restart or a dropped link would)."""
    with pg_cluster.admin() as admin:
        return len(admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                                 "AND pid <> pg_backend_pid()", [pg_db.name]).fetchall())


def test_a_save_that_cannot_reach_the_server_says_so_and_the_next_one_goes_through(pg_cluster, pg_db, clock):
    services = Services(Store.open(pg_db.app_url), clock, hasher=FAST_HASHER)
    try:
        admin = services.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
        services.auth.add_user(admin, "nurse", "Nina Nurse", Role.NURSE, PASSWORD)
        nurse = services.auth.sign_in("nurse", PASSWORD, workstation="cath-lab-1")
        case = open_case(services, nurse).procedure_id
        assert _cut_off(pg_cluster, pg_db) == 1
        with pytest.raises(DatabaseUnavailable, match="cannot be reached.*typed is kept"):
            services.cases.record_event(nurse, case, EventKind.NOTE, {"text": "during the outage"})
        saved = services.cases.record_event(nurse, case, EventKind.NOTE, {"text": "server back"})
        texts = [h.versions[-1].data["text"] for h in services.cases.get_record(nurse, case).events]
        assert texts == ["server back"] and saved.version == 1
    finally:
        services.close()


def test_a_server_that_is_not_there_at_all_is_named_at_once(tmp_path):
    with pytest.raises(DatabaseUnavailable, match="cannot connect to the database server .*try again"):
        Store.open(f"postgresql://cathlog_app@/cathlog?host={tmp_path}&port=9")
