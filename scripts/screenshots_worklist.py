"""Screenshots of the follow-up worklist (issue 12 item 10) and a page of its printed list.

    xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python scripts/screenshots_worklist.py docs/screenshots
    xvfb-run -a -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python scripts/screenshots_worklist.py docs/screenshots --suffix=-1920

Demo cases dated about ten weeks back (so filter windows and DAPT reviews are overdue), some
reviewed by a physician with their reminders accepted and one marked done, the others closed
and unreviewed (their IVC filter windows listed as "not yet reviewed"). Throwaway database.
With --pdf=PATH the printed list (the same filters) is written there too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cathlog.domain.enums import ProcedureStatus, Role  # noqa: E402
from cathlog.domain.followup import DurationUnit, PlanDrug, Review  # noqa: E402
from cathlog.domain.worklist import WorklistQuery, WorkState  # noqa: E402
from cathlog.services import Services  # noqa: E402
from cathlog.store.db import Store  # noqa: E402
from cathlog.ui.main_window import MainWindow  # noqa: E402
from cathlog.ui.theme import apply_theme  # noqa: E402
from scripts.screenshots import _grab  # noqa: E402

PASSWORD = "correct horse battery"
PLAN = Review(technical_success=True, residual_stenosis_pct=0, final_timi=3,
              plan=(PlanDrug.planned("aspirin", "81 mg once daily", None, DurationUnit.INDEFINITE),
                    PlanDrug.planned("clopidogrel", "75 mg once daily", 1, DurationUnit.MONTHS)))


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=70)

    def __call__(self) -> datetime:
        return self.now


def main(out: Path, suffix: str, pdf: Path | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    wm = None
    if os.environ.get("QT_QPA_PLATFORM") == "xcb" and shutil.which("openbox"):
        wm = subprocess.Popen(["openbox"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        services = Services(Store.open(Path(tmp) / "demo.db"), clock)
        admin = services.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
        services.settings.set(admin, "lab_name", "St. Elsewhere Cath Lab")
        ids = services.demo.load(admin, 25, seed=21)
        services.auth.add_user(admin, "ddoc", "Dr. Dora Doc", Role.PHYSICIAN, PASSWORD)
        doc = services.auth.sign_in("ddoc", PASSWORD)
        for n, pid in enumerate(ids):
            status = services.cases.get_record(doc, pid).procedure.status
            if status is ProcedureStatus.OPEN:
                services.cases.close_case(doc, pid, reason="demo")
            if n % 3 and status is not ProcedureStatus.SIGNED:
                services.review.save_review(doc, pid, PLAN)
                for s in services.review.suggestions(doc, pid):
                    services.review.decide(doc, pid, s, accept=True)
        clock.now = datetime.now(timezone.utc)
        first = next(i for i in services.followup.page(doc, WorklistQuery()).items if not i.pending)
        services.followup.mark(doc, first.item_key, WorkState.DONE, "seen in clinic")
        for theme in ("light", "dim"):
            apply_theme(app, theme)
            window = MainWindow(services, doc, "cathlog.db", settings=settings)
            window.show()
            window.show_worklist()
            worklist = window.worklist
            worklist.view.selectRow(0)
            _grab(worklist, out / f"worklist-{theme}{suffix}.png")
            if pdf is not None and theme == "light":
                from cathlog.reports.worklist import write_worklist_pdf

                write_worklist_pdf(services, doc, worklist.query(), pdf, printed="(screenshot)",
                                   today=date.today().isoformat())
                print(pdf)
            worklist.close()
            window.hide()
        services.store.close()
    sys.stdout.flush()
    if wm is not None:
        wm.terminate()
    os._exit(0)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    suffix = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--suffix=")), "")
    pdf = next((Path(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--pdf=")), None)
    main(Path(args[0] if args else "screenshots"), suffix, pdf)
