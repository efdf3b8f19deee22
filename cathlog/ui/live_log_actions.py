"""What the live log does beyond logging entries: the scan field and reading a scan,
void an entry, set the ACT target band, close and reopen the case. Mixed into LiveLogPage
(cathlog.ui.live_log), whose widgets and helpers these use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from cathlog.catalog import Catalog
from cathlog.domain.enums import Action, EventKind, ProcedureStatus
from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor, EventVersion, ProcedureRecord
from cathlog.rules.case_facts import missing_at_close, scan_check
from cathlog.services import Services

if TYPE_CHECKING:  # biip loads on the first scan, not at start-up
    from cathlog.rules.barcode import ScannedUdi


class ScanField(QLineEdit):
    """A line edit that keeps the GS1 group separator a scanner types (Ctrl+] or the
    raw 0x1D character), which QLineEdit would drop, as the visible "␝"."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        ctrl_bracket = event.key() == Qt.Key.Key_BracketRight and \
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if event.text() == "\x1d" or ctrl_bracket:
            self.insert("␝")
            return
        super().keyPressEvent(event)


def ask_text(parent: QWidget, title: str, label: str) -> tuple[str, bool]:
    """QInputDialog.getText: the one way the live log and the case list ask for a reason. Its buttons are
    plain text like every other dialog's through the theme's style sheet (``dialogbuttonbox-buttons-have-icons``
    in ui/theme.py), not through an application-wide event filter, which crashed PySide6 6.10-6.12 (ui/combo.py)."""
    return QInputDialog.getText(parent, title, label)


