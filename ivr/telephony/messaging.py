"""Twilio's Messaging API: send one SMS to a caller (from the Messaging Service or the sender in config), its
delivery states reported to `/sms/status` on IVR_PUBLIC_URL."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.settings import Settings
from ivr.telephony.rest import public_base
from ivr.telephony.rest import rest_client

STATUS_PATH = "/sms/status"
"""Where Twilio reports an SMS's delivery states (queued, sent, delivered, undelivered, failed)."""
STATUSES = frozenset({"accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered", "failed",
                      "canceled", "read", "receiving", "received", "partially_delivered"})
"""Every MessageStatus Twilio may report."""
FINAL = frozenset({"delivered", "undelivered", "failed", "canceled"})
"""States after which an SMS changes no more."""


@dataclass(frozen=True)
class Sent:
    """What Twilio answered to a message: its SID and first state."""

    sid: str
    status: str


def sender(settings: Settings) -> dict[str, str]:
    """Who sends: the Messaging Service when configured, else the sender in config, else the hotline's number."""
    sms = settings.config.sms
    if sms.messaging_service_sid:
        return {"messaging_service_sid": sms.messaging_service_sid}
    return {"from_": sms.sender or settings.config.hotline.number}


def send(settings: Settings, to: str, body: str) -> Sent:
    """Create one message at Twilio (raises TwilioRestException when refused, a requests error when unreachable)."""
    message = rest_client(settings).messages.create(
        to=to, body=body, status_callback=public_base(settings) + STATUS_PATH, **sender(settings))
    return Sent(message.sid, message.status or "queued")
