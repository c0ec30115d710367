"""A test caller that behaves like Twilio: signs requests, follows action and Redirect URLs, presses keys."""

from __future__ import annotations

import inspect
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import urljoin

from twilio.request_validator import RequestValidator
from twilio.twiml import voice_response

Post = Callable[[str, dict[str, str], dict[str, str]], tuple[int, bytes]]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _known() -> dict[str, set[str]]:
    """Verb -> attribute names, read from the twilio library's VoiceResponse, Gather and Dial methods."""
    known: dict[str, set[str]] = {"Response": set()}
    for owner in (voice_response.VoiceResponse, voice_response.Gather, voice_response.Dial):
        for name, method in inspect.getmembers(owner, inspect.isfunction):
            if name.startswith("_"):
                continue
            params = [p for p in inspect.signature(method).parameters if p not in ("self", "kwargs")]
            tag = name[0].upper() + name[1:]
            known.setdefault(tag, set()).update(_camel(p) for p in params[1:] if p not in ("message", "url", "name",
                                                                                           "number", "body"))
            known[tag].update(_camel(p) for p in params)
    return known


KNOWN = _known()


def check_twiml(body: bytes) -> ET.Element:
    """Parse TwiML; assert a Response root and only verbs and attributes the twilio library knows."""
    root = ET.fromstring(body)
    assert root.tag == "Response", f"root is {root.tag}"
    for element in root.iter():
        assert element.tag in KNOWN, f"unknown verb <{element.tag}>"
        unknown = set(element.attrib) - KNOWN[element.tag]
        assert not unknown, f"<{element.tag}> has unknown attributes {unknown}"
    return root


@dataclass
class Turn:
    """One TwiML document the caller received."""

    url: str
    root: ET.Element

    @property
    def verbs(self) -> list[ET.Element]:
        return list(self.root)

    @property
    def says(self) -> list[str]:
        return [e.text or "" for e in self.root.iter("Say")]

    @property
    def plays(self) -> list[str]:
        return [e.text or "" for e in self.root.iter("Play")]

    @property
    def text(self) -> str:
        return " ".join(self.says)

    def first(self, tag: str) -> ET.Element | None:
        return next(iter(self.root.iter(tag)), None)

    @property
    def gather(self) -> ET.Element | None:
        return self.first("Gather")

    @property
    def dial(self) -> ET.Element | None:
        return self.first("Dial")

    @property
    def dialed(self) -> str | None:
        number = self.first("Number")
        return number.text if number is not None else None

    @property
    def hung_up(self) -> bool:
        return self.first("Hangup") is not None

    @property
    def record(self) -> ET.Element | None:
        return self.first("Record")

    @property
    def enqueue(self) -> ET.Element | None:
        return self.first("Enqueue")

    @property
    def left(self) -> bool:
        """The document takes the caller out of the queue (`<Leave/>`)."""
        return self.first("Leave") is not None


