"""The timeline model grows by inserted rows and changes row by row: a saved
entry is a rowsInserted, a correction or a void a dataChanged of its row, and
the whole model resets only when another case is shown."""

from cathlog.domain.describe import KIND_TITLES, kind_title
from cathlog.domain.enums import EventKind
from cathlog.ui.live_log import LiveLogPage
from cathlog.ui.models import EventTableModel
from tests.helpers import open_case


class Signals:
    """Counts what a model tells its views."""

    def __init__(self, model):
        self.inserted, self.changed, self.resets = [], [], 0
        model.rowsInserted.connect(lambda _parent, first, last: self.inserted.append((first, last)))
        model.dataChanged.connect(lambda top, bottom, *_: self.changed.append((top.row(), bottom.row())))
        model.modelReset.connect(self._reset)

    def _reset(self):
        self.resets += 1


def _events(services, actor, procedure_id):
    return services.cases.get_record(actor, procedure_id).events


def test_recording_an_entry_inserts_a_row_in_the_live_log(qtbot, qtmodeltester, services, nurse):
    from cathlog.catalog import load_catalog

    proc = open_case(services, nurse)
    services.cases.record_event(nurse, proc.procedure_id, "note", {"text": "patient on the table"})
    live = LiveLogPage(services, nurse, load_catalog())
    qtbot.addWidget(live)
    live.show_case(proc.procedure_id)
    qtmodeltester.check(live.model)
    seen = Signals(live.model)
    live.new_entry(EventKind.ACT)
    live.form.inputs["act_s"].editor.setText("265")
    with qtbot.waitSignal(live.model.rowsInserted, timeout=3000):
        live.form.submit()
    assert seen.inserted == [(1, 1)] and seen.resets == 0
    assert live.model.rowCount() == 2 and live.model.row_object(1).current.data["act_s"] == 265
    assert live.model.data(live.model.index(1, 1)) == "ACT"
    qtmodeltester.check(live.model)


def test_correction_and_void_change_their_row_only(qtbot, qtmodeltester, services, nurse):
    proc = open_case(services, nurse)
    first = services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 240})
    services.cases.record_event(nurse, proc.procedure_id, "note", {"text": "sheath in"})
    model = EventTableModel()
    model.set_rows(_events(services, nurse, proc.procedure_id))
    qtmodeltester.check(model)
    seen = Signals(model)
    services.cases.correct_event(nurse, first.event_id, {"act_s": 250}, reason="typo")
    model.set_rows(_events(services, nurse, proc.procedure_id))
    assert seen.changed == [(0, 0)] and seen.inserted == [] and seen.resets == 0
    assert "corrected, version 2" in model.data(model.index(0, 2))
    services.cases.void_event(nurse, first.event_id, reason="wrong patient")
    model.set_rows(_events(services, nurse, proc.procedure_id))
    assert seen.changed == [(0, 0), (0, 0)] and seen.resets == 0
    assert model.data(model.index(0, 2)).startswith("VOID:")
    qtmodeltester.check(model)


def test_another_case_resets_the_model(qtbot, services, nurse):
    one, two = open_case(services, nurse, "A1"), open_case(services, nurse, "A2")
    services.cases.record_event(nurse, one.procedure_id, "note", {"text": "one"})
    services.cases.record_event(nurse, two.procedure_id, "note", {"text": "two"})
    model = EventTableModel()
    model.set_rows(_events(services, nurse, one.procedure_id))
    seen = Signals(model)
    model.set_rows(_events(services, nurse, two.procedure_id))
    assert seen.resets == 1 and seen.inserted == []
    assert model.data(model.index(0, 2)) == "two"


def test_every_entry_kind_has_one_title():
    assert set(KIND_TITLES) == set(EventKind)
    assert kind_title("medication") == "Drug" and kind_title(EventKind.ACT) == "ACT"


