"""A text phone: the real app in-process, signed webhooks, a throwaway database, nothing queued."""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from ivr.flowops import sandbox
from ivr.flowops.sandbox import AppFactory
from ivr.flowops.sandbox import Staff
from ivr.hotline import choice
from ivr.hotline import closures
from ivr.hotline import presence
from ivr.hotline import queueing
from ivr.settings import Settings
from ivr.store import db

BASE = "http://localhost"
DIAL_STATUSES = ("completed", "busy", "no-answer", "failed")
SILENCE = {"-", "."}  # a script token: let the menu time out
MESSAGE = {"msg", "m"}  # a script token at a recording: leave a voice message
HOTLINE = "+4920274763333"
ENVIRON = ("IVR_CONFIG", "IVR_FLOWS_DIR")
"""The only environment a simulation takes over: which config and flows. Secrets and storage are its own."""
HOLD_SECONDS = 15
"""One stretch of waiting in a queue (the wait answer's music): what "-" lets pass."""
TALK_SECONDS = 120
"""How long a simulated person talks with the caller they took."""


class AgentsError(ValueError):
    """An --agents text that names no queue desk or an unknown language."""


def parse_agents(text: str | None, settings: Settings) -> Staff:
    """"info:de,ar;helpers:de+en" -> one simulated person per language item at each queue desk ("de+en": one
    person speaking both)."""
    staff: list[tuple[str, tuple[str, ...]]] = []
    languages = settings.config.languages
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        desk, _, items = part.partition(":")
        desk = desk.strip()
        config = settings.desks.get(desk)
        if config is None or config.connect != "queue":
            queues = [d for d, c in settings.desks.items() if c.connect == "queue"]
            raise AgentsError(f"{desk!r} is not a queue desk; queue desks: {', '.join(queues) or 'none'}")
        for item in items.split(","):
            spoken = tuple(dict.fromkeys(x.strip() for x in item.split("+") if x.strip()))
            unknown = [x for x in spoken if x not in languages]
            if not spoken or unknown:
                raise AgentsError(f"{desk}: give languages as de,ar (one person each) or de+ar (one person "
                                  f"speaking both), of {', '.join(languages)}")
            staff.append((desk, spoken))
    return tuple(staff)


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


class Note(str):
    """A line of what happened beside the caller's ear, in English; `key` and `params` let a page say it in its
    interface language (the browser phone: translation "sim_note_<key>")."""

    key: str
    params: dict[str, str]

    def __new__(cls, key: str, text: str, **params: str) -> Note:
        note = super().__new__(cls, text.format(**params))
        note.key, note.params = key, params
        return note


@dataclass
class Turn:
    """One answer of the hotline: what is heard and what it waits for (keys, number, dial, record or end)."""

    heard: list[Heard] = field(default_factory=list)
    waits: str = "end"  # keys | number | dial | record | queue (in a desk's queue) | leave | end
    dialed: str | None = None
    action: str | None = None
    redirect: str | None = None
    queue: str | None = None  # the Twilio queue an <Enqueue> put the caller in
    wait_url: str | None = None
    notes: list[str] = field(default_factory=list)
    """What happened beside the caller's ear before this turn: who was offered the call, who answered."""


@dataclass
class Ending:
    """Where a call ended, read from the effects the webhooks wrote to the throwaway database."""

    kind: str  # transferred | answered | callback | hung_up
    desk: str | None = None
    number: str | None = None
    person: str | None = None  # answered: the simulated person who took the call

    def __str__(self) -> str:
        if self.kind == "answered":
            return f"answered by {self.person} (desk {self.desk}, live queue)"
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
                 environ: dict | None = None, agents: str | None = None):
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
        try:
            self.staff: Staff = parse_agents(agents, self.settings)
        except AgentsError:
            self.close()
            raise

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
        """Start a call (with this simulation's people available, and nobody else); the first turn is in
        `Call.turns`."""
        self.sandbox.sign_in(self.staff, self.now)
        return Call(self, caller)


