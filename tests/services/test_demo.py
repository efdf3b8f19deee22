"""Demo cases cover every category and the named case types, validly."""

import pytest

from cathlog.services.demo import TEMPLATES
from cathlog.domain.enums import EventKind
from cathlog.store import audit

pytestmark = pytest.mark.backends


def test_demo_cases_of_every_kind(services, admin):
    ids = services.demo.load(admin, len(TEMPLATES), seed=11)
    records = [services.cases.get_record(admin, pid) for pid in ids]
    details = {r.procedure.indication_detail for r in records}
    assert details == {"Coronary DES", "Rotational atherectomy", "CTO PCI", "Below-knee DCB",
                       "DVT venous stent + IVC filter"}
    by = {r.procedure.indication_detail: r for r in records}
    bk = by["Below-knee DCB"]
    assert any(a.data["site"] == "pedal_tibial" for a in bk.current_events(EventKind.ACCESS))
    assert any(d.data["device_type"] == "dcb" for d in bk.current_events(EventKind.DEVICE))
    venous = by["DVT venous stent + IVC filter"]
    types = {d.data["device_type"] for d in venous.current_events(EventKind.DEVICE)}
    assert {"venous_stent", "ivc_filter_retrievable"} <= types
    rota = by["Rotational atherectomy"]
    assert len(rota.current_events(EventKind.ATHERECTOMY)) == 3
    cto = by["CTO PCI"]
    assert any(les.data.get("is_cto") for les in cto.current_events(EventKind.LESION))
    assert all(len(r.events) >= 10 for r in records)
    assert audit.verify_chain(services.store).ok


def test_demo_is_reproducible_with_a_seed(services, admin):
    a = services.demo.load(admin, 3, seed=5)
    first = [services.cases.get_record(admin, p).patient.family_name for p in a]
    assert len(first) == 3
