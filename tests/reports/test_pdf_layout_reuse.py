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
