"""Each addendum prints beside the one signature it superseded: a case signed, amended, signed
again and amended again shows the first addendum under the first signature only and the second
under the second (not both under the first); a several-line addendum keeps its lines."""

from cathlog.domain.followup import SignatureMeaning
from cathlog.reports import data
from tests.conftest import PASSWORD
from tests.helpers import open_case
from tests.reports.test_reports import REVIEW
from tests.reports.test_reports_chart import _pages, _summary


def _sign(services, physician, pid):
    services.review.sign(physician, pid, PASSWORD, SignatureMeaning.APPROVED)


def test_each_addendum_prints_beside_the_signature_it_superseded(services, nurse, physician, clock):
    pid = open_case(services, nurse).procedure_id
    services.cases.close_case(nurse, pid)
    services.review.save_review(physician, pid, REVIEW)
    _sign(services, physician, pid)
    clock.advance(minutes=30)
    services.review.addendum(physician, pid, "First: hematoma at the radial site.\nCompressed 20 min.", "ward")
    clock.advance(minutes=30)
    _sign(services, physician, pid)
    clock.advance(minutes=30)
    services.review.addendum(physician, pid, "Second: creatinine rose to 1.9 mg/dL.", "lab result")
    case = services.review.case_file(physician, pid)
    lines = data.build_summary(case.record, case.review, case.signatures, clock.now.date()).signatures
    assert len(lines) == 2 and all("SUPERSEDED" in line.text for line in lines)
    assert [len(line.addenda) for line in lines] == [1, 1]
    assert "First: hematoma" in lines[0].addenda[0] and "Second: creatinine" in lines[1].addenda[0]
    first = _pages(_summary(services, physician, pid))[0]
    one, two = first.index("Approved by Dr. Dora Doc"), first.rindex("Approved by Dr. Dora Doc")
    assert one < first.index("First: hematoma at the radial site. Compressed 20 min.") < two \
        < first.index("Second: creatinine rose to 1.9 mg/dL.")
    assert first.count("Second: creatinine") == 1 and first.count("First: hematoma") == 1