@dataclass
class Phone:
    """Drives one call through the webhooks the way Twilio does."""

    post: Post
    base: str
    token: str
    caller: str = "+4917612345678"
    to: str = "+4920274763333"
    call_sid: str = field(default_factory=lambda: "CA" + uuid.uuid4().hex)
    account_sid: str = "AC" + "0" * 32
    turns: list[Turn] = field(default_factory=list)
    status_seq: int = 0
    sent: list[tuple[str, dict[str, str], dict[str, str]]] = field(default_factory=list)
    """Every request as posted (URL, form, headers), for tests that replay or tamper with one."""
    queue: dict[str, str] | None = None
    """While the caller is in a Twilio queue: its Enqueue's action and waitUrl, and the queue figures Twilio sends
    with each wait request (QueuePosition, QueueTime, CurrentQueueSize, QueueSid)."""

    def _params(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Twilio's standard parameters (shared/reference/twilio.md §2.1), as real payloads carry them: the
        legacy Caller/Called duplicates and the geographic fields, empty when unknown."""
        params = {"CallSid": self.call_sid, "AccountSid": self.account_sid, "From": self.caller, "To": self.to,
                  "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01",
                  "Caller": self.caller, "Called": self.to}
        for prefix, number in (("From", self.caller), ("Caller", self.caller), ("To", self.to),
                               ("Called", self.to)):
            country = "DE" if number.startswith("+49") else ""
            params.update({prefix + "City": "", prefix + "State": "", prefix + "Zip": "", prefix + "Country": country})
        params.update(extra or {})
        return params

    def send(self, url: str, extra: dict[str, str] | None = None, expect: int = 200) -> tuple[int, bytes]:
        """Post a signed webhook (in a queue's wait, with the queue's figures, as Twilio does)."""
        url = urljoin(self.base + "/", url)
        if self.queue is not None and "/voice/queue/" in url:
            extra = {**{k: v for k, v in self.queue.items() if k[0].isupper()}, **(extra or {})}
        params = self._params(extra)
        headers = {"X-Twilio-Signature": RequestValidator(self.token).compute_signature(url, params)}
        self.sent.append((url, params, headers))
        status, body = self.post(url, params, headers)
        assert status == expect, f"{url} answered {status}: {body[:300]!r}"
        return status, body

    def _turn(self, url: str, extra: dict[str, str] | None = None) -> Turn:
        _, body = self.send(url, extra)
        turn = Turn(url, check_twiml(body))
        self.turns.append(turn)
        verbs = turn.verbs
        if turn.enqueue is not None:  # Twilio puts the caller in the queue and asks the waitUrl what they hear
            self.queue = {"action": turn.enqueue.attrib["action"], "wait": turn.enqueue.attrib["waitUrl"],
                          "QueueSid": "QU" + uuid.uuid4().hex, "QueuePosition": "1", "QueueTime": "0",
                          "CurrentQueueSize": "1"}
            return turn
        if turn.left and self.queue is not None:  # out of the queue: Twilio posts the Enqueue's action at once
            return self.queue_ends("leave")
        # Twilio runs verbs in order; a trailing Redirect after only speech is followed at once
        if verbs and verbs[-1].tag == "Redirect" and not any(v.tag in ("Gather", "Dial", "Record") for v in verbs):
            return self._turn(verbs[-1].text or "")
        return turn

    def wait(self, position: int | None = None, queue_time: int | None = None, size: int | None = None,
             url: str | None = None) -> Turn:
        """Twilio asks what the waiting caller hears next: the Enqueue's waitUrl the first time, then the wait
        document's Redirect (its Gather ended without a key); with the queue's figures as they are now."""
        assert self.queue is not None, "the caller is in no queue"
        for key, value in (("QueuePosition", position), ("QueueTime", queue_time), ("CurrentQueueSize", size)):
            if value is not None:
                self.queue[key] = str(value)
        if url is None:
            last = self.last.verbs[-1] if self.turns and self.last.verbs else None
            url = last.text if last is not None and last.tag == "Redirect" and "/voice/queue/" in (last.text or "") \
                else self.queue["wait"]
        return self._turn(url or "")

    def queue_ends(self, result: str, queue_time: int | None = None) -> Turn:
        """The caller leaves Twilio's queue: the Enqueue's action with a QueueResult (bridged, leave, hangup, ...)."""
        assert self.queue is not None, "the caller is in no queue"
        queue, self.queue = self.queue, None
        extra = {"QueueResult": result, "QueueSid": queue["QueueSid"],
                 "QueueTime": str(queue_time) if queue_time is not None else queue["QueueTime"]}
        return self._turn(queue["action"], extra)

    @property
    def last(self) -> Turn:
        return self.turns[-1]

    def call(self) -> Turn:
        """Dial the hotline."""
        return self._turn("/voice/incoming")

    def press(self, digits: str) -> Turn:
        """Answer the current Gather with keys (finish key not included)."""
        gather = self.last.gather
        assert gather is not None, f"no Gather to press {digits!r} into: {self.last.text}"
        return self._turn(gather.attrib["action"], {"Digits": digits, "FinishedOnKey": ""})

    def silence(self) -> Turn:
        """Let the current Gather time out (actionOnEmptyResult posts no Digits)."""
        gather = self.last.gather
        assert gather is not None, "no Gather to wait in"
        return self._turn(gather.attrib["action"])

    def dial_ends(self, status: str) -> Turn:
        """Finish the current Dial with a DialCallStatus (completed, busy, no-answer, failed)."""
        dial = self.last.dial
        assert dial is not None, f"no Dial in: {self.last.text}"
        answered = status == "completed"
        return self._turn(dial.attrib["action"], {"DialCallStatus": status, "DialCallSid": "CA" + uuid.uuid4().hex,
                                                  "DialCallDuration": "30" if answered else "0",
                                                  "DialBridged": "true" if answered else "false"})

    def leave_message(self, sid: str = "RE" + "1" * 32, duration: int = 12) -> Turn:
        """Record a voice message into the current Record."""
        record = self.last.record
        assert record is not None, "no Record"
        url = f"https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/{sid}"
        return self._turn(record.attrib["action"], {"RecordingUrl": url, "RecordingSid": sid,
                                                    "RecordingDuration": str(duration), "Digits": "#"})

    def hang_up(self, status: str = "completed", duration: int = 60) -> None:
        """Twilio's status callback at the end of the call (§2.11; SequenceNumber counts from 0)."""
        self.send("/voice/status", {"CallStatus": status, "CallDuration": str(duration),
                                    "Duration": str((duration + 59) // 60), "SequenceNumber": str(self.status_seq),
                                    "CallbackSource": "call-progress-events",
                                    "Timestamp": "Tue, 24 Nov 2026 18:30:00 +0000"}, expect=204)
        self.status_seq += 1


def digits_in(text: str) -> str:
    """Return the longest read-back in a text ("0 1 7 6 ..." -> "0176...")."""
    runs = re.findall(r"\d(?: \d)+", text)
    return max(runs, key=len).replace(" ", "") if runs else ""
