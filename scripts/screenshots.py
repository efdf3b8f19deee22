"""Take screenshots of cathlog's screens, for review and docs/screenshots.

Run under a real X server (Xvfb) with a small window manager, once per screen size:
    xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python scripts/screenshots.py docs/screenshots
    xvfb-run -a -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python scripts/screenshots.py docs/screenshots --suffix=-1920
(`bash scripts/screenshots.sh` does both.) Every screen is taken in the light and the dim theme. With
--check the script exits 1 when a window does not lie within the screen (tests/tools/test_screenshots.py).
Under xcb the whole screen is grabbed (window decorations, dialogs over the main
window, anything off-screen is cut as a user would see it); openbox is started
if it is installed and no window manager runs. Under QT_QPA_PLATFORM=offscreen
each window is grabbed on its own instead.

Builds a throwaway database with demo cases plus one staged case (allergy
banner, drug totals, an ACT trend with one ACT below target, a stent on the
timeline, a voided entry); never touches real data.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from cathlog.domain.enums import ProcedureStatus, Role, TeamRole  # noqa: E402
from cathlog.domain.followup import DurationUnit, PlanDrug, Review  # noqa: E402
from cathlog.domain.worklist import WorklistQuery, WorkState  # noqa: E402
from cathlog.domain.mwl import ScheduledCase  # noqa: E402
from cathlog.domain.records import Patient, TeamMember  # noqa: E402
from cathlog.services import Services  # noqa: E402
from cathlog.store.db import Store  # noqa: E402
from cathlog.ui.admin import AuditDialog  # noqa: E402
from cathlog.ui.export_dialog import ExportDialog  # noqa: E402
from cathlog.ui.help_dialogs import AboutDialog, KeyboardReferenceDialog  # noqa: E402
from cathlog.ui.idle_lock import LockDialog  # noqa: E402
from cathlog.ui.lab_settings import LabSettings  # noqa: E402
from cathlog.ui.restore_dialog import CHECKING, RestoreDialog  # noqa: E402
from cathlog.ui.settings_dialog import SettingsDialog  # noqa: E402
from cathlog.ui.hl7_dialog import Hl7Dialog  # noqa: E402
from cathlog.ui.users_dialog import UsersDialog  # noqa: E402
from cathlog.ui.sign_in import FirstRunDialog, SignInDialog  # noqa: E402
from cathlog.ui.main_window import MainWindow  # noqa: E402
from cathlog.ui.new_case import NewCaseDialog  # noqa: E402
from cathlog.ui.review import ReviewDialog  # noqa: E402
from cathlog.ui.theme import apply_theme  # noqa: E402

AMBIGUOUS_SCAN = "01006141419999961727063010AB211721XY9"  # GTIN, expiry, lot and serial run together
PASSWORD = "correct horse battery"
PLAN = Review(technical_success=True, residual_stenosis_pct=0, final_timi=3,
              plan=(PlanDrug.planned("aspirin", "81 mg once daily", None, DurationUnit.INDEFINITE),
                    PlanDrug.planned("clopidogrel", "75 mg once daily", 1, DurationUnit.MONTHS)))


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


class Shooter:
    """Grabs each screen in each theme and notes every window that does not fit the screen."""

    def __init__(self, out: Path, suffix: str):
        self.out, self.suffix = out, suffix
        self.misfits: list[str] = []
        self.taken: list[Path] = []

    def path(self, name: str, theme: str) -> Path:
        return self.out / f"{name}-{theme}{self.suffix}.png"

    def check_fit(self, widget: QWidget, name: str) -> None:
        """A window must lie within the screen's available area, frame included."""
        app = QApplication.instance()
        if app.platformName() != "xcb":
            return
        available = app.primaryScreen().availableGeometry()
        frame = widget.frameGeometry()
        if not available.contains(frame):
            self.misfits.append(f"{name}: window {frame.width()}x{frame.height()} at ({frame.x()},{frame.y()}) "
                                f"is not within the screen's {available.width()}x{available.height()}")

    def grab(self, widget: QWidget, name: str, theme: str) -> None:
        widget.show()
        widget.raise_()
        widget.activateWindow()
        _settle()
        _wait(400)  # let the window manager map and place it
        self.check_fit(widget, name)
        _save(widget, self.path(name, theme))
        self.taken.append(self.path(name, theme))

    def grab_modal(self, name: str, theme: str, run: Callable[[], object]) -> None:
        """Run ``run`` (which opens a modal dialog with exec()); grab the dialog, then reject it. When ``run``
        returns without a dialog, that is a failure (--check): a later dialog must not be taken for it."""
        timer = QTimer()
        timer.setSingleShot(True)
        shot: list[Path] = []

        def shoot() -> None:
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                timer.start(100)
                return
            self.check_fit(dialog, name)
            _save(dialog, self.path(name, theme))
            shot.append(self.path(name, theme))
            dialog.reject()
        timer.timeout.connect(shoot)
        timer.start(600)
        run()
        timer.stop()
        if not shot:
            self.misfits.append(f"{name}: no dialog opened, so none was taken")
        self.taken += shot


