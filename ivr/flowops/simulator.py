"""A text phone: the real app in-process, signed webhooks, a throwaway database, nothing queued."""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from ivr.flowops import sandbox
from ivr.flowops.sandbox import AppFactory
from ivr.hotline import closures
from ivr.settings import Settings
from ivr.store import db

BASE = "http://localhost"
DIAL_STATUSES = ("completed", "busy", "no-answer", "failed")
SILENCE = {"-", "."}  # a script token: let the menu time out
MESSAGE = {"msg", "m"}  # a script token at a recording: leave a voice message
HOTLINE = "+4920274763333"
ENVIRON = ("IVR_CONFIG", "IVR_FLOWS_DIR")
"""The only environment a simulation takes over: which config and flows. Secrets and storage are its own."""


def local_time(text: str, tz: ZoneInfo | str) -> datetime:
    """An instant from local time in the hotline's timezone, e.g. "2026-12-24 10:00"."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Heard:
    """One thing the caller hears: spoken text, or a recorded file (with its text when known)."""

    text: str
    language: str = ""
    audio: str | None = None


@dataclass
class Turn:
    """One answer of the hotline: what is heard and what it waits for (keys, number, dial, record or end)."""

    heard: list[Heard] = field(default_factory=list)
    waits: str = "end"
    dialed: str | None = None
    action: str | None = None
    redirect: str | None = None


@dataclass
class Ending:
    """Where a call ended, read from the effects the webhooks wrote to the throwaway database."""

    kind: str  # transferred | callback | hung_up
    desk: str | None = None
    number: str | None = None

    def __str__(self) -> str:
        if self.kind == "transferred":
            return f"transferred to {self.number} (desk {self.desk})"
        if self.kind == "callback":
            return f"callback task for desk {self.desk} (call back {self.number})"
        return "caller hung up" + (f" (last at desk {self.desk})" if self.desk else "")


class Simulator:
    """Calls to the hotline app at a fixed clock, with some desks closed; make calls with `call()`.

    The app comes from `factory` (`ivr.create_app`) and is shared by every simulator of the same settings and
    flows version in this process, on a throwaway SQLite database.
    """

    def __init__(self, factory: AppFactory, at: datetime | None = None, closed: tuple[str, ...] = (),
                 environ: dict | None = None):
        env = {k: v for k, v in (environ or {}).items() if k in ENVIRON}
        self.sandbox = sandbox.acquire(factory, env)
        self.settings: Settings = self.sandbox.settings
        self.services = self.sandbox.services
        self.now = at or datetime.now(UTC)
        self._open = True
        for desk in closed:
            if desk not in self.settings.desks and desk != closures.HOUSE:
                self.close()
                raise ValueError(f"unknown desk {desk!r}; desks: {', '.join(self.settings.desks)}")
        self.closed = tuple(sorted(set(closed)))

    @property
    def timezone(self) -> ZoneInfo:
        """The hotline's configured timezone."""
        return ZoneInfo(self.settings.config.hotline.timezone)

    def local_time(self, text: str) -> datetime:
        """An instant from local time in the hotline's timezone, e.g. "2026-12-24 10:00"."""
        return local_time(text, self.timezone)

    def close(self) -> None:
        """Let go of the shared app (it closes once evicted and unused)."""
        if self._open:
            self._open = False
            sandbox.release(self.sandbox)

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def language_key(self, lang: str) -> str | None:
        """The key of the language menu that chooses `lang`."""
        bundle = self.services.store.current
        for node in bundle.flow.nodes.values():
            if node.language_menu:
                for key, target in node.options:
                    if target.language == lang:
                        return key
        return None

    def call(self, caller: str = "+4917612345678") -> Call:
        """Start a call; the first turn is in `Call.turns`."""
        return Call(self, caller)