class CaseActions(QWidget):
    """The page's case actions; the page provides the state and helpers declared here."""

    services: Services
    actor: Actor
    catalog: Catalog
    record: ProcedureRecord | None
    scan: QLineEdit

    def say(self, text: str, tone: str | None = None, detail: str = "") -> None:
        raise NotImplementedError

    def reload(self) -> None:
        raise NotImplementedError

    if TYPE_CHECKING:  # declared only: cathlog.ui.live_log_panels.LivePanels, a later base of the page, has it
        def entry_stored(self, ev: EventVersion) -> None: ...

    def new_entry(self, kind: EventKind, prefill: dict | None = None) -> None:
        raise NotImplementedError

    def _selected(self) -> EventVersion | None:
        raise NotImplementedError

    def _read_only(self) -> bool:
        raise NotImplementedError

    def _may_drop_form(self, then: str) -> bool:
        raise NotImplementedError

    def void_selected(self) -> None:
        if self._read_only():
            return
        ev = self._selected()
        if ev is None:
            return
        reason, ok = ask_text(self, "Void entry", "Why is this entry void? (kept in the record)")
        if not ok:
            return
        try:
            voided = self.services.cases.void_event(self.actor, ev.event_id, reason, expected_version=ev.version)
        except CathlogError as exc:
            self.say(f"✖ Not voided: {exc}")
            return
        self.entry_stored(voided)
        self.say("Entry voided; it stays visible, struck through.", "ok")


    def scanned(self) -> None:
        text = self.scan.text()
        self.scan.clear()
        if self.record is None:
            return
        from cathlog.rules.barcode import read_udi  # biip loads on the first scan, not at start-up

        try:
            readings = read_udi(text)
        except CathlogError as exc:
            self.say(f"✖ Scan not read: {exc}")
            return
        udi = readings[0] if len(readings) == 1 else self._choose_reading(readings)
        if udi is None:
            self.say("✖ Scan not used: it reads more than one way (a separator was lost). Scan again.")
            return
        prefill: dict = udi.fields()
        found = self.catalog.by_gtin(udi.gtin) if udi.gtin else None
        if found:
            item, size = found
            prefill = {**item.entry(size.get("diameter_mm"), size.get("length_mm")), **prefill}
        today = self.services.cases.clock().astimezone().date()  # the entry's local day, as validation judges it
        notes = scan_check(self.record, udi, today, in_catalog=bool(found)).notes
        removes = self._implant_scanned(udi)
        if removes is not None:  # the patient's implant from an earlier case: this entry removes it
            prefill = {**prefill, "state": "retrieved", "removes_event_id": removes.event.event_id}
            notes += (f"this is the patient's implant {removes.title} (case {removes.procedure_id}): "
                      "recorded as removed; choose explanted or retrieval attempted, failed if so",)
        if not self._may_drop_form("record the scanned device"):
            self.say("Scan not used: finish or cancel the open entry, then scan again.", "caution")
            return
        self.new_entry(EventKind.DEVICE, prefill)
        self.say("Scanned " + (found[0].label if found else udi.product()) + (". " + "; ".join(notes) if notes else "."))

    def _choose_reading(self, readings: tuple[ScannedUdi, ...]) -> ScannedUdi | None:
        """A lost group separator: the nurse picks the reading that matches the label."""
        from cathlog.ui.scan_choice import choose

        picked = choose(self, "Which reading of the scan?",
                        "The scanner lost a separator, so lot, serial and dates can be read in more than one way. "
                        "Choose the one printed on the device's label, or cancel and scan again.",
                        [r.describe() for r in readings], cancel_text="Cancel: scan again")
        return None if picked is None else readings[picked]

    def _implant_scanned(self, udi: ScannedUdi):  # -> PatientImplant | None
        """The patient's implant still in place from an earlier case that a scan names (UDI or serial), else None."""
        assert self.record is not None
        try:
            return self.services.implants.match(self.actor, self.record.patient.patient_id or "", udi=udi.udi,
                                                serial=udi.serial, gtin=udi.gtin,
                                                other_than=self.record.procedure.procedure_id)
        except CathlogError:
            return None

    def set_act_target(self) -> None:
        """Physician: type the band as LOW-HIGH in seconds, then the reason."""
        if self.record is None:
            return
        band, ok = ask_text(self, "ACT target", "Target band for this case, in seconds (e.g. 300-350):")
        if not ok:
            return
        low, sep, high = band.replace(" ", "").partition("-")
        if not sep or not low.isdigit() or not high.isdigit():
            self.say(f"✖ Not changed: write the band as two whole numbers of seconds, e.g. 300-350 (got {band!r})")
            return
        reason, ok = ask_text(self, "ACT target", "Reason (kept in the record):")
        if not ok:
            return
        try:
            self.services.cases.set_act_target(self.actor, self.record.procedure.procedure_id, int(low), int(high),
                                               reason)
        except CathlogError as exc:
            self.say(f"✖ Not changed: {exc}")
            return
        self.reload()
        self.say(f"ACT target set to {low}-{high} s.", "ok")

    def close_case(self) -> None:
        """The closing checklist first: with nothing missing, a plain yes/no; with items missing,
        they are listed and the case closes only with a reason (audited with the close)."""
        if self.record is None or self.record.procedure.status is not ProcedureStatus.OPEN:
            return
        if not self._may_drop_form("close the case"):
            return
        missing = missing_at_close(self.record)
        reason: str | None = None
        if not missing:
            answer = QMessageBox.question(self, "Close case", "Close this case? Its log becomes read-only; it can "
                                          "be reopened with a reason.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        else:
            listed = "\n".join(f"  ✖ {item}" for item in missing)
            reason, ok = ask_text(
                self, "Close case: checklist", f"Missing before closing:\n{listed}\n\nRecord them first (Cancel), "
                "or close anyway: why? (kept in the record)")
            if not ok:  # the items were just listed: the line names how many, its tooltip lists them again
                count = f"{len(missing)} checklist item{'s' if len(missing) > 1 else ''}"
                self.say(f"Not closed: {count} missing. Record them, or close again with a reason.", "caution",
                         detail="Missing before closing:\n" + "\n".join(f"✖ {item}" for item in missing))
                return
            if not reason.strip():
                self.say("✖ Not closed: give a reason to close with items missing.")
                return
        try:
            self.services.cases.close_case(self.actor, self.record.procedure.procedure_id, reason)
        except CathlogError as exc:
            self.say(f"✖ {exc}")
            return
        self.reload()
        self.say("Case closed" + (" with items missing; the reason is in the record." if missing else "."), "ok")

    def reopen_case(self) -> None:
        """Reopen a closed case, with a reason (audited); physician or nurse."""
        if self.record is None or self.record.procedure.status is not ProcedureStatus.CLOSED:
            return
        if not self.services.auth.may(self.actor, Action.REOPEN_CASE):
            self.say("✖ Your role may not reopen a case.")
            return
        reason, ok = ask_text(self, "Reopen case", "Why is this case reopened? (kept in the record)")
        if not ok:
            return
        try:
            self.services.cases.reopen_case(self.actor, self.record.procedure.procedure_id, reason)
        except CathlogError as exc:
            self.say(f"✖ Not reopened: {exc}")
            return
        self.reload()
        self.say("Case reopened: its log can be changed again.", "ok")