def _worklist_cases(services: Services, clock: MovableClock, admin, doc) -> Path:
    """Demo cases ten weeks old (filter windows and DAPT reviews overdue), two thirds reviewed with their
    reminders accepted, one reminder done; two automatic backups a day apart (the restore screen)."""
    folder = Path(tempfile.mkdtemp(prefix="cathlog-shots-backups-"))
    clock.now -= timedelta(days=70)
    ids = services.demo.load(admin, 25, seed=21)
    services.admin.automatic_backup(folder)
    for n, pid in enumerate(ids):
        status = services.cases.get_record(doc, pid).procedure.status
        if status is ProcedureStatus.OPEN:
            services.cases.close_case(doc, pid, reason="demo")
        if n % 3 and status is not ProcedureStatus.SIGNED:
            services.review.save_review(doc, pid, PLAN)
            for suggestion in services.review.suggestions(doc, pid):
                services.review.decide(doc, pid, suggestion, accept=True)
    clock.advance(24 * 60)
    services.demo.load(admin, 3, seed=22)
    services.admin.automatic_backup(folder)
    clock.now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=75)
    first = next(i for i in services.followup.page(doc, WorklistQuery()).items if not i.pending)
    services.followup.mark(doc, first.item_key, WorkState.DONE, "seen in clinic")
    return folder


def _dose_reports(services: Services, nurse, staged: str) -> None:
    """Three dose reports waiting in the inbox (synthetic, made with pydicom): two patients cathlog does not
    know, and the staged case's patient five hours after the case started (no case near the study)."""
    from tests.dicom import rdsr_maker as mk

    record = services.cases.get_record(nurse, staged)
    later = (datetime.fromisoformat(record.procedure.started_at.replace("Z", "+00:00")).astimezone()
             + timedelta(hours=5))
    reports = (
        mk.make(sop_instance_uid=f"{mk.ROOT}.1.901", study_instance_uid=f"{mk.ROOT}.2.901", patient_id="4471903",
                patient_name="MÜLLER^ZOË", birth_date="19480211", study_date=later.strftime("%Y%m%d"),
                study_time="071512", manufacturer="Philips", model="Azurion", observer="CATHLAB2"),
        mk.make(sop_instance_uid=f"{mk.ROOT}.1.902", study_instance_uid=None, patient_id="QA-PHANTOM",
                patient_name="PHANTOM^QA", birth_date="", study_date=later.strftime("%Y%m%d"), study_time="065500",
                manufacturer="Philips", model="Azurion", observer="CATHLAB2"),
        mk.make(sop_instance_uid=f"{mk.ROOT}.1.903", study_instance_uid=None, patient_id=record.patient.mrn,
                patient_name=f"{record.patient.family_name.upper()}^{(record.patient.given_name or '').upper()}",
                birth_date=record.patient.birth_date.replace("-", ""), study_date=later.strftime("%Y%m%d"),
                study_time=later.strftime("%H%M%S"), manufacturer="Siemens", model="Artis zee biplane",
                observer="CATHLAB1", planes=mk.edge_cases()["biplane.dcm"].ContentSequence[4:6]),
    )
    for ds in reports:
        services.dose.receive(nurse, mk.to_bytes(ds), channel="network", sender=ds.ContentSequence[1].TextValue)


ROOM = LabSettings(mwl_station_ae="CATHLAB1", mwl_modality="XA")


