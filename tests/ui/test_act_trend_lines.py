"""The ACT panel's trend re-judges only readings it has not seen under the same basis (issue 18 item 2):
its lines are always those of every reading judged afresh (act_trend_lines)."""

from __future__ import annotations

from datetime import timedelta

from cathlog.ui import panels
from cathlog.ui.panels import TrendLines, act_trend_lines
from tests.helpers import open_case

HEPARIN = {"drug": "heparin", "dose": 5000.0, "dose_unit": "units", "route": "iv"}
EPTIFIBATIDE = {"drug": "eptifibatide", "dose": 15.0, "dose_unit": "mg", "route": "iv"}


def test_the_trend_judges_only_new_readings_and_shows_what_judging_all_shows(services, nurse, clock, monkeypatch):
    pid = open_case(services, nurse).procedure_id
    cases = services.cases
    judged = []
    judge = panels.judge_act
    monkeypatch.setattr(panels, "judge_act", lambda ev, basis: judged.append(ev.event_id) or judge(ev, basis))
    trend = TrendLines()

    def lines() -> list[str]:
        judged.clear()
        record = cases.get_record(nurse, pid)
        shown = trend(record)
        assert shown == act_trend_lines(record)
        return shown

    acts = []
    for act_s in (230, 260, 280):
        clock.advance(minutes=10)
        acts.append(cases.record_event(nurse, pid, "act", {"act_s": act_s}))
    assert len(lines()) == 3 and len(judged) == 3
    clock.advance(minutes=2)
    cases.record_event(nurse, pid, "medication", HEPARIN, confirm=True)
    assert len(lines()) == 3 and judged == []  # heparin changes no reading's band
    late = cases.record_event(nurse, pid, "act", {"act_s": 190}, occurred_at=clock() - timedelta(minutes=17))
    shown = lines()
    assert judged == [late.event_id] and shown[1].split()[1] == "190"  # back-dated: between the first two
    cases.correct_event(nurse, acts[2].event_id, {"act_s": 310}, "misread")
    assert len(lines()) == 4 and judged == [acts[2].event_id]  # the new version only
    # a GP IIb/IIIa inhibitor charted late, given before the last two: their bands change, all are judged again
    cases.record_event(nurse, pid, "medication", EPTIFIBATIDE, confirm=True, occurred_at=clock() - timedelta(minutes=15))
    assert len(lines()) == 4 and len(judged) == 4
    cases.void_event(nurse, acts[0].event_id, "wrong patient's sample", expected_version=1)
    assert len(lines()) == 3 and judged == []
