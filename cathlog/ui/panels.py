"""The running panels of the live log: ACT, contrast, radiation, and the
inflation/atherectomy timer. Each states its level in words and an icon as
well as colour, and shows the source of its thresholds in a tooltip.
Alerts never open a dialog: nothing blocks logging."""

from __future__ import annotations

import time
from datetime import datetime

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout

from cathlog.domain.describe import device_name
from cathlog.domain.enums import ActDevice, EventKind
from cathlog.domain.records import ProcedureRecord
from cathlog.domain.units import format_number
from cathlog.rules import alerts
from cathlog.rules.alerts import Level
from cathlog.rules.case_facts import (
    ActReading,
    ActVerdict,
    act_band_now,
    act_basis,
    act_series,
    in_time_order,
    judge_act,
    timed_devices,
)
from cathlog.ui.fields import narrow_combo
from cathlog.ui.models import local_time
from cathlog.ui.combo import Combo

ICONS = {Level.NONE: "○", Level.OK: "✔", Level.CAUTION: "▲", Level.ALERT: "⚠"}


def _ago(minutes: int | None) -> str:
    if minutes is None:
        return ""
    if minutes < 90:
        return f"{minutes} min ago"
    return f"{minutes // 60} h {minutes % 60} min ago"


class Panel(QFrame):
    # The entry kinds a panel reads: a save of another kind leaves it as it is (issue 18 item 2).
    reads: frozenset[EventKind] = frozenset(EventKind)

    def __init__(self, title: str, name: str):
        super().__init__()
        self.setObjectName("Panel")
        self.setAccessibleName(name)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(10, 4, 10, 6)  # compact: ACT, contrast and radiation fit a 1366x768 screen
        self.layout_.setSpacing(2)
        head_row = QHBoxLayout()
        head_row.setSpacing(8)
        head = QLabel(title)
        head.setObjectName("PanelTitle")
        head.setWordWrap(True)  # a long title must not widen the panel column
        # a short fact beside the title ("20 min ago"), on one line, so the value line stays one line too
        self.aside = QLabel("")
        self.aside.setObjectName("PanelAside")
        self.aside.setAccessibleName(f"{name} time")
        self.aside.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        font = self.aside.font()
        font.setBold(True)
        self.aside.setFont(font)
        head_row.addWidget(head, 1)
        head_row.addWidget(self.aside)
        self.layout_.addLayout(head_row)
        self.value = QLabel("—")
        self.value.setObjectName("PanelValue")
        self.value.setWordWrap(True)
        self.value.setAccessibleName(f"{name} value")
        self.layout_.addWidget(self.value)
        self.status = QLabel("")
        self.status.setObjectName("PanelStatus")
        self.status.setWordWrap(True)
        self.status.setAccessibleName(f"{name} status")
        self.layout_.addWidget(self.status)

    def set_level(self, level: Level, text: str) -> None:
        self.status.setText(f"{ICONS[level]} {text}" if text else "")
        if self.property("level") == level.value:
            return  # the style sheet's rules for the level hold: polishing again would change nothing
        self.setProperty("level", level.value)
        self.style().unpolish(self)
        self.style().polish(self)


TREND_SHOWN = 5  # the latest readings in the panel (the newest always in view); all of them in its tooltip
VERDICT_ICONS = {ActVerdict.BELOW: "▼", ActVerdict.IN: "✔", ActVerdict.ABOVE: "▲"}


def act_trend_line(reading: ActReading) -> str:
    """One ACT: local time, value, analyser, verdict against its band."""
    device = reading.event.data.get("act_device")
    on = f" {ActDevice(device).label}" if device else ""
    low, high = reading.band.band
    return (f"{local_time(reading.event.occurred_at, '%H:%M')}  {reading.act_s} s{on}  "
            f"{VERDICT_ICONS[reading.verdict]} {reading.verdict.value} ({low}-{high})")


def act_trend_lines(record: ProcedureRecord) -> list[str]:
    """Every ACT of the case, oldest first: local time, value, analyser, verdict against its band."""
    return [act_trend_line(reading) for reading in act_series(record)]


