"""The summary PDF's speed-ups change nothing on the page (issue 18 item 5): a paragraph's
remembered wrap gives the lines a fresh wrap gives, and ReportLab runs with its C accelerator."""

import pytest

from cathlog.reports import pdf


@pytest.mark.parametrize("widths", [(120.0, 120.0), (60.0, 300.0, 60.0), (300.0, 40.0, 300.0, 300.0)])
def test_a_remembered_wrap_is_the_fresh_wrap(widths):
    text = "Every entry in time order, Ñúñez-李 and 김치 included, wrapped in a narrow column of the appendix"
    kept = pdf._p(text, "cell")
    for width in widths:
        size = kept.wrap(width, 1000)
        fresh = pdf._p(text, "cell")
        assert size == fresh.wrap(width, 1000)
        assert [repr(x) for x in kept.blPara.lines] == [repr(x) for x in fresh.blPara.lines]  # every field
        assert len(kept.blPara.lines) >= 1
        assert kept.width == fresh.width and kept.height == fresh.height


def test_reportlab_uses_its_c_accelerator():
    """rl-accel (pinned) replaces ReportLab's pure-Python number formatting and string widths."""
    from reportlab.lib import rl_accel

    assert type(rl_accel.fp_str).__name__ == "builtin_function_or_method"
    assert rl_accel.fp_str(3.0, 0.1) == "3 .1"


def test_a_text_met_again_in_a_document_reuses_its_parse_and_lays_out_the_same():
    text = "RN Zoë 李 & <co>"
    with pdf._one_document():
        first, again, other = pdf._p(text, "cell"), pdf._p(text, "cell"), pdf._p(text, "cellb")
        assert again.frags is first.frags and other.frags is not first.frags  # per text and style
    alone = pdf._p(text, "cell")  # outside a document: parsed on its own
    assert alone.frags is not first.frags and alone.text == again.text == first.text
    for para in (first, again, alone):
        para.wrap(40, 1000)
    assert [repr(x) for x in again.blPara.lines] == [repr(x) for x in alone.blPara.lines]
    assert len(alone.blPara.lines) > 1  # wrapped, across fonts


def test_a_later_document_takes_the_lines_an_earlier_one_made_and_they_are_a_fresh_wrap():
    text = "Heparin 5000 IU i.v., RN Zoë 李 김치, a text every summary prints again"
    with pdf._one_document():
        first = pdf._p(text, "cell")
        first.wrap(90, 1000)
    with pdf._one_document():  # the next document: the same parse and the same lines, kept
        again = pdf._p(text, "cell")
        again.wrap(90, 1000)
        assert again.frags is first.frags and again.blPara is first.blPara
        other_width = pdf._p(text, "cell")
        other_width.wrap(200, 1000)
        assert other_width.blPara is not first.blPara
    fresh = pdf._p(text, "cell")  # outside a document: parsed and wrapped on its own
    assert fresh.wrap(90, 1000) == (again.width, again.height)
    assert [repr(x) for x in fresh.blPara.lines] == [repr(x) for x in again.blPara.lines]
    assert len(fresh.blPara.lines) > 1


def test_a_document_rendered_again_is_the_same_bytes(monkeypatch):
    """The second render takes every parse and layout from the first; with ReportLab's invariant
    mode (no dates, fixed ids) the two files are byte for byte the same."""
    from reportlab import rl_config

    from cathlog.reports.data import FollowupData, Header

    monkeypatch.setattr(rl_config, "invariant", 1)
    rows = tuple((f"2027-0{1 + i % 9}-01", f"Clinic visit {i} Ñúñez-李", "DAPT review [1]", "rule 7", "accepted")
                 for i in range(60))
    followup = FollowupData(Header("Ñúñez-李, 김 Zoë", "PCI 2026-12-03", preliminary=True), "Follow-up", rows,
                            "Reminders, not medical advice.", (("1", "A citation, 2025."),))
    first = pdf.render_followup(followup)
    pdf._KEPT.parsed.clear()
    pdf._KEPT.layouts.clear()
    alone = pdf.render_followup(followup)  # nothing kept
    again = pdf.render_followup(followup)  # everything kept from the one before
    assert first == alone == again