def _hl7_traffic(services: Services, clock: MovableClock, admin, doc) -> None:
    """What the HL7 interface window shows after a morning (synthetic, like the demo worklist: no peer
    needed): the hospital's ADT messages (a new patient, his full given name, one refused for its missing PID, a
    merge to decide) and two signed cases' reports in the outbox, one acknowledged and one whose receiver
    did not answer, waiting for its next try."""
    from cathlog.domain.followup import SignatureMeaning
    from cathlog.hl7.mllp import SendError
    from cathlog.reports.make import render

    for key, value in (("hl7.allowed_senders", "GENHOSP"), ("hl7.out_host", "ehr.hospital.example"),
                       ("hl7.out_port", "6661")):
        services.settings.set(admin, key, value)

    def adt(trigger: str, control_id: str, segments: tuple[str, ...], structure: str = "ADT_A01") -> str:
        return "\r".join([f"MSH|^~\\&|EPIC|GENHOSP|CATHLOG|CATHLAB|20261203071500||ADT^{trigger}^{structure}|"
                          f"{control_id}|P|2.5.1", f"EVN|{trigger}|20261203071500", *segments]) + "\r"

    for text in (adt("A01", "EPIC40017", ("PID|1||MWL-2040^^^GENHOSP^MR||Lindqvist^Erik||19481102|M", "PV1|1|I")),
                 adt("A08", "EPIC40018", ("PID|1||MWL-2040^^^GENHOSP^MR||Lindqvist^Erik Johan||19481102|M",
                                          "PV1|1|I")),
                 adt("A08", "EPIC40019", ("PV1|1|I",)),
                 adt("A40", "EPIC40020", ("PID|1||MWL-2040^^^GENHOSP^MR||Lindqvist^Erik||19481102|M",
                                          "MRG|88812^^^GENHOSP^MR"), structure="ADT_A39")):
        clock.advance(3)
        services.hl7_in.receive(text, "10.20.30.41")
    closed = [c.procedure_id for c in services.cases.list_cases(doc, status="closed")][:2]
    for pid in closed:
        services.review.save_review(doc, pid, PLAN)
        services.review.sign(doc, pid, PASSWORD, SignatureMeaning.AUTHORED)
    services.hl7_out.build_pending(lambda case: render(case, "summary"))
    answers = iter(("MSH|^~\\&|EHR|HOSPITAL|CATHLOG|CATHLAB|20261203080100||ACK^R01^ACK|A1|P|2.5.1\r"
                    "MSA|AA|{control_id}\r", None))

    def transport(host: str, port: int, message: str, *, timeout_s: float, on_written) -> str:
        answer = next(answers)
        if answer is None:
            raise SendError(f"no acknowledgement from {host}:{port} within {timeout_s:g} s")
        on_written()
        control_id = message.split("\r", 1)[0].split("|")[9]
        return answer.replace("{control_id}", control_id)

    clock.advance(2)
    services.hl7_out.send_due(transport)


def _demo_worklist(services: Services, admin) -> None:
    """Today's scheduled cases of CATHLAB1 as a hospital worklist would send them (synthetic, like the demo
    cases: the screenshots need no DICOM server); SHOT-11's name differs from the stored one (married name)."""
    for key, value in (("mwl.provider_ae", "RIS_MWL"), ("mwl.provider_host", "ris.hospital.example"),
                       ("mwl.provider_port", "104")):
        services.settings.set(admin, key, value)
    day = services.mwl.today().isoformat()
    rows = (("07:45", "SHOT-11", "Okafor-Bell", "Grace", "1951-07-14", "female", "Coronary angiography, possible PCI"),
            ("09:00", "MWL-2040", "Lindqvist", "Erik", "1948-11-02", "male", "Peripheral angioplasty, left SFA"),
            ("10:30", "MWL-2041", "Haddad", "Leila", "1962-05-19", "female", "Right heart catheterisation"),
            ("12:15", "MWL-2042", "Nakamura", "Hiroshi", "1957-01-30", "male", "Chronic total occlusion PCI, RCA"),
            ("14:00", "MWL-2043", "Müller", "Zoë", None, "female", "Coronary angiography"))
    cases = [ScheduledCase(mrn=mrn, family_name=family, given_name=given, birth_date=born, sex=sex,
                           accession_number=f"ACC-{7100 + n}", study_instance_uid=f"1.2.826.0.1.3680043.10.{7100 + n}",
                           requested_procedure=proc, scheduled_start=f"{day} {time}", station_ae="CATHLAB1",
                           modality="XA", problems=() if born else ("no birth date sent",))
             for n, (time, mrn, family, given, born, sex, proc) in enumerate(rows)]
    services.mwl.finder = lambda provider, query, timeout_s: list(cases)


