"""Review and sign shows what is signed: the real summary PDF's pages beside the form,
made again when the review changes; signature times in the lab's zone; the dialog
fits a 1366x768 screen with the sign box in view."""

import io
import time

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from cathlog.reports.make import render
from cathlog.ui.review import ReviewDialog
from tests.conftest import PASSWORD
from tests.ui.test_review import _saved_review, _venous_case, answer_forms


def _pdf_text(pdf: bytes, page: int = 0) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[page].extract_text()


def _page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _wait_for_preview(qtbot, dialog):
    qtbot.waitUntil(lambda: dialog.preview.page_count > 0 and not dialog.preview.busy(), timeout=20000)


def _ink(image) -> int:
    """How many sampled pixels are not white (a blank page has none)."""
    return sum(1 for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
               if QColor(image.pixel(x, y)).lightness() < 200)


@pytest.fixture
def review(qtbot, services, admin, physician):
    pid = _venous_case(services, admin, physician)
    dialog = ReviewDialog(services, physician, pid)
    qtbot.addWidget(dialog)
    return dialog


def test_the_preview_shows_every_page_of_the_summary_pdf(qtbot, review, services, physician):
    _wait_for_preview(qtbot, review)
    preview = review.preview
    made = render(services.review.case_file(physician, review.procedure_id), "summary")  # as saved or printed
    assert preview.page_count == _page_count(made) == _page_count(preview.pdf) >= 2
    record = services.cases.get_record(physician, review.procedure_id)
    first = _pdf_text(preview.pdf)
    assert "Procedure summary" in first or record.patient.mrn in first
    assert record.patient.mrn in first and "PRELIMINARY" in first
    assert preview.page_label.text() == f"Page 1 of {preview.page_count}"
    shown = preview.image.pixmap()
    assert not shown.isNull() and _ink(shown.toImage()) > 20
    for page in range(preview.page_count):  # every page drawn, none blank
        if page not in preview.images:
            with qtbot.waitSignal(preview.page_shown, timeout=20000):
                preview.go(page)
        else:
            preview.go(page)
        assert preview.images[page].width() > 1000 and _ink(preview.images[page]) > 100
        assert preview.page_label.text() == f"Page {page + 1} of {preview.page_count}"


def test_page_buttons_and_zoom(qtbot, review):
    review.resize(1300, 700)
    review.show()
    qtbot.waitExposed(review)
    _wait_for_preview(qtbot, review)
    preview = review.preview
    assert not preview.previous.isEnabled() and preview.next.isEnabled()
    with qtbot.waitSignal(preview.page_shown, timeout=20000):
        qtbot.mouseClick(preview.next, Qt.MouseButton.LeftButton)
    assert preview.page == 1 and preview.page_label.text().startswith("Page 2 of") and not preview.busy()
    assert preview.image.pixmap().cacheKey() != 0 and preview.images[1] is not preview.images[0]
    preview.view.setFocus()
    qtbot.keyClick(preview.view, Qt.Key.Key_PageUp)
    assert preview.page == 0
    room = preview.view.viewport().width()
    fit = preview.image.pixmap().deviceIndependentSize()
    assert room - 40 <= fit.width() <= room  # fits the width of the pane
    assert preview.view.verticalScrollBar().maximum() > 0  # and scrolls down the page
    assert preview.view.horizontalScrollBar().maximum() == 0
    preview.zoom.setCurrentText(preview.WHOLE_PAGE)
    whole = preview.image.pixmap().deviceIndependentSize()
    assert whole.height() <= preview.view.viewport().height() and whole.width() < fit.width()
    assert preview.view.verticalScrollBar().maximum() == 0
    preview.zoom.setCurrentText("150 %")  # 144 dpi on a 96 dpi screen: the page image as drawn
    big = preview.image.pixmap().deviceIndependentSize()
    expected = preview.images[0].width() * 1.5 * preview.logicalDpiX() / 72 / 2
    assert abs(big.width() - expected) <= 2 and preview.view.horizontalScrollBar().maximum() > 0


def test_saving_the_outcome_makes_the_preview_again(qtbot, review):
    _wait_for_preview(qtbot, review)
    assert "Residual stenosis" not in _pdf_text(review.preview.pdf)
    with qtbot.waitSignal(review.preview.rendered, timeout=20000):
        _saved_review(qtbot, review)  # residual 10 %, rivaroxaban 6 months
    text = _pdf_text(review.preview.pdf)
    assert "Residual stenosis" in text and "10%" in text and "rivaroxaban" in text.lower()


def test_accepting_reminders_makes_the_preview_again(qtbot, review):
    _saved_review(qtbot, review)
    _wait_for_preview(qtbot, review)
    before = review.preview.pdf
    with qtbot.waitSignal(review.preview.rendered, timeout=20000):
        review.accept_all()
    assert review.preview.pdf != before


def test_the_signature_and_its_addendum_on_the_previewed_first_page(qtbot, review, monkeypatch):
    _saved_review(qtbot, review)
    review.accept_all()
    with qtbot.waitSignal(review.preview.rendered, timeout=20000):
        qtbot.keyClicks(review.password, PASSWORD)
        qtbot.keyClick(review.password, Qt.Key.Key_Return)
    assert "PRELIMINARY" not in _pdf_text(review.preview.pdf)
    answer_forms(monkeypatch, qtbot, {"text": "Groin haematoma at 6 h.\nCompressed 20 min, resolved.",
                                      "reason": "late finding"})
    with qtbot.waitSignal(review.preview.rendered, timeout=20000):
        review.addendum_button.click()
    first = " ".join(_pdf_text(review.preview.pdf).split())
    assert "SUPERSEDED by an addendum" in first
    assert first.index("Approved by") < first.index("Groin haematoma at 6 h.") \
        < first.index("Compressed 20 min, resolved.") < first.index("Access")


@pytest.fixture
def new_york(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_signature_times_are_in_the_labs_zone(qtbot, new_york, services, admin, physician, clock):
    pid = _venous_case(services, admin, physician)
    dialog = ReviewDialog(services, physician, pid)
    qtbot.addWidget(dialog)
    _saved_review(qtbot, dialog)
    dialog.accept_all()
    with qtbot.waitSignal(dialog.preview.rendered, timeout=20000):
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert clock.now.isoformat().startswith("2026-11-21T09:00")  # UTC
    assert "2026-11-21 04:00 EST" in dialog.signatures.text.text()
    assert "09:00" not in dialog.signatures.text.text()
    assert "2026-11-21 04:00 EST" in " ".join(_pdf_text(dialog.preview.pdf).split())


def test_the_dialog_fits_a_1366x768_screen_with_the_sign_box_in_view(qtbot, review):
    hint = review.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 730, hint
    review.resize(1366, 730)
    review.show()
    qtbot.waitExposed(review)
    assert review.height() <= 730
    for widget in (review.sign_button, review.password, review.save_button.window()):
        bottom = widget.mapTo(review, QPoint(0, widget.height())).y()
        assert bottom <= review.height(), widget
    assert not review.sign_button.visibleRegion().isEmpty()
    assert review.form_scroll.horizontalScrollBar().maximum() == 0  # the form never scrolls sideways
