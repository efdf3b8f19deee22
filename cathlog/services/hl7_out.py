"""Report out (issue 16 item 2): the signed report as ORU^R01 or MDM^T02 through a durable outbox.

1. **Queued with the signature.** ``queue_report`` runs inside the signature's (or the addendum's)
   write transaction: the outbox row, its control id and its audit row commit with the signature or
   not at all. Nothing is queued while no receiver is set (``hl7.out_host``) or when the event is not
   one the lab sends (``hl7.send_on``).
2. **Built right after.** ``build_pending`` renders the summary PDF (a renderer passed in by the
   launcher: ReportLab lives above the services), builds and validates the message and stores it once;
   the message never changes afterwards (a trigger), so every resend carries the same bytes and
   control id. A queued row without a message is built at the next pass, also after a restart.
3. **Sent by a background sender**, at least once: before the bytes go out the attempt is counted
   and the next attempt scheduled (back-off 5 s, 10 s, 20 s ... at most 10 min); once written the row
   is ``sent``; only an AA (or CA) marks it ``acknowledged``; AE/AR mark it ``failed`` with the
   receiver's reason; no answer leaves it to be sent again, up to ``hl7.max_attempts``. A sender
   killed between send and acknowledgement leaves the row ``sent``: ``recover`` at the next start
   makes it due at once, and it goes again with the same control id.

Every message out is audited without its PDF payload (``hl7_report_built`` keeps the text with the
base64 replaced by the PDF's size and SHA-256), and every send, acknowledgement, failure and resend.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cathlog.domain.errors import CathlogError, Issue, NotFound, ValidationError
from cathlog.domain.followup import CaseFile
from cathlog.domain.records import Actor, parse_utc_iso, utc_iso
from cathlog.hl7 import codes, inbound, mllp, outbound
from cathlog.rules import alerts
from cathlog.rules.permissions import Action
from cathlog.services.base import ServiceBase
from cathlog.services.settings import stored_values
from cathlog.store import hl7 as hl7_store
from cathlog.store import records as rec

log = logging.getLogger(__name__)

Renderer = Callable[[CaseFile], bytes]
Transport = Callable[..., str]  # mllp.send(host, port, message, timeout_s=..., on_written=...)
BACKOFF_FIRST_S, BACKOFF_MAX_S = 5, 600
SYSTEM = "hl7-sender"


def backoff_s(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th attempt: 5, 10, 20, 40 ... at most 600."""
    return int(min(BACKOFF_FIRST_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S))


def queue_report(service: ServiceBase, actor: Actor, procedure_id: str, event: str, now: str) -> int | None:
    """Queue the case's report message in the caller's write transaction (sign or addendum), audited.
    Returns the outbox id, or None when the lab sends nothing for this event."""
    settings = stored_values(service.store)
    if not settings["hl7.out_host"] or event not in settings["hl7.send_on"].split(","):
        return None
    destination = f"{settings['hl7.out_host']}:{settings['hl7.out_port']}"
    control_id = inbound.new_control_id()
    message_id = hl7_store.queue(service.store, control_id=control_id, procedure_id=procedure_id, event=event,
                                 message_type=settings["hl7.report_message"], queued_at=now,
                                 queued_by=actor.username, destination=destination)
    service.audit(actor, "hl7_queue", "hl7_outbox", str(message_id), procedure_id=procedure_id,
                  new={"control_id": control_id, "event": event, "message_type": settings["hl7.report_message"],
                       "destination": destination}, at=now)
    return message_id


@dataclass(frozen=True)
class SendResult:
    message_id: int
    control_id: str
    state: str
    reason: str | None = None