def _new_case_from_worklist(shots: Shooter, services: Services, nurse, window: QWidget, theme: str) -> None:
    dialog = NewCaseDialog(services, nurse, window, lab=ROOM)
    dialog.show()
    for _ in range(100):  # the list is asked for beside the screen
        if dialog.worklist.cases:
            break
        _wait(50)
    dialog.worklist.table.selectRow(1)
    shots.grab(dialog, "new-case-worklist", theme)
    dialog.worklist.table.selectRow(0)
    shots.grab_modal("worklist-differs", theme, dialog.worklist.use_selected)  # SHOT-11: keep or update?
    dialog.close()


def _nurse_screens(shots: Shooter, services: Services, nurse, staged: str, settings: QSettings, theme: str) -> None:
    window = MainWindow(services, nurse, "cathlog.db", settings=settings)
    window.cases.case_view.selectRow(0)
    shots.grab(window, "case-list", theme)
    dialog = NewCaseDialog(services, nurse, window)
    shots.grab(dialog, "new-case", theme)
    dialog.close()
    _new_case_from_worklist(shots, services, nurse, window, theme)
    window.open_case(staged)
    void_row = next(i for i in range(window.live.model.rowCount())
                    if window.live.model.row_object(i).current.voided)
    window.live.timeline.selectRow(void_row)
    shots.grab(window, "live-log", theme)
    window.live.quick_buttons["F4"].click()  # the device form
    shots.grab(window, "device-form", theme)
    window.live.form.cancel()
    shots.grab_modal("close-checklist", theme, window.live.close_case)
    window.live.scan.setText(AMBIGUOUS_SCAN)
    shots.grab_modal("scan-choice", theme, window.live.scanned)
    shots.grab_modal("change-password", theme, window.change_password)
    lock = LockDialog(services, nurse, window, reason="lock")
    shots.grab(lock, "lock", theme)
    lock.hide()  # a lock is closed only by signing in
    lock.deleteLater()
    keys = KeyboardReferenceDialog(window)
    shots.grab(keys, "keyboard-reference", theme)
    keys.close()
    window.show_dose_inbox()
    window.dose_inbox.table.selectRow(window.dose_inbox.table.rowCount() - 1)
    shots.grab(window.dose_inbox, "dose-inbox", theme)
    window.dose_inbox.close()
    window.hide()


def _physician_screens(shots: Shooter, services: Services, doc, settings: QSettings, theme: str) -> None:
    window = MainWindow(services, doc, "cathlog.db", settings=settings)
    window.show()
    closed = next(c.procedure_id for c in services.cases.list_cases(doc, status="closed"))
    review = ReviewDialog(services, doc, closed, window)
    review.show()
    for _ in range(100):  # the summary's pages are drawn beside the screen
        if not review.preview.busy():
            break
        _wait(100)
    shots.grab(review, "review", theme)
    review.close()
    window.show_worklist()
    window.worklist.view.selectRow(0)
    shots.grab(window.worklist, "worklist", theme)
    window.worklist.close()
    window.hide()


def _interfaces_tab(dialog: SettingsDialog) -> SettingsDialog:
    """The Settings dialog on its second page: the worklist provider and the dose-report listener."""
    dialog.tabs.setCurrentIndex(1)
    return dialog


def _hl7_selected(dialog: Hl7Dialog) -> Hl7Dialog:
    """The HL7 window on its inbox, the refused message selected (its text and error below the list)."""
    failed = next((i for i, row in enumerate(dialog.inbox_rows) if row["state"] in ("failed", "rejected")), 0)
    dialog.inbox.selectRow(failed)
    return dialog


def _audit_selected(dialog: AuditDialog) -> AuditDialog:
    """The audit trail with a reviewed case's row selected: its values in full below the list."""
    row = next((i for i, r in enumerate(dialog.rows) if r.action == "save_review"), 0)
    dialog.table.selectRow(row)
    return dialog