class Call:
    """One simulated call: send keys with `press`, end it with `hang_up`."""

    def __init__(self, sim: Simulator, caller: str):
        self.sim, self.caller = sim, caller
        self.sid = "CA" + uuid.uuid4().hex
        self.turns: list[Turn] = []
        self.ended: Ending | None = None
        self._post("/voice/incoming")

    @property
    def last(self) -> Turn:
        return self.turns[-1]

    def _post(self, url: str, extra: dict[str, str] | None = None) -> None:
        url = url if "://" in url else BASE + url
        params = {"CallSid": self.sid, "AccountSid": "AC" + "0" * 32, "From": self.caller, "To": HOTLINE,
                  "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01"}
        params.update(extra or {})
        signature = RequestValidator(self.sim.settings.twilio_auth_token).compute_signature(url, params)
        response = self.sim.sandbox.post(self.sim.now, self.sim.closed, url, params, signature)
        if response.status_code == 204:
            return
        turn = self._parse(response.data)
        self.turns.append(turn)
        if turn.redirect and turn.waits == "end":  # speech then Redirect: Twilio follows at once
            self._post(turn.redirect)

    def _parse(self, body: bytes) -> Turn:
        turn = Turn()
        for verb in ET.fromstring(body):
            if verb.tag == "Gather":
                turn.heard += [self._heard(e) for e in verb]
                turn.waits = "number" if verb.attrib.get("finishOnKey") == "#" else "keys"
                turn.action = verb.attrib["action"]
            elif verb.tag in ("Say", "Play"):
                turn.heard.append(self._heard(verb))
            elif verb.tag == "Dial":
                turn.waits, turn.action = "dial", verb.attrib["action"]
                turn.dialed = next((n.text for n in verb.iter("Number")), None)
            elif verb.tag == "Record":
                turn.waits, turn.action = "record", verb.attrib["action"]
            elif verb.tag == "Redirect":
                turn.redirect = verb.text
        return turn

    def _heard(self, element: ET.Element) -> Heard:
        if element.tag == "Say":
            return Heard(element.text or "", element.attrib.get("language", ""))
        path = urlsplit(element.text or "").path
        audio = path.split("/static/audio/", 1)[-1]
        lang, _, name = audio.partition("/")
        prompt = name.split(".")[0]
        text = self.sim.services.store.current.prompts.get(prompt, {}).get(lang, "")
        if prompt.startswith(("digit_", "number_")):
            text = prompt.split("_", 1)[1]
        return Heard(text, lang, audio)

    def press(self, token: str) -> None:
        """Answer what the hotline waits for: keys, a number, a dial result (busy, ...) or a message."""
        turn = self.last
        if turn.waits in ("keys", "number"):
            digits = token.rstrip("#") if turn.waits == "number" else token  # Twilio drops the finish key
            finished = "#" if digits != token else ""
            extra = {} if token in SILENCE else {"Digits": digits, "FinishedOnKey": finished}
            self._post(turn.action or "", extra)
        elif turn.waits == "dial":
            status = "completed" if token in ("answered", "1") else token
            status = status if status in DIAL_STATUSES else "completed"
            self._post(turn.action or "", {"DialCallStatus": status, "DialCallDuration": "30"})
        elif turn.waits == "record":
            if token in MESSAGE:
                sid = "RE" + uuid.uuid4().hex
                self._post(turn.action or "", {"RecordingUrl": f"https://api.twilio.com/Recordings/{sid}",
                                               "RecordingSid": sid, "RecordingDuration": "10", "Digits": "#"})
            else:
                self._post(turn.redirect or turn.action or "")

    def hang_up(self) -> Ending:
        """End the call as Twilio would, and read where it ended."""
        self._post("/voice/status", {"CallStatus": "completed", "CallDuration": "60", "SequenceNumber": "1"})
        self.ended = self._ending()
        return self.ended

    def _ending(self) -> Ending:
        events = db.events
        query = sa.select(events.c.kind, events.c.payload).where(events.c.call_sid == self.sid) \
            .order_by(events.c.id)
        with self.sim.services.engine.connect() as conn:
            rows = [(kind, json.loads(payload)) for kind, payload in conn.execute(query)]
        desks = self.sim.settings.desks
        for kind, payload in rows:
            if kind == "callback":
                return Ending("callback", payload["desk"], payload.get("phone"))
        for kind, payload in rows:
            if kind == "reached" and payload.get("outcome") == "transferred":
                desk = payload["desk"]
                dialed = next((t.dialed for t in reversed(self.turns) if t.dialed), desks[desk].number)
                return Ending("transferred", desk, dialed)
        last_dial = next((t.dialed for t in reversed(self.turns) if t.dialed), None)
        desk = next((d for d, info in desks.items() if info.number == last_dial), None)
        return Ending("hung_up", desk, last_dial)


def run_script(sim: Simulator, tokens: list[str], caller: str = "+4917612345678",
               lang: str | None = None) -> Call:
    """Make one call: choose `lang` in the language menu, press each token, then hang up."""
    call = sim.call(caller)
    key = sim.language_key(lang) if lang else None
    for token in ([key] if key else []) + tokens:
        answer_dial(call, token)
        if call.last.waits == "end":
            break
        call.press(token)
    answer_dial(call, None)
    call.hang_up()
    return call


def answer_dial(call: Call, token: str | None) -> None:
    """A desk that is dialled answers, unless the next token says busy, no-answer or failed."""
    if call.last.waits == "dial" and token not in DIAL_STATUSES + ("answered",):
        call.press("completed")