class Hl7OutService(ServiceBase):
    def __init__(self, store: Any, clock: Any, case_file: Callable[[str], CaseFile]):
        super().__init__(store, clock)
        self._case_file = case_file  # ReviewService.read_case_file: no role check, the sender is no person

    def _system(self) -> Actor:
        from cathlog.domain.enums import Role

        return Actor(SYSTEM, "HL7 report sender", Role.NURSE, "hl7-sender")

    # --- build ----------------------------------------------------------------------------------

    def content(self, row: dict[str, Any], case: CaseFile, pdf: bytes) -> outbound.ReportContent:
        record = case.record
        patient = rec.get_patient(self.store, record.procedure.patient_id) or record.patient  # as it stands now
        # The signature the message is for: the one made with the queued row (same transaction, same time) for
        # a signing; the latest before it for an addendum (then superseded: the report awaits a new signature).
        made_with = [sig for sig in case.signatures if sig.signed_at == row["queued_at"]]
        before = [sig for sig in case.signatures if sig.signed_at <= row["queued_at"]]
        candidates = made_with or before or list(case.signatures)
        signer = candidates[-1] if candidates else None
        authenticated = row["event"] == "sign" and bool(made_with)
        events = record.current_events()
        radiation = alerts.radiation_status(events)
        contrast = alerts.contrast_status(events, record.patient)
        values = tuple((k, v) for k, v in (("volume_ml", contrast.total_ml if contrast.total_ml else None),
                                           ("fluoro_time_s", radiation.fluoro_time_s),
                                           ("air_kerma_mgy", radiation.air_kerma_mgy),
                                           ("dap_gy_cm2", radiation.dap_gy_cm2)) if v is not None)
        earlier = hl7_store.earlier_messages(self.store, row["procedure_id"], int(row["message_id"]))
        proc = record.procedure
        return outbound.ReportContent(
            control_id=row["control_id"], message_type=row["message_type"], created_at=row["queued_at"],
            mrn=patient.mrn, family_name=patient.family_name, given_name=patient.given_name,
            birth_date=patient.birth_date, sex=patient.sex, procedure_id=proc.procedure_id,
            procedure=codes.procedure_code(proc.category, proc.planned), started_at=proc.started_at,
            signer_username=signer.username if signer else row["queued_by"],
            signer_name=signer.display_name if signer else row["queued_by"],
            signed_at=signer.signed_at if signer else row["queued_at"],
            signature_meaning=signer.meaning.value if signer else "", corrected=earlier > 0,
            authenticated=authenticated, sequence=earlier + 1,
            values=values, pdf=pdf)

    def build_pending(self, render: Renderer) -> int:
        """Build every queued message not built yet; returns how many were built."""
        settings = stored_values(self.store)
        parties = outbound.ReportParties(settings["hl7.application"], settings["hl7.facility"],
                                         settings["hl7.out_application"], settings["hl7.out_facility"])
        built = 0
        for row in hl7_store.unbuilt(self.store):
            try:
                case = self._case_file(row["procedure_id"])
                pdf = render(case)
                text = outbound.build(self.content(row, case, pdf), parties)
            except (CathlogError, outbound.InvalidReport, ValueError) as exc:
                self._fail(row, f"the report message could not be made: {' '.join(str(exc).split())[:400]}")
                continue
            now = self.now()
            with self.store.write():
                hl7_store.set_message(self.store, int(row["message_id"]), text, hashlib.sha256(pdf).hexdigest())
                self.audit(self._system(), "hl7_report_built", "hl7_outbox", str(row["message_id"]),
                           procedure_id=row["procedure_id"],
                           new={"control_id": row["control_id"], "message": outbound.without_payload(text)}, at=now)
            built += 1
        return built

    # --- send -----------------------------------------------------------------------------------

    def recover(self) -> int:
        """At the sender's start: every message left ``sent`` (no acknowledgement seen: the sender was
        stopped or killed meanwhile) is due now. Returns how many."""
        now = self.now()
        count = 0
        with self.store.write():
            for row in hl7_store.due(self.store, "9999-12-31T23:59:59Z", limit=100000):
                if row["state"] == "sent":
                    hl7_store.set_state(self.store, int(row["message_id"]), next_attempt_at=now)
                    count += 1
        return count

    def send_due(self, transport: Transport = mllp.send, limit: int = 20) -> list[SendResult]:
        """One pass of the sender: every due message, oldest first."""
        settings = stored_values(self.store)
        results = []
        for row in hl7_store.due(self.store, self.now(), limit):
            result = self._send_one(row, settings, transport)
            if result is not None:
                results.append(result)
        return results

    def _send_one(self, row: dict[str, Any], settings: dict[str, str], transport: Transport) -> SendResult | None:
        message_id, control_id = int(row["message_id"]), str(row["control_id"])
        if not settings["hl7.out_host"]:
            return None  # the receiver was unset: the message waits, queued, until one is set again
        # The receiver set now (it may have moved since the message was queued), kept with each try.
        destination = f"{settings['hl7.out_host']}:{settings['hl7.out_port']}"
        attempt = int(row["attempts"]) + 1
        now = self.now()
        retry_at = utc_iso(parse_utc_iso(now) + timedelta(seconds=backoff_s(attempt)))
        with self.store.write():  # the attempt counts before a byte leaves; it also claims the message
            current = hl7_store.outbox_row(self.store, message_id)
            if current is None or (current["state"], current["attempts"], current["next_attempt_at"]) != (
                    row["state"], row["attempts"], row["next_attempt_at"]):
                return None  # another sender (a second workstation) took it meanwhile
            hl7_store.set_state(self.store, message_id, attempts=attempt, last_attempt_at=now, next_attempt_at=retry_at,
                                destination=destination)
        host, port = settings["hl7.out_host"], settings["hl7.out_port"]

        def written() -> None:
            with self.store.write():
                hl7_store.set_state(self.store, message_id, state="sent")
                self.audit(self._system(), "hl7_send", "hl7_outbox", str(message_id), procedure_id=row["procedure_id"],
                           new={"control_id": control_id, "attempt": attempt, "destination": destination},
                           at=now)

        try:
            ack = transport(host, int(port), str(row["message"]), timeout_s=float(settings["hl7.ack_timeout_s"]),
                            on_written=written)
        except mllp.SendError as exc:
            return self._no_ack(row, attempt, str(exc), settings)
        code, acked_id, reason = inbound.ack_code(ack)
        if acked_id != control_id:
            return self._no_ack(row, attempt, f"the acknowledgement names control id {acked_id!r}, not {control_id!r}",
                                settings)
        if code in ("AA", "CA"):
            with self.store.write():
                hl7_store.set_state(self.store, message_id, state="acknowledged", acknowledged_at=self.now(),
                                    ack_code=code, reason=None)
                self.audit(self._system(), "hl7_acknowledged", "hl7_outbox", str(message_id),
                           procedure_id=row["procedure_id"], new={"control_id": control_id, "ack": code,
                                                                  "ack_message": ack[:20000]}, at=self.now())
            return SendResult(message_id, control_id, "acknowledged")
        if code in ("AE", "AR", "CE", "CR"):
            why = f"the receiver answered {code}" + (f": {reason}" if reason else "")
            self._fail(row, why, ack_code=code, ack=ack)
            return SendResult(message_id, control_id, "failed", why)
        return self._no_ack(row, attempt, f"an acknowledgement without a known MSA-1 code ({code!r})", settings)

    def _no_ack(self, row: dict[str, Any], attempt: int, why: str, settings: dict[str, str]) -> SendResult:
        message_id, control_id = int(row["message_id"]), str(row["control_id"])
        limit = int(settings["hl7.max_attempts"])
        if attempt >= limit:
            reason = f"no acknowledgement after {attempt} attempts; the last: {why}"
            self._fail(row, reason)
            return SendResult(message_id, control_id, "failed", reason)
        log.warning("HL7 report %s (attempt %s) not acknowledged: %s", control_id, attempt, why)
        with self.store.write():
            hl7_store.set_state(self.store, message_id, state="queued", reason=why[:500])
            self.audit(self._system(), "hl7_send_retry", "hl7_outbox", str(message_id), procedure_id=row["procedure_id"],
                       new={"control_id": control_id, "attempt": attempt}, reason=why[:500], at=self.now())
        return SendResult(message_id, control_id, "queued", why)

    def _fail(self, row: dict[str, Any], reason: str, ack_code: str | None = None, ack: str | None = None) -> None:
        log.warning("HL7 report %s failed: %s", row["control_id"], reason)
        with self.store.write():
            hl7_store.set_state(self.store, int(row["message_id"]), state="failed", reason=reason[:500],
                                ack_code=ack_code)
            self.audit(self._system(), "hl7_send_failed", "hl7_outbox", str(row["message_id"]),
                       procedure_id=row["procedure_id"],
                       new={"control_id": row["control_id"], "ack": ack_code, "ack_message": (ack or "")[:20000] or None},
                       reason=reason[:500], at=self.now())

    # --- the admin's outbox ---------------------------------------------------------------------------

    def outbox(self, actor: Actor, limit: int = 500) -> list[dict[str, Any]]:
        self.require(actor, Action.MANAGE_SETTINGS)
        return hl7_store.outbox_page(self.store, limit)

    def resend(self, actor: Actor, message_id: int, reason: str | None = None) -> None:
        """Send a message again, the same bytes under the same control id (the receiver may see a duplicate;
        that is what the control id is for). A message that was never built is built again first."""
        self.require(actor, Action.MANAGE_SETTINGS)
        with self.store.write():
            row = hl7_store.outbox_row(self.store, message_id)
            if row is None:
                raise NotFound(f"there is no outbox message {message_id}")
            if row["state"] in ("queued", "sent") and row["message"] is not None:
                raise ValidationError([Issue("message_id", message_id, f"message {message_id} is {row['state']}: "
                                             "it is being sent already", code="hl7_in_flight")])
            now = self.now()
            hl7_store.set_state(self.store, message_id, state="queued", attempts=0, next_attempt_at=now, reason=None,
                                ack_code=None, acknowledged_at=None)
            self.audit(actor, "hl7_resend", "hl7_outbox", str(message_id), procedure_id=row["procedure_id"],
                       old={"state": row["state"]}, new={"state": "queued", "control_id": row["control_id"]},
                       reason=reason, at=now)
