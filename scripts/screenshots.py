"""Take screenshots of cathlog's screens, for review and docs/screenshots.

Run under a real X server (Xvfb) with a small window manager, once per screen size:
    xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python scripts/screenshots.py docs/screenshots
    xvfb-run -a -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python scripts/screenshots.py docs/screenshots --suffix=-1920
Under xcb the whole screen is grabbed (window decorations, dialogs over the main
window, anything off-screen is cut as a user would see it); openbox is started
if it is installed and no window manager runs. Under QT_QPA_PLATFORM=offscreen
each window is grabbed on its own instead.

Builds a throwaway database with demo cases plus one staged case (allergy
banner, drug totals, an ACT trend with one ACT below target, a stent on the
timeline, a voided entry); never touches real data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from cathlog.domain.enums import Role, TeamRole  # noqa: E402
from cathlog.domain.followup import DurationUnit, PlanDrug  # noqa: E402
from cathlog.domain.records import Patient, TeamMember  # noqa: E402
from cathlog.services import Services  # noqa: E402
from cathlog.store.db import Store  # noqa: E402
from cathlog.ui.sign_in import FirstRunDialog, SignInDialog  # noqa: E402
from cathlog.ui.main_window import MainWindow  # noqa: E402
from cathlog.ui.new_case import NewCaseDialog  # noqa: E402
from cathlog.ui.review import ReviewDialog  # noqa: E402
from cathlog.ui.theme import apply_theme  # noqa: E402

AMBIGUOUS_SCAN = "01006141419999961727063010AB211721XY9"  # GTIN, expiry, lot and serial run together
PASSWORD = "correct horse battery"


class MovableClock:
    """The services' clock: the staged case's entries are spread over an hour."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=75)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)


def _settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def _wait(ms: int) -> None:
    # a local loop: QApplication.quit() would make every later dialog's exec() return at once
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _save(widget: QWidget, path: Path) -> None:
    """The window as it lies on the screen under a real X server, else the widget itself."""
    _settle()
    app = QApplication.instance()
    if app.platformName() == "xcb":
        # crop to the window (with its dialog's parent window): what lies off-screen stays cut off
        frame = widget.frameGeometry()
        parent = widget.parentWidget()
        if parent is not None and parent.window().isVisible():
            frame = frame.united(parent.window().frameGeometry())
        screen = app.primaryScreen()
        screen.grabWindow(0).copy(frame.intersected(screen.geometry())).save(str(path))
    else:
        widget.grab().save(str(path))
    _compact(path)
    print(path)