class TrendLines:
    """``act_trend_lines`` of the record asked last, remembering each reading's line: a save judges
    only the readings not seen under the same basis (the case's GP IIb/IIIa and physician's band
    history, this computer's zone), not every ACT of the case again (issue 18 item 2). A version of a
    reading is never changed once stored, so (event, version) names its line."""

    def __init__(self) -> None:
        self._basis: object = None
        self._lines: dict[tuple[str, int], str] = {}

    def __call__(self, record: ProcedureRecord) -> list[str]:
        basis = (act_basis(record), time.tzname, time.timezone, time.altzone)
        if basis != self._basis:
            self._basis, self._lines = basis, {}
        acts = in_time_order(record.current_events(EventKind.ACT))
        if len(self._lines) > 2 * len(acts) + 100:  # another case's, or superseded versions'
            self._lines = {}
        lines, known = [], self._lines
        for ev in acts:
            line = known.get((ev.event_id, ev.version))
            if line is None:
                line = known[ev.event_id, ev.version] = act_trend_line(judge_act(ev, basis[0]))
            lines.append(line)
        return lines


class ActPanel(Panel):
    # the readings, the analyser, heparin given (recheck) and GP IIb/IIIa given (band); the minutes
    # since the last reading move on with time, so the latest reading is shown again at every save
    reads = frozenset({EventKind.ACT, EventKind.MEDICATION})

    def __init__(self):
        super().__init__("ACT  [F3]", "ACT panel")
        self.trend = QLabel("")
        self.trend.setObjectName("ActTrend")
        self.trend.setAccessibleName("ACT trend: every reading with its verdict")
        self.trend.setWordWrap(True)
        self.layout_.addWidget(self.trend)
        self._trend_lines = TrendLines()

    def refresh(self, record: ProcedureRecord, now: datetime, recheck_min: int, trend: bool = True) -> alerts.ActStatus:
        """The latest reading, its band and the minutes since; the trend of every reading too unless
        ``trend`` is False (a save of a kind the trend does not read: it stays as it is)."""
        band = act_band_now(record)
        status = alerts.act_status(record.current_events(), now, band.band, recheck_min)
        low, high = status.target
        if status.last_s is None:
            self.value.setText(f"—   target {low}-{high} s")
        else:
            self.value.setText(f"{status.last_s} s   target {low}-{high} s")
        self.aside.setText(_ago(status.minutes_since))
        self.set_level(status.level, status.message)
        set_by = "set for this case" if band.physician_set else (
            f"default for {ActDevice(band.device).label}" if band.device else "default")
        if trend:
            self._show_trend(self._trend_lines(record))
        self.setToolTip(f"Target band ({set_by}): {status.source}. Recheck every {recheck_min} min.")
        return status

    def _show_trend(self, lines: list[str]) -> None:
        earlier = len(lines) - TREND_SHOWN
        shown = ([f"… {earlier} earlier reading{'s' if earlier > 1 else ''} (hover for all)"] if earlier > 0 else []) \
            + lines[-TREND_SHOWN:]
        self.trend.setText("\n".join(shown))
        self.trend.setToolTip("Every ACT of the case, oldest first:\n" + "\n".join(lines) if lines else "")


class ContrastPanel(Panel):
    reads = frozenset({EventKind.CONTRAST})

    def __init__(self):
        super().__init__("Contrast  [F6]", "contrast panel")
        self.bar = QProgressBar()
        self.bar.setAccessibleName("contrast used against the limit")
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(10)
        self.layout_.insertWidget(2, self.bar)

    def refresh(self, record: ProcedureRecord) -> alerts.ContrastStatus:
        status = alerts.contrast_status(record.current_events(), record.patient)
        total = format_number(status.total_ml, 1)
        ratio = f"   CV/eGFR {status.ratio:.2f}" if status.ratio is not None else ""
        limit = f" / {format_number(status.limit_ml, 0)}" if status.limit_ml else ""
        self.value.setText(f"{total}{limit} mL{ratio}")
        self.bar.setMaximum(1000)
        self.bar.setValue(min(1000, int(1000 * status.total_ml / status.limit_ml)) if status.limit_ml else 0)
        self.set_level(status.level, "; ".join(status.messages) or ("within limit" if status.limit_ml else ""))
        self.setToolTip("\n".join(status.sources))
        return status