def test_a_row_that_names_a_corrected_entry_is_written_again(qtbot, services, nurse):
    """Row texts are kept between updates (issue 18 item 2), but not past a change of what they name."""
    pid = open_case(services, nurse).procedure_id
    balloon = services.cases.record_event(nurse, pid, "device", {"device_type": "balloon", "state": "used",
                                                                 "manufacturer": "Boston Scientific", "model": "Emerge"})
    services.cases.record_event(nurse, pid, "inflation", {"device_event_id": balloon.event_id, "pressure_atm": 8,
                                                          "duration_s": 30})
    model = EventTableModel()
    model.set_rows(_events(services, nurse, pid), 80.0)
    inflation_row = model.rowCount() - 1
    assert "Emerge" in model.data(model.index(inflation_row, 2))
    services.cases.correct_event(nurse, balloon.event_id, {"device_type": "balloon", "state": "used",
                                                           "manufacturer": "Boston Scientific",
                                                           "model": "NC Emerge"}, "wrong model")
    model.set_rows(_events(services, nurse, pid), 80.0)
    assert "NC Emerge" in model.data(model.index(inflation_row, 2))


def test_a_new_weight_writes_the_dose_per_kg_again(qtbot, services, nurse):
    pid = open_case(services, nurse).procedure_id
    services.cases.record_event(nurse, pid, "medication", {"drug": "heparin", "dose": 4000.0, "dose_unit": "units",
                                                           "route": "iv"})
    model = EventTableModel()
    model.set_rows(_events(services, nurse, pid), 80.0)
    assert "(50 units/kg)" in model.data(model.index(0, 2))
    model.set_rows(_events(services, nurse, pid), 100.0)
    assert "(40 units/kg)" in model.data(model.index(0, 2))


def test_a_save_shows_what_another_workstation_stored_meanwhile(qtbot, services, nurse, clock, tmp_path):
    """The saved entry goes into the shown case in memory only when nothing else was stored meanwhile."""
    from cathlog.catalog import load_catalog
    from cathlog.services import Services
    from cathlog.store.db import Store
    from tests.conftest import FAST_HASHER, PASSWORD

    proc = open_case(services, nurse)
    live = LiveLogPage(services, nurse, load_catalog())
    qtbot.addWidget(live)
    live.show_case(proc.procedure_id)
    live.new_entry(EventKind.ACT)
    live.form.inputs["act_s"].editor.setText("265")
    live.form.submit()
    assert live.model.rowCount() == 1 and live.record is not None and live.record.version_count == 1
    other = Services(Store.open(tmp_path / "cathlog.db"), clock, hasher=FAST_HASHER)
    nurse_b = other.auth.sign_in("nurse", PASSWORD, workstation="lab-3")
    other.cases.record_event(nurse_b, proc.procedure_id, "note", {"text": "from the other workstation"})
    other.store.close()
    live.new_entry(EventKind.ACT)
    live.form.inputs["act_s"].editor.setText("270")
    live.form.submit()
    kinds = [live.model.data(live.model.index(i, 1)) for i in range(live.model.rowCount())]
    assert kinds.count("ACT") == 2 and "Note" in kinds and live.record.version_count == 3


def test_a_record_takes_a_new_version_in_the_order_the_store_reads_it(services, nurse):
    proc = open_case(services, nurse)
    pid = proc.procedure_id
    first = services.cases.record_event(nurse, pid, "act", {"act_s": 240})
    services.cases.record_event(nurse, pid, "note", {"text": "sheath in"})
    shown = services.cases.get_record(nurse, pid)
    late = services.cases.record_event(nurse, pid, "note", {"text": "back-dated"}, occurred_at=first.occurred_at)
    fixed = services.cases.correct_event(nurse, first.event_id, {"act_s": 250}, reason="typo")
    merged = shown.with_entry_version(late).with_entry_version(fixed)
    assert merged.events == services.cases.get_record(nurse, pid).events


def test_shown_times_follow_a_change_of_zone(monkeypatch):
    """Times are remembered once formatted (every save shows the case's times again), per zone:
    a computer moved to another zone shows the new local time, not the remembered one."""
    import time

    from cathlog.ui.models import local_time

    try:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
        assert local_time("2026-07-01T12:00:00Z", "%H:%M") == "12:00"
        monkeypatch.setenv("TZ", "America/New_York")
        time.tzset()
        assert local_time("2026-07-01T12:00:00Z", "%H:%M") == "08:00"
    finally:
        monkeypatch.undo()
        time.tzset()