def _admin_screens(shots: Shooter, services: Services, admin, folder: Path, settings: QSettings, theme: str) -> None:
    window = MainWindow(services, admin, "cathlog.db", settings=settings)
    window.show()
    users = UsersDialog(services, admin, window)
    names = [u.username for u in users.users]
    users.table.selectRow(names.index("kwalsh") if "kwalsh" in names else 0)
    shots.grab(users, "users", theme)
    users.close()
    restore = RestoreDialog(services, admin, folder, window)
    restore.show()
    for _ in range(200):  # the backups are verified beside the screen
        if all(restore.table.item(i, 4).text() != CHECKING for i in range(restore.table.rowCount())):
            break
        _wait(50)
    restore.table.selectRow(min(1, restore.table.rowCount() - 1))
    shots.grab(restore, "restore", theme)
    restore.wait_for_checks()
    restore.close()
    for name, make in (("export", lambda: ExportDialog(services, admin, window)),
                       ("audit", lambda: _audit_selected(AuditDialog(services, admin, window))),
                       ("settings", lambda: SettingsDialog(services, admin, settings, LabSettings(), window)),
                       ("settings-interfaces", lambda: _interfaces_tab(SettingsDialog(services, admin, settings,
                                                                                      ROOM, window))),
                       ("hl7", lambda: _hl7_selected(Hl7Dialog(services, admin, window))),
                       ("about", lambda: AboutDialog("~/.local/share/cathlog/cathlog.db", window))):
        dialog = make()
        shots.grab(dialog, name, theme)
        dialog.close()
    window.hide()


def main(out: Path, suffix: str, check: bool) -> int:
    out.mkdir(parents=True, exist_ok=True)
    wm = None
    if os.environ.get("QT_QPA_PLATFORM") == "xcb" and shutil.which("openbox"):
        wm = subprocess.Popen(["openbox"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    if wm is not None:
        _wait(300)  # the window manager takes over the screen
    app.setApplicationName("cathlog-screenshots")
    app.setOrganizationName("cathlog-screenshots")
    app.setStyle("Fusion")
    clock = MovableClock()
    shots = Shooter(out, suffix)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CONFIG_HOME"] = tmp  # remembered window sizes go to the throwaway folder
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        services = Services(Store.open(Path(tmp) / "demo.db"), clock)
        for theme in ("light", "dim"):
            apply_theme(app, theme)
            first = FirstRunDialog(services, "~/.local/share/cathlog/cathlog.db")
            shots.grab(first, "first-run", theme)
            first.close()
        admin = services.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
        services.settings.set(admin, "lab_name", "St. Elsewhere Cath Lab")
        services.auth.add_user(admin, "kwalsh", "RN Kate Walsh", Role.NURSE, PASSWORD)
        services.auth.add_user(admin, "ddoc", "Dr. Dora Doc", Role.PHYSICIAN, PASSWORD)
        nurse = services.auth.sign_in("kwalsh", PASSWORD)
        doc = services.auth.sign_in("ddoc", PASSWORD)
        folder = _worklist_cases(services, clock, admin, doc)
        staged = _staged_case(services, clock, nurse)
        _dose_reports(services, nurse, staged)
        _demo_worklist(services, admin)
        _hl7_traffic(services, clock, admin, doc)
        for theme in ("light", "dim"):
            apply_theme(app, theme)
            sign_in = SignInDialog(services, "~/.local/share/cathlog/cathlog.db")
            shots.grab(sign_in, "sign-in", theme)
            sign_in.close()
            _nurse_screens(shots, services, nurse, staged, settings, theme)
            _physician_screens(shots, services, doc, settings, theme)
            _admin_screens(shots, services, admin, folder, settings, theme)
        services.store.close()
        shutil.rmtree(folder, ignore_errors=True)
    for line in shots.misfits:
        print(f"DOES NOT FIT: {line}", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    if wm is not None:
        wm.terminate()
    os._exit(1 if check and shots.misfits else 0)  # skip interpreter teardown of the many top-level widgets


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Screenshots of every cathlog screen, in both themes.")
    parser.add_argument("out", nargs="?", default="screenshots", help="folder for the PNG files")
    parser.add_argument("--suffix", default="", help="added to each file name, e.g. -1920")
    parser.add_argument("--check", action="store_true", help="exit 1 if a window does not fit the screen")
    args = parser.parse_args()
    main(Path(args.out), args.suffix, args.check)
