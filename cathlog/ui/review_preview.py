"""The summary as it will print, inside the review dialog (issue 12 item 11).

The real summary PDF is made (``cathlog.reports.make.render``, the same code that
writes and prints it) and its pages are rasterised with PDFium (pypdfium2), both
on one worker thread so the dialog never waits on them; a newer request makes an
older result stale and it is dropped. Nothing is written to disk and nothing
leaves the program, so no report audit row is made (opening the review is logged
as a view). Pages are shown one at a time, fitted to the width of the pane or as
a whole page, with page buttons and PgUp / PgDn.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.followup import CaseFile
from cathlog.ui.combo import Combo

RENDER_SCALE = 2.0  # pixels per PDF point: 144 dpi, an A4 page 1191 px wide (sharp at fit-width on 1920 px)
RENDER_LOCK = threading.Lock()  # ReportLab and PDFium are used by one thread at a time (the dialog's PDFs too)


def summary_pdf(case: CaseFile) -> bytes:
    """The summary PDF of ``case``, by the code that saves and prints it (any thread)."""
    from cathlog.reports.make import render  # ReportLab loads when the first PDF is made

    with RENDER_LOCK:
        return render(case, "summary")


def page_image(pdf: bytes, index: int, scale: float = RENDER_SCALE) -> tuple[int, int, QImage]:
    """Page ``index`` of ``pdf`` (clamped to its pages) as an image: (page count, index, image). Any thread."""
    import pypdfium2  # type: ignore[import-untyped]  # PDFium: loads with the first preview

    with RENDER_LOCK:
        document = pypdfium2.PdfDocument(pdf)
        try:
            count = len(document)
            index = max(0, min(index, count - 1))
            page = document[index]
            bitmap = page.render(scale=scale, rev_byteorder=True)  # RGB on white
            try:
                fmt = QImage.Format.Format_RGB888 if bitmap.n_channels == 3 else QImage.Format.Format_RGBX8888
                image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride,
                               fmt).copy()  # copy: the image owns its pixels
            finally:
                bitmap.close()
                page.close()
        finally:
            document.close()
    return count, index, image


@dataclass(frozen=True)
class Rendered:
    generation: int
    pdf: bytes
    count: int = 0
    index: int = 0
    image: QImage | None = None
    error: str = ""
    new_pdf: bool = True  # False: one more page of the PDF already shown


class _Relay(QObject):
    """Carries a worker's result to the GUI thread (a queued signal)."""

    done = Signal(object)


class _Job(QRunnable):
    """Make the summary of ``case`` and draw page ``index`` of it; or, with ``pdf``, draw only that page."""

    def __init__(self, preview: SummaryPreview, generation: int, index: int, case: CaseFile | None = None,
                 pdf: bytes = b""):
        super().__init__()
        self.relay, self.generation, self.index, self.case, self.pdf = preview._relay, generation, index, case, pdf
        self.latest = preview._latest_generation

    def run(self) -> None:
        if self.latest() != self.generation:
            return  # a newer summary is queued: skip this one
        try:
            pdf = self.pdf if self.case is None else summary_pdf(self.case)
            count, index, image = page_image(pdf, self.index)
            result = Rendered(self.generation, pdf, count, index, image, new_pdf=self.case is not None)
        except Exception as exc:  # noqa: BLE001 - shown in the pane, never lost in a thread
            result = Rendered(self.generation, b"", error=f"{type(exc).__name__}: {exc}")
        try:
            self.relay.done.emit(result)
        except RuntimeError:  # the dialog was closed while this page was drawn
            pass


