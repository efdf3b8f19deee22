"""The live log's running panels (ACT, drug totals, contrast, radiation, the timer) and what a save
refreshes: the timeline's one row and the panels that read the saved kind, not the whole case (issue 18
item 2). Mixed into LiveLogPage (cathlog.ui.live_log), whose widgets and services these use."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from cathlog.domain.enums import Action, EventKind
from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor, EventVersion, ProcedureRecord, parse_utc_iso
from cathlog.rules.case_facts import clock_behind
from cathlog.services import Services
from cathlog.ui.case_widgets import DrugTotalsPanel
from cathlog.ui.panels import ActPanel, ContrastPanel, RadiationPanel, TimerPanel

if TYPE_CHECKING:
    from cathlog.ui.entry_form import EntryForm
    from cathlog.ui.models import EventTableModel
    from cathlog.ui.timeline import LogView


class LivePanels:
    """The page's panel column; the page provides the state and helpers declared here."""

    services: Services
    actor: Actor
    record: ProcedureRecord | None
    recheck_min: int
    model: EventTableModel
    timeline: LogView
    form: EntryForm
    clock_warning: QLabel

    if TYPE_CHECKING:  # declared only: the page's own methods (a stub here would shadow a later base's)
        def set_act_target(self) -> None: ...

        def _render(self) -> None: ...

        def say(self, text: str, tone: str | None = None, detail: str = "") -> None: ...

        def _timer_finished(self, device_event_id: str, kind: str, seconds: int) -> None: ...

        def reload(self) -> None: ...

    def _panel_column(self) -> QScrollArea:
        """The running panels, in a column that scrolls rather than pushing the window taller."""
        right = QWidget()
        right.setObjectName("PanelColumn")
        rl = QVBoxLayout(right)
        rl.setContentsMargins(4, 0, 4, 0)
        rl.setSpacing(6)
        self.act_panel, self.contrast_panel = ActPanel(), ContrastPanel()
        self.target_button = QPushButton("Set ACT target…")
        self.target_button.setAccessibleName("set this case's ACT target band")
        self.target_button.clicked.connect(self.set_act_target)
        self.target_button.setVisible(self.services.auth.may(self.actor, Action.SET_TARGETS))
        self.act_panel.layout_.addWidget(self.target_button)
        self.radiation_panel, self.timer_panel = RadiationPanel(), TimerPanel()
        self.timer_panel.finished.connect(self._timer_finished)
        self.drug_panel = DrugTotalsPanel()
        # what the nurse must see while logging first (ACT, contrast against its limit, radiation: all in view
        # at 1366x768 with a form open), then the drug totals and the timer, which may scroll
        for panel in (self.act_panel, self.contrast_panel, self.radiation_panel, self.drug_panel, self.timer_panel):
            rl.addWidget(panel)
        rl.addStretch(1)
        self.panel_scroll = QScrollArea()
        self.panel_scroll.setObjectName("PanelScroll")
        self.panel_scroll.setWidgetResizable(True)
        self.panel_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.panel_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.panel_scroll.setWidget(right)
        self.panel_scroll.setMinimumWidth(300)
        return self.panel_scroll

    def refresh_panels(self, kinds: frozenset[EventKind] | None = None) -> None:
        """The running panels from the shown record: all of them (``kinds`` None), or those that read
        one of ``kinds`` (what a save changed)."""
        if self.record is None:
            return
        now = self.services.cases.clock()
        self._show_clock_step(now)
        self.act_panel.refresh(self.record, now, self.recheck_min,  # "n min ago" moves on with the clock
                               trend=kinds is None or bool(kinds & self.act_panel.reads))
        for panel in (self.drug_panel, self.contrast_panel, self.radiation_panel):
            if kinds is None or kinds & panel.reads:
                panel.refresh(self.record)

    def _show_clock_step(self, now: datetime) -> None:
        assert self.record is not None
        step = clock_behind(self.record, now)
        self.clock_warning.setVisible(step is not None)
        if step is not None:
            tz = self.form.tz
            minutes = int(step.behind.total_seconds() // 60)
            self.clock_warning.setText(
                f"⚠ This computer's clock ({now.astimezone(tz):%H:%M}) is {minutes} min behind the case's last "
                f"entry ({parse_utc_iso(step.last_recorded_at).astimezone(tz):%H:%M}): was the clock set back? "
                "Check it before typing times.")

    def entry_stored(self, ev: EventVersion) -> None:
        """Show a version this page stored (a new entry, a correction, a void): the timeline adds or
        updates its one row and only the panels that read its kind are refreshed. Nothing else a page
        shows depends on an entry (patient, case, status and allergies are versions of their own), so
        this shows what a page showing the case afresh would (tests/ui/test_live_log_refresh.py)."""
        record = self.record
        merged = record.with_entry_version(ev) if record and record.procedure.procedure_id == ev.procedure_id else None
        if merged is None or merged.version_count != self.services.cases.entry_version_count(
                self.actor, ev.procedure_id):
            self.reload()  # another workstation wrote to the case too: read it whole
            return
        self.record = merged  # nothing else was stored meanwhile: no need to read the case again
        at = next((i for i in range(len(merged.events) - 1, -1, -1)
                   if merged.events[i].current.event_id == ev.event_id), None) if ev.version == 1 else None
        if at is not None:
            self.model.add_entry(merged.events[at], at)
        else:
            self.model.set_rows(merged.events, merged.patient.weight_kg)
        self.timeline.scrollToBottom()
        kinds = frozenset({ev.kind})
        if kinds & self.timer_panel.reads:
            self.timer_panel.refresh(merged)
        self.refresh_panels(kinds)

    def refresh_from_elsewhere(self) -> None:
        """Another workstation changed this case (issue 17 item 3): read it again and show it if it
        differs. The form stays as it is, with what the nurse typed (a correction of an entry changed
        meanwhile is then refused by name: "changed by someone else"); the selected entry stays selected.
        A case this page already shows as stored (its own save) is not drawn again."""
        if self.record is None:
            return
        try:
            record = self.services.cases.get_record(self.actor, self.record.procedure.procedure_id)
        except CathlogError as exc:
            self.say(f"⚠ Another workstation changed this case, but it could not be read again: {exc}", "caution")
            return
        if record == self.record:
            return
        rows = self.timeline.selectionModel().selectedRows() if self.timeline.selectionModel() else []
        selected = self.model.row_object(rows[0].row()).current.event_id if rows else None
        self.record = record
        self._render()
        if selected is not None and (row := self.model.row_of(selected)) is not None:
            self.timeline.selectRow(row)