class RadiationPanel(Panel):
    reads = frozenset({EventKind.RADIATION})

    def __init__(self):
        super().__init__("Radiation  [F7]", "radiation panel")

    def refresh(self, record: ProcedureRecord) -> alerts.RadiationStatus:
        status = alerts.radiation_status(record.current_events())
        parts = []
        if status.fluoro_time_s is not None:
            parts.append(f"Fluoro {format_number(status.fluoro_time_s / 60, 1)} min")
        if status.air_kerma_mgy is not None:
            parts.append(f"Ka,r {format_number(status.air_kerma_mgy, 0)} mGy")
        if status.dap_gy_cm2 is not None:
            parts.append(f"DAP {format_number(status.dap_gy_cm2, 1)} Gy·cm²")
        self.value.setText(" · ".join(parts) or "—")
        self.set_level(status.level, "; ".join(status.messages) or ("below thresholds" if parts else ""))
        self.setToolTip("\n".join(status.sources))
        return status


class TimerPanel(Panel):
    """One key starts and stops the clock for the chosen balloon, stent or burr."""

    finished = Signal(str, str, int)  # device event_id, entry kind, duration_s
    reads = frozenset({EventKind.DEVICE})  # the balloons, stents and burrs it offers

    def __init__(self):
        super().__init__("Inflation / atherectomy timer  [F5]", "timer panel")
        row = QHBoxLayout()
        self.device = narrow_combo(Combo(), 5)  # long device names must not widen the panel column
        self.device.setObjectName("timer_device")
        self.device.setAccessibleName("device to time")
        self.button = QPushButton("START  F5")
        self.button.setObjectName("TimerButton")
        self.button.setAccessibleName("start or stop the timer")
        self.button.clicked.connect(self.toggle)
        row.addWidget(self.device, 1)
        row.addWidget(self.button)
        self.layout_.insertLayout(1, row)
        self._elapsed = QElapsedTimer()  # monotonic: a clock change does not bend a duration
        self._tick = QTimer(self)
        self._tick.setInterval(250)
        self._tick.timeout.connect(self._show_elapsed)
        self._running_kind = ""
        self.value.setText("ready")

    @property
    def running(self) -> bool:
        return self._elapsed.isValid()

    def refresh(self, record: ProcedureRecord) -> None:
        if self.running:
            return
        current = self.device.currentData()
        self.device.clear()
        for timed in timed_devices(record):
            run = " (run)" if timed.kind is EventKind.ATHERECTOMY else ""
            self.device.addItem(device_name(timed.event.data) + run, f"{timed.event.event_id}:{timed.kind.value}")
        if current is not None:
            index = self.device.findData(current)
            if index >= 0:
                self.device.setCurrentIndex(index)
        self.button.setEnabled(self.device.count() > 0)
        self.set_level(Level.NONE, "" if self.device.count() else "log a balloon, stent or burr first (F4)")

    def toggle(self) -> None:
        if not self.running:
            if self.device.currentData() is None:
                return
            self._elapsed.start()
            self._tick.start()
            self.device.setEnabled(False)
            self.button.setText("STOP  F5")
            self.set_level(Level.CAUTION, f"timing {self.device.currentText()}")
            self._show_elapsed()
            return
        seconds = max(1, round(self._elapsed.elapsed() / 1000))
        self._elapsed.invalidate()
        self._tick.stop()
        self.device.setEnabled(True)
        self.button.setText("START  F5")
        self.value.setText(f"last: {seconds} s")
        self.set_level(Level.OK, "enter the pressure or speed to save")
        event_id, _, kind = self.device.currentData().partition(":")
        self.finished.emit(event_id, kind, seconds)

    def reset(self) -> None:
        """Stop without recording (the case was left)."""
        self._elapsed.invalidate()
        self._tick.stop()
        self.device.setEnabled(True)
        self.button.setText("START  F5")
        self.value.setText("ready")

    def _show_elapsed(self) -> None:
        if self.running:
            s = self._elapsed.elapsed() // 1000
            self.value.setText(f"{s // 60}:{s % 60:02d}")
