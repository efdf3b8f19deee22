"""Saving the live log's entry form: read every field, the time typed (asking which one when the clocks
went back and it happened twice), and write through the services at once: a refused value is named
under its field with the input kept; unusual values are listed and Save becomes "Confirm and save".
Mixed into EntryForm (cathlog.ui.entry_form), whose widgets and state these use."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QGroupBox, QLineEdit, QPushButton, QScrollArea

from cathlog.domain.enums import EventKind
from cathlog.domain.errors import CathlogError, ConfirmationRequired, ValidationError
from cathlog.domain.records import Actor, EventVersion, ProcedureRecord
from cathlog.rules.case_facts import AmbiguousTimeError, typed_moment
from cathlog.services import Services
from cathlog.ui.fields import FieldBlock, FieldError, FieldInput


class EntrySaving(QGroupBox):
    """The form's Save; the form provides the state and helpers declared here."""

    services: Services
    actor: Actor
    kind: EventKind | None
    record: ProcedureRecord | None
    correcting: EventVersion | None
    inputs: dict[str, FieldInput]
    blocks: dict[str, FieldBlock]
    tz: tzinfo | None
    time: QLineEdit
    performed_by: QLineEdit
    reason: QLineEdit
    save_button: QPushButton
    fields_scroll: QScrollArea
    _pending_confirm: tuple[tuple[str, ...], str] | None
    _time_choice: tuple[str, int] | None

    if TYPE_CHECKING:  # declared only: the form's own methods and Qt's signal (a stub would shadow them)
        saved: Any

        def _show(self, lines: list[str], error: bool = False) -> None: ...

        def _close(self) -> None: ...

    def _now(self) -> datetime:
        """Now in local time, from the services' clock (one clock for the whole program)."""
        return self.services.cases.clock().astimezone(self.tz)

    def _occurred_at(self) -> datetime:
        text = self.time.text().strip()
        fold = self._time_choice[1] if self._time_choice and self._time_choice[0] == text else None
        correcting_at = self.correcting.occurred_at if self.correcting else None
        try:
            return typed_moment(text, self._now(), correcting_at, tz=self.tz, fold=fold)
        except AmbiguousTimeError as exc:
            from cathlog.ui.scan_choice import choose

            picked = choose(self, "Which time?", f"{exc} The clocks went back, so this time happened twice.",
                            [c.label for c in exc.choices])
            if picked is None:
                raise FieldError(f"{exc} Choose one to save.") from None
            self._time_choice = (text, exc.choices[picked].fold)
            return exc.choices[picked].moment
        except ValueError as exc:
            raise FieldError(str(exc)) from None

    def collect(self) -> dict[str, Any]:
        """Every field's value; a FieldError naming each unreadable one (each also under its field)."""
        values, errors = {}, []
        for name, field in self.inputs.items():
            try:
                values[name] = field.value()
            except FieldError as exc:
                self.blocks[name].set_error(str(exc))
                errors.append(str(exc))
        if errors:
            raise FieldError("; ".join(errors))
        return values

    def _clear_errors(self) -> None:
        for block in self.blocks.values():
            block.set_error("")

    def _focus_error(self) -> None:
        block = next((b for b in self.blocks.values() if b.error.isVisibleTo(self)), None)
        if block is not None:
            editor = block.label.buddy() or block.field
            editor.setFocus()
            self.fields_scroll.ensureWidgetVisible(block, 0, 6)

    def submit(self) -> None:
        if self.kind is None or self.record is None:
            return
        self._clear_errors()
        try:
            data = self.collect()
        except FieldError as exc:
            self._show([str(exc)], error=True)
            self._focus_error()
            return
        try:
            when = self._occurred_at()
        except FieldError as exc:
            self.blocks["occurred_at"].set_error(str(exc))
            self._show([str(exc)], error=True)
            self._focus_error()
            return
        data = {k: v for k, v in data.items() if v is not None and v is not False}
        fingerprint = repr((sorted(data.items()), when))
        confirm: tuple[str, ...] = ()
        if self._pending_confirm and self._pending_confirm[1] == fingerprint:
            confirm = self._pending_confirm[0]
        cases = self.services.cases
        try:
            if self.correcting:
                ev = cases.correct_event(self.actor, self.correcting.event_id, data, self.reason.text(),
                                         occurred_at=when, performed_by=self.performed_by.text(), confirm=confirm,
                                         expected_version=self.correcting.version)
            else:
                ev = cases.record_event(self.actor, self.record.procedure.procedure_id, self.kind, data,
                                        occurred_at=when, performed_by=self.performed_by.text(), confirm=confirm)
        except ConfirmationRequired as exc:
            self._pending_confirm = (tuple(w.code for w in exc.warnings), fingerprint)
            self._show([f"⚠ {w.message}" + (f"  [{w.source}]" if w.source else "") for w in exc.warnings])
            self.save_button.setText("Confirm and save (Enter)")
            return
        except ValidationError as exc:
            self._pending_confirm = None
            for issue in exc.issues:
                block = self.blocks.get(issue.field)
                if block is not None:
                    block.set_error(issue.message)
            self._show([i.message for i in exc.issues], error=True)
            self._focus_error()
            return
        except CathlogError as exc:
            self._show([str(exc)], error=True)
            return
        self._close()
        self.saved.emit(ev)