def _compact(path: Path) -> None:
    """A 256-colour palette keeps docs/screenshots small; skipped without Pillow."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def _grab(widget: QWidget, path: Path) -> None:
    widget.show()
    widget.raise_()
    widget.activateWindow()
    _settle()
    _wait(400)  # let the window manager map and place it
    _save(widget, path)


def _grab_modal(path: Path, run) -> None:
    """Run ``run`` (which opens a modal dialog with exec()); grab it, then reject it."""
    def shoot() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(100, shoot)
            return
        _save(dialog, path)
        dialog.reject()
    QTimer.singleShot(600, shoot)
    run()


def _staged_case(services: Services, clock: MovableClock, nurse) -> str:
    """A coronary case with everything the changed live log shows."""
    patient = Patient(mrn="SHOT-11", family_name="Okafor", given_name="Grace", birth_date="1951-07-14",
                      sex="female", weight_kg=72.0, height_cm=163.0, creatinine_mg_dl=1.3, egfr_ml_min=44.0,
                      allergies="iodinated contrast (hives 2019); penicillin (rash); latex", anticoagulation="none")
    team = [TeamMember("Dr. A. Patel", TeamRole.PRIMARY_OPERATOR), TeamMember("RN K. Walsh", TeamRole.NURSE)]
    details = {"category": "coronary", "planned": ["stenting"], "indication": "sihd", "urgency": "elective",
               "room": "Cath Lab 2"}
    pid = services.cases.start_case(nurse, patient, details, team=team).procedure_id
    log = services.cases.record_event

    def step(minutes: int, kind: str, data: dict, **kw):
        clock.advance(minutes)
        return log(nurse, pid, kind, data, confirm=True, **kw)

    step(2, "access", {"site": "radial", "side": "right", "vessel_type": "artery", "sheath_fr": 6.0})
    heparin = {"drug": "heparin", "dose_unit": "units", "route": "iv"}
    step(3, "medication", {**heparin, "dose": 5000.0})
    step(1, "medication", {"drug": "nitroglycerin", "dose": 200.0, "dose_unit": "mcg", "route": "ia"})
    step(10, "act", {"act_s": 228, "act_device": "hemotec", "cartridge": "HR-ACT"})
    wrong = step(2, "medication", {**heparin, "dose": 3000.0})
    step(1, "medication", {**heparin, "dose": 2000.0})
    services.cases.void_event(nurse, wrong.event_id, "logged twice: the 2000 units bolus is the one given")
    step(15, "act", {"act_s": 276, "act_device": "hemotec", "cartridge": "HR-ACT"})
    step(4, "contrast", {"agent": "iodixanol", "concentration_mgi_ml": 320, "volume_ml": 95.0})
    step(6, "device", {"device_type": "des", "state": "implanted", "manufacturer": "Medtronic",
                       "model": "Resolute Onyx", "diameter_mm": 3.0, "length_mm": 22.0, "gtin": "00643169007222",
                       "lot": "0012345678", "serial": "RO-22-4471", "expiry_date": "2028-03-31",
                       "udi": "(01)00643169007222(17)280331(10)0012345678(21)RO-22-4471"})
    step(1, "medication", {"drug": "nitroglycerin", "dose": 100.0, "dose_unit": "mcg", "route": "ia"})
    step(12, "act", {"act_s": 301, "act_device": "hemotec", "cartridge": "HR-ACT"})
    step(2, "radiation", {"fluoro_time_s": 642, "air_kerma_mgy": 540.0})
    step(1, "note", {"text": "LAD stented, 0 % residual, TIMI 3; radial band applied at 14 ml, "
                             "distal pulse present, patient comfortable, family informed"})
    clock.advance(3)
    return pid


def main(out: Path, suffix: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    wm = None
    if os.environ.get("QT_QPA_PLATFORM") == "xcb" and shutil.which("openbox"):
        wm = subprocess.Popen(["openbox"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    clock = MovableClock()
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        services = Services(Store.open(Path(tmp) / "demo.db"), clock)
        apply_theme(app, "light")
        if not suffix:
            first = FirstRunDialog(services, "~/.local/share/cathlog/cathlog.db")
            _grab(first, out / "first-run.png")
            first.close()
        admin = services.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
        services.demo.load(admin, 25, seed=21)
        services.auth.add_user(admin, "kwalsh", "RN Kate Walsh", Role.NURSE, PASSWORD)
        nurse = services.auth.sign_in("kwalsh", PASSWORD)
        staged = _staged_case(services, clock, nurse)
        for theme in ("light", "dim"):
            apply_theme(app, theme)
            window = MainWindow(services, nurse, "cathlog.db", settings=settings)
            window.cases.case_view.selectRow(0)
            _grab(window, out / f"case-list-{theme}{suffix}.png")
            window.open_case(staged)
            void_row = next(i for i in range(window.live.model.rowCount())
                            if window.live.model.row_object(i).current.voided)
            window.live.timeline.selectRow(void_row)
            _grab(window, out / f"live-log-{theme}{suffix}.png")
            _grab_modal(out / f"close-checklist-{theme}{suffix}.png", window.live.close_case)
            window.live.scan.setText(AMBIGUOUS_SCAN)
            _grab_modal(out / f"scan-choice-{theme}{suffix}.png", window.live.scanned)
            if theme == "light":
                dialog = NewCaseDialog(services, nurse, window)
                _grab(dialog, out / f"new-case{suffix}.png")
                dialog.close()
                services.auth.add_user(admin, "ddoc", "Dr. Dora Doc", Role.PHYSICIAN, PASSWORD)
                doc = services.auth.sign_in("ddoc", PASSWORD)
                closed = next(c.procedure_id for c in services.cases.list_cases(doc, status="closed"))
                review = ReviewDialog(services, doc, closed, window)
                review.success.setCurrentIndex(review.success.findData(True))
                review.residual.setText("0")
                review.plan.fill([PlanDrug.planned("aspirin", "81 mg once daily", None, DurationUnit.INDEFINITE),
                                  PlanDrug.planned("Plavix", "75 mg once daily", 6, DurationUnit.MONTHS)])
                review.save_review()
                _grab(review, out / f"review{suffix}.png")
                review.close()
            window.hide()
        if not suffix:
            apply_theme(app, "light")
            sign_in = SignInDialog(services, "~/.local/share/cathlog/cathlog.db")
            _grab(sign_in, out / "sign-in.png")
        services.store.close()
    sys.stdout.flush()
    if wm is not None:
        wm.terminate()
    os._exit(0)  # skip interpreter teardown of the many top-level widgets made here


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--suffix=")]
    suffix = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--suffix=")), "")
    main(Path(args[0] if args else "screenshots"), suffix)