class SummaryPreview(QGroupBox):
    """The summary's pages; :meth:`show_case` asks for a new rendering (off the GUI thread)."""

    rendered = Signal(int)  # number of pages, once a new summary's page is on screen
    page_shown = Signal(int)  # the index of a page drawn on request (page buttons)
    failed = Signal(str)
    KEEP_PAGES = 6  # page images kept for going back and forth; others are drawn again when asked for

    FIT_WIDTH, WHOLE_PAGE = "fit width", "whole page"
    SIZES = {"100 %": 1.0, "150 %": 1.5, "200 %": 2.0}  # of the printed size, at the screen's logical dpi

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Summary as it will print (from what is saved)", parent)
        self.setObjectName("summary_preview")
        self.images: dict[int, QImage] = {}  # page index -> image, of the PDF shown
        self.page_count = 0
        self.pdf = b""
        self.page = 0
        self._generation = 0
        self._pool = QThreadPool(self)  # its own single thread: renderings run in order, one at a time
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.done.connect(self._show_result)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        self.bar = bar = QHBoxLayout()  # the dialog adds its PDF buttons at the end
        self.previous = QPushButton("◀")
        self.previous.setAccessibleName("previous page")
        self.previous.setToolTip("Previous page (PgUp)")
        self.previous.clicked.connect(lambda: self.go(self.page - 1))
        self.page_label = QLabel("")
        self.page_label.setAccessibleName("page number")
        self.next = QPushButton("▶")
        self.next.setAccessibleName("next page")
        self.next.setToolTip("Next page (PgDn)")
        self.next.clicked.connect(lambda: self.go(self.page + 1))
        self.zoom = Combo()
        self.zoom.setAccessibleName("zoom")
        self.zoom.addItems([self.FIT_WIDTH, self.WHOLE_PAGE, *self.SIZES])
        self.zoom.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no change under a passing mouse wheel
        self.zoom.currentIndexChanged.connect(lambda _i: self._place())
        for w in (self.previous, self.page_label, self.next):
            bar.addWidget(w)
        bar.addWidget(self.zoom)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.status = QLabel("Making the summary…")
        self.status.setObjectName("FormMessages")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("preview status")
        layout.addWidget(self.status)
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.image.setAccessibleName("summary page")
        self.view = QScrollArea()
        self.view.setWidgetResizable(False)  # the page is as large as the zoom makes it; the view scrolls
        self.view.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.view.setWidget(self.image)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.view.setMinimumSize(260, 200)
        layout.addWidget(self.view, 1)
        for key, step in ((QKeySequence.StandardKey.MoveToPreviousPage, -1),
                          (QKeySequence.StandardKey.MoveToNextPage, 1)):
            QShortcut(key, self, lambda step=step: self.go(self.page + step),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._buttons()

    # --- rendering ---------------------------------------------------------------

    def _latest_generation(self) -> int:
        return self._generation

    def show_case(self, case: CaseFile) -> None:
        """Make ``case``'s summary and draw its current page on the worker thread; shown when done."""
        self._generation += 1
        self._working("Updating the summary…" if self.page_count else "Making the summary…")
        self._pool.start(_Job(self, self._generation, self.page, case=case))

    def busy(self) -> bool:
        return not self.status.isHidden() and not self.status.property("error")

    def _working(self, text: str) -> None:
        self.status.setProperty("error", False)
        self.status.setText(text)
        self.status.show()
        self._repolish()

    def _show_result(self, result: Rendered) -> None:
        if result.generation != self._generation:
            return  # stale: a newer summary follows
        if result.error or result.image is None:
            self.status.setProperty("error", True)
            self.status.setText(f"✖ The summary could not be shown: {result.error}")
            self.status.show()
            self._repolish()
            self.failed.emit(result.error)
            return
        if result.new_pdf:
            self.pdf, self.page_count, self.images = result.pdf, result.count, {}
            if not 0 <= self.page < result.count:
                self.page = result.index
        elif result.pdf is not self.pdf:
            return  # a page of the summary shown before this one
        self.images[result.index] = result.image
        for index in sorted(self.images, key=lambda i: -abs(i - self.page))[:max(0, len(self.images)
                                                                                 - self.KEEP_PAGES)]:
            del self.images[index]  # the pages farthest from the one shown
        self._buttons()
        if self.page not in self.images:  # the reader went to another page while this one was drawn
            self._pool.start(_Job(self, self._generation, self.page, pdf=self.pdf))
        elif result.index == self.page:
            self.status.hide()
            self._place()
            if not result.new_pdf:
                self.view.verticalScrollBar().setValue(0)
        if result.new_pdf:
            self.rendered.emit(self.page_count)
        else:
            self.page_shown.emit(result.index)

    def stop(self) -> None:
        """Drop pending renderings and wait for the running one (the dialog is closing)."""
        self._generation += 1
        self._pool.clear()
        self._pool.waitForDone()

    # --- showing -----------------------------------------------------------------

    def go(self, page: int) -> None:
        if not 0 <= page < self.page_count:
            return
        self.page = page
        self._buttons()
        if page in self.images:
            self._place()
            self.view.verticalScrollBar().setValue(0)
            return
        self._working(f"Drawing page {page + 1}…")
        self._pool.start(_Job(self, self._generation, page, pdf=self.pdf))

    def _buttons(self) -> None:
        count = self.page_count
        self.page_label.setText(f"Page {self.page + 1} of {count}" if count else "")
        self.previous.setEnabled(self.page > 0)
        self.next.setEnabled(self.page < count - 1)

    def _place(self) -> None:
        image = self.images.get(self.page)
        if image is None:
            return
        ratio = self.devicePixelRatioF()
        room = self.view.viewport().size()
        bar = self.view.verticalScrollBar().sizeHint().width()
        zoom = self.zoom.currentText()
        if zoom == self.FIT_WIDTH:  # leave room for the vertical scroll bar it will need
            size = image.size().scaled(int(max(50, room.width() - bar) * ratio), 10**6,
                                       Qt.AspectRatioMode.KeepAspectRatio)
        elif zoom == self.WHOLE_PAGE:
            size = image.size().scaled(int(max(50, room.width()) * ratio), int(max(50, room.height()) * ratio),
                                       Qt.AspectRatioMode.KeepAspectRatio)
        else:  # the image is RENDER_SCALE pixels per point; a point is 1/72 inch
            factor = self.SIZES[zoom] * self.logicalDpiX() / 72 / RENDER_SCALE * ratio
            size = image.size() * factor
        pixmap = QPixmap.fromImage(image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                                Qt.TransformationMode.SmoothTransformation))
        pixmap.setDevicePixelRatio(ratio)
        self.image.setPixmap(pixmap)
        self.image.resize(pixmap.deviceIndependentSize().toSize())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._place()

    def _repolish(self) -> None:
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
