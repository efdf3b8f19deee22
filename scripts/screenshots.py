"""Take screenshots of cathlog's screens in both themes, for review and docs/.

Run under a real X server (Xvfb), e.g.:
    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python scripts/screenshots.py OUT_DIR
Builds a throwaway database with demo cases; never touches real data.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QTableWidgetItem  # noqa: E402
from cathlog.domain.enums import EventKind, Role  # noqa: E402
from cathlog.services import Services  # noqa: E402
from cathlog.store.db import Store  # noqa: E402
from cathlog.ui.sign_in import FirstRunDialog, SignInDialog  # noqa: E402
from cathlog.ui.main_window import MainWindow  # noqa: E402
from cathlog.ui.new_case import NewCaseDialog  # noqa: E402
from cathlog.ui.review import ReviewDialog  # noqa: E402
from cathlog.ui.theme import apply_theme  # noqa: E402


def _grab(widget, path: Path) -> None:
    widget.show()
    for _ in range(3):
        QApplication.processEvents()
    widget.grab().save(str(path))
    print(path)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        services = Services(Store.open(Path(tmp) / "demo.db"))
        apply_theme(app, "light")
        _grab(FirstRunDialog(services, "~/.local/share/cathlog/cathlog.db"), out / "first-run.png")
        admin = services.auth.create_first_admin("admin", "Ada Admin", "correct horse battery")
        services.demo.load(admin, 25, seed=21)
        services.auth.add_user(admin, "kwalsh", "RN Kate Walsh", Role.NURSE, "correct horse battery")
        nurse = services.auth.sign_in("kwalsh", "correct horse battery")
        for theme in ("light", "dim"):
            apply_theme(app, theme)
            window = MainWindow(services, nurse, "cathlog.db", settings=settings)
            window.case_view.selectRow(3)
            _grab(window, out / f"case-list-{theme}.png")
            open_case = next(c for c in window.case_model._rows if c.status == "open")
            window.open_case(open_case.procedure_id)
            window.live.new_entry(EventKind.ACT)
            window.live.form.inputs["act_s"].editor.setText("228")
            _grab(window, out / f"live-log-{theme}.png")
            window.live.form.cancel()
            window.close()
        apply_theme(app, "light")
        dialog = NewCaseDialog(services, nurse)
        dialog.resize(820, 900)
        _grab(dialog, out / "new-case.png")
        _grab(SignInDialog(services, "~/.local/share/cathlog/cathlog.db"), out / "sign-in.png")
        services.auth.add_user(admin, "ddoc", "Dr. Dora Doc", Role.PHYSICIAN, "correct horse battery")
        doc = services.auth.sign_in("ddoc", "correct horse battery")
        closed = next(c.procedure_id for c in services.cases.list_cases(doc, status="closed"))
        review = ReviewDialog(services, doc, closed)
        review.success.setCurrentIndex(review.success.findData(True))
        review.residual.setText("0")
        for i, row in enumerate((("aspirin", "81 mg once daily", "indefinitely", ""),
                                 ("clopidogrel", "75 mg once daily", "6 months", "6"))):
            review.plan.insertRow(i)
            for j, text in enumerate(row):
                review.plan.setItem(i, j, QTableWidgetItem(text))
        review.save_review()
        review.resize(1300, 900)
        _grab(review, out / "review.png")
        services.store.close()
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of the many top-level widgets made here


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
