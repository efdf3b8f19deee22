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