class Call:
    """One simulated call: send keys with `press`, end it with `hang_up`."""

    def __init__(self, sim: Simulator, caller: str):
        self.sim, self.caller = sim, caller
        self.sid = "CA" + uuid.uuid4().hex
        self.turns: list[Turn] = []
        self.ended: Ending | None = None
        self.queue: dict[str, str] | None = None
        """While in a desk's queue: its Enqueue action and wait URL, and the figures Twilio sends with a wait."""
        self._notes: list[str] = []  # for the next turn
        self._post("/voice/incoming")

    @property
    def queued(self) -> bool:
        """True while the caller waits in a desk's queue."""
        return self.queue is not None

    @property
    def last(self) -> Turn:
        return self.turns[-1]

    def _send(self, url: str, extra: dict[str, str] | None = None, leg: dict[str, str] | None = None) -> Any:
        """A signed webhook of this call (or of `leg`, a person's call, when given)."""
        url = url if "://" in url else BASE + url
        params = leg or {"CallSid": self.sid, "AccountSid": "AC" + "0" * 32, "From": self.caller, "To": HOTLINE,
                         "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01"}
        if self.queue is not None and leg is None and "/voice/queue/" in url:
            extra = {**{k: v for k, v in self.queue.items() if k[0].isupper()}, **(extra or {})}
        params = {**params, **(extra or {})}
        signature = RequestValidator(self.sim.settings.twilio_auth_token).compute_signature(url, params)
        return self.sim.sandbox.post(self.sim.now, self.sim.closed, url, params, signature, self.sim.staff)

    def _post(self, url: str, extra: dict[str, str] | None = None) -> None:
        response = self._send(url, extra)
        if response.status_code == 204:
            return
        turn = self._parse(response.data)
        turn.notes, self._notes = self._notes, []
        self.turns.append(turn)
        if turn.waits == "queue":  # Twilio puts the caller in the queue and asks the wait URL what they hear
            self.queue = {"action": turn.action or "", "wait": turn.wait_url or "", "QueueSid": "QU" + uuid.uuid4().hex,
                          "QueuePosition": "1", "QueueTime": "0", "CurrentQueueSize": "1"}
            self._post(self.queue["wait"])
        elif turn.waits == "leave":  # out of the queue: Twilio posts the Enqueue's action at once
            self._queue_ends("leave")
        elif turn.redirect and turn.waits == "end":  # speech then Redirect: Twilio follows at once
            self._post(turn.redirect)

    def _queue_ends(self, result: str) -> None:
        queue, self.queue = self.queue, None
        if queue is not None:
            if result != "bridged":
                self._notes.append(Note("left", "⇠ out of the queue after {seconds} s (QueueResult {result})",
                                        seconds=queue["QueueTime"], result=result))
            self._post(queue["action"], {"QueueResult": result, "QueueSid": queue["QueueSid"],
                                         "QueueTime": queue["QueueTime"]})

    def _wait_on(self) -> None:
        """A stretch of hold music passes; a simulated person may take the call meanwhile, else Twilio asks the
        wait URL again (the place is the caller's in their language's queue, as Twilio counts it)."""
        assert self.queue is not None
        self.sim.now += timedelta(seconds=HOLD_SECONDS)
        self.queue["QueueTime"] = str(int(self.queue["QueueTime"]) + HOLD_SECONDS)
        if self._offer():
            return
        with self.sim.services.engine.connect() as conn:
            found = queueing.entry(conn, self.sid)
            if found is not None and found.state in queueing.LIVE:
                ahead = queueing.position(conn, found)
                size = sum(1 for e in queueing.waiting(conn, found.desk) if e.language == found.language)
                self.queue.update(QueuePosition=str(ahead), CurrentQueueSize=str(size))
        self._post(self.last.redirect or self.queue["wait"])

    def _offer(self) -> bool:
        """The worker's choice, as `workers.dispatch` makes it (choice.choose over this caller and the desk's free
        simulated people); the chosen person's phone rings: whisper, 1, the bridge. True when the call was
        answered."""
        sim, now = self.sim, self.sim.now
        with sim.sandbox.lock:
            sim.sandbox.staffed(sim.staff, now)
            with sim.services.engine.begin() as conn:
                found = queueing.entry(conn, self.sid)
                if found is None or found.state != queueing.WAITING or found.leave_reason is not None:
                    return False
                free = {a.user_id: a for a in queueing.agents(conn, now, found.desk)
                        if a.status == presence.AVAILABLE and a.busy_with is None and a.username.startswith(
                            sandbox.PEOPLE) and (a.phone or "").strip()}
                people = [choice.Free(a.user_id, frozenset(a.desks), frozenset(a.languages), a.idle_since)
                          for a in free.values()]
                fallback = sim.settings.desks[found.desk].language_fallback_seconds
                pairs = choice.choose([choice.Waiting(found.id, found.desk, found.language, found.joined_at)],
                                      people, now, {found.desk: fallback})
                if not pairs or not queueing.offer(conn, found.id, pairs[0][1].user_id, now):
                    return False
            person = free[pairs[0][1].user_id]
            return self._answer(found, person)

    def _answer(self, found: queueing.Entry, person: queueing.Agent) -> bool:
        """The offered person's call: the whisper, 1 to accept, Twilio's bridge, the talk, the end."""
        ids = f"e={found.id}&u={person.user_id}"
        leg = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32, "From": HOTLINE,
               "To": person.phone or "", "CallStatus": "in-progress", "Direction": "outbound-api",
               "ApiVersion": "2010-04-01"}
        whisper = self._parse(self._send(f"/voice/agent/whisper?{ids}", leg=leg).data)
        said = " ".join(h.text for h in whisper.heard[:1])
        self._notes.append(Note("offered", "☏ {person} ({languages}) is offered the call: «{said}»",
                                person=person.username, languages=", ".join(person.languages), said=said))
        if whisper.waits != "keys":
            return False
        accepted = ET.fromstring(self._send(whisper.action or "", {"Digits": "1"}, leg=leg).data)
        queue = accepted.find("Dial/Queue")
        dial = accepted.find("Dial")
        if queue is None or dial is None:
            self._notes.append(Note("taken", "✗ {person} pressed 1, the call was not theirs any more",
                                    person=person.username))
            return False
        assert self.queue is not None
        waited, queue_sid = self.queue["QueueTime"], self.queue["QueueSid"]
        self._send(queue.attrib["url"], {"QueueSid": queue_sid, "QueueTime": waited,
                                         "DequeingCallSid": leg["CallSid"]})
        self._notes.append(Note("answered", "✓ {person} pressed 1: the call is answered after {seconds} s in the queue",
                                person=person.username, seconds=waited))
        self.sim.now += timedelta(seconds=TALK_SECONDS)
        self._queue_ends("bridged")
        self._send(dial.attrib["action"], {"DialCallStatus": "completed", "DialCallDuration": str(TALK_SECONDS),
                                           "QueueSid": queue_sid, "QueueTime": waited}, leg=leg)
        return True

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
            elif verb.tag == "Enqueue":
                turn.waits, turn.action, turn.queue = "queue", verb.attrib["action"], verb.text
                turn.wait_url = verb.attrib.get("waitUrl")
            elif verb.tag == "Leave":
                turn.waits = "leave"
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
        """Answer what the hotline waits for: keys, a number, a dial result (busy, ...) or a message; in a
        desk's queue, - (or no key) waits on while a simulated person may take the call, 1 leaves for the
        callback."""
        turn = self.last
        if self.queue is not None and (token in SILENCE or turn.waits != "keys"):
            self._wait_on()
        elif turn.waits in ("keys", "number"):
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
        """End the call as Twilio would (a caller still in a queue leaves it: QueueResult hangup), and read where
        it ended."""
        self._queue_ends("hangup")
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
            if kind == "reached" and payload.get("outcome") == "answered":
                with self.sim.services.engine.connect() as conn:
                    found = queueing.entry(conn, self.sid)
                    who = conn.execute(sa.select(db.users.c.username).where(
                        db.users.c.id == found.agent_id)).scalar() if found and found.agent_id else None
                return Ending("answered", payload["desk"], None, who)
        for kind, payload in rows:
            if kind == "reached" and payload.get("outcome") == "transferred":
                desk = payload["desk"]
                dialed = next((t.dialed for t in reversed(self.turns) if t.dialed), desks[desk].number)
                return Ending("transferred", desk, dialed)
        last_dial = next((t.dialed for t in reversed(self.turns) if t.dialed), None)
        desk = next((d for d, info in desks.items() if info.number == last_dial), None)
        return Ending("hung_up", desk, last_dial)


MAX_WAITS = 400
"""Stretches a scripted caller waits in queues at most (a desk's max_wait ends a wait long before)."""


def run_script(sim: Simulator, tokens: list[str], caller: str = "+4917612345678",
               lang: str | None = None) -> Call:
    """Make one call: choose `lang` in the language menu, press each token, then hang up (a caller still in a
    queue when the tokens run out waits on until a person answers or the queue lets them go)."""
    call = sim.call(caller)
    key = sim.language_key(lang) if lang else None
    for token in ([key] if key else []) + tokens:
        answer_dial(call, token)
        if call.last.waits == "end":
            break
        call.press(token)
    wait_out(call)
    answer_dial(call, None)
    call.hang_up()
    return call


def wait_out(call: Call) -> None:
    """Wait in the queue until answered or sent out of it."""
    for _ in range(MAX_WAITS):
        if not call.queued:
            return
        call.press("-")


def answer_dial(call: Call, token: str | None) -> None:
    """A desk that is dialled answers, unless the next token says busy, no-answer or failed."""
    if call.last.waits == "dial" and token not in DIAL_STATUSES + ("answered",):
        call.press("completed")
