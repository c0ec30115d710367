"""The compiled, immutable flow model and the data a step takes and returns."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from datetime import datetime
from enum import Enum

from ivr.engine.hours import Closure
from ivr.engine.hours import DeskStatus


class NodeType(str, Enum):
    """The kinds of node a flow may use."""

    SAY = "say"
    ANNOUNCEMENT = "announcement"
    MENU = "menu"
    DESK = "desk"
    CALLBACK = "callback"
    GOTO = "goto"
    HANGUP = "hangup"


class QueueLine(str, Enum):
    """How a queue desk that is open by its hours can be reached right now."""

    QUEUE = "queue"  # somebody is signed in: the caller waits in the desk's queue
    NOBODY = "nobody"  # nobody is signed in: the no-one-available path at once
    UNAVAILABLE = "unavailable"  # presence cannot be read (Redis down): the desk's number is dialled


QUEUE_RESULTS = ("bridged", "bridging-in-process", "error", "hangup", "leave", "redirected",
                 "redirected-from-bridged", "queue-full", "system-error")
"""What Twilio reports as `QueueResult` on an `<Enqueue>` action; only bridged, hangup and leave are not errors."""
LEAVE_REASONS = ("caller", "timeout", "closed", "nobody", "error")
"""Why a caller left a queue: pressed 1, waited the desk's max_wait, desk closed, nobody signed in, bad input."""


def queue_name(desk: str, language: str) -> str:
    """Twilio's queue of a desk's callers in one language (at most 64 characters)."""
    return f"{desk}-{language}"[:64]


class Outcome(str, Enum):
    """How a call ended, as stored in the call record."""

    TRANSFERRED = "transferred"
    ANSWERED = "answered"  # a person took the call from a desk's live queue
    CALLBACK_REQUESTED = "callback_requested"
    ABANDONED = "abandoned"
    ERROR = "error"


@dataclass(frozen=True)
class SayRef:
    """A prompt to speak, in the call's language unless `language` forces one."""

    prompt: str
    language: str | None = None


@dataclass(frozen=True)
class Target:
    """A key's destination and the language it chooses, if any."""

    node: str
    language: str | None = None


@dataclass(frozen=True)
class Node:
    """One compiled node."""

    id: str
    type: NodeType
    line: int
    say: tuple[SayRef, ...] = ()
    next: str | None = None
    options: tuple[tuple[str, Target], ...] = ()
    no_input: Target | None = None
    on_failure: str | None = None
    max_retries: int = 2
    timeout: int = 8
    desk: str | None = None
    language_menu: bool = False
    description: str = ""

    def option(self, digit: str) -> Target | None:
        """Return the target of a key, or None."""
        for key, target in self.options:
            if key == digit:
                return target
        return None


@dataclass(frozen=True)
class LanguageInfo:
    """How one language is spoken: a Twilio voice, or recorded audio."""

    id: str
    name: str
    voice: str | None
    tts_language: str
    audio: bool


@dataclass(frozen=True)
class Flow:
    """A compiled flow: nodes by id, with its start node and offered languages."""

    id: str
    file: str
    start: str
    languages: tuple[str, ...]
    nodes: Mapping[str, Node]


@dataclass(frozen=True)
class Bundle:
    """Everything a call needs, compiled from one version of flows, prompts and config."""

    version: str
    flows: Mapping[str, Flow]
    entry: str
    prompts: Mapping[str, Mapping[str, str]]
    languages: Mapping[str, LanguageInfo]
    available: frozenset[str]  # languages whose audio is complete
    audio_files: frozenset[str]  # "<lang>/<name>.wav" that exist
    default_language: str
    fallback_desk: str
    desk_numbers: Mapping[str, str]
    promise_hours: Mapping[str, int]
    menu_timeout: int
    menu_retries: int
    dial_timeout: int
    entry_attempts: int
    recording_seconds: int
    callback_limit: int
    warnings: tuple[str, ...] = ()
    recordings: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (prompt, language) -> audio URL
    desk_connect: Mapping[str, str] = field(default_factory=dict)  # desk -> "dial" | "queue" (absent: dial)

    def queues(self, desk: str) -> bool:
        """True when callers reach this desk through its live queue rather than by dialling its number."""
        return self.desk_connect.get(desk) == "queue"

    @property
    def flow(self) -> Flow:
        """The flow a new call starts in."""
        return self.flows[self.entry]


MAX_PATH = 48
"""Nodes a state carries in its URL; a longer call keeps counting (depth) and its later nodes live in Redis only."""


@dataclass(frozen=True)
class State:
    """Where a call is between two webhooks; travels in the action URL, never in process memory."""

    node: str
    lang: str
    version: str
    flow: str = ""
    retries: int = 0
    sub: str = ""  # sub-step inside a desk or callback node
    entries: int = 0  # failed number entries
    number: str | None = None  # entered callback number (encrypted in the URL)
    path: tuple[str, ...] = ()  # the call's nodes so far (the first MAX_PATH), so a durable event can carry them
    depth: int = 0  # how many nodes the call passed before this state: the position of the next one

    def at(self, node: str, **changes: object) -> State:
        """Return the state at another node, with retry counters reset."""
        base = {"retries": 0, "sub": "", "entries": 0, "number": None}
        base.update(changes)
        return replace(self, node=node, **base)  # type: ignore[arg-type]

    def but(self, **changes: object) -> State:
        """Return a copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Event:
    """What Twilio reported with this webhook."""

    digits: str | None = None  # None: no key pressed (timeout); "" counts as none too
    dial_status: str | None = None
    recording_url: str | None = None
    recording_sid: str | None = None
    recording_duration: int | None = None
    call_sid: str = ""
    queue_result: str | None = None  # Twilio's QueueResult on the <Enqueue> action (see QUEUE_RESULTS)
    leave_reason: str | None = None  # why the caller left the queue (LEAVE_REASONS), from the queue entry
    queue_time: int | None = None  # seconds the caller was in Twilio's queue
    queue_position: int | None = None


DEFAULT_WINDOWS: Mapping[str, str] = {"1": "morning", "2": "afternoon", "3": "any"}
"""When a caller may be called back, by key: no key (or no answer) is any time."""
ANY_WINDOW = "any"


@dataclass(frozen=True)
class NumberCheck:
    """The verdict on a callback number."""

    ok: bool
    e164: str | None = None
    reason: str = ""  # invalid | premium | country | short
    mobile: bool = False  # a mobile number: it can take the SMS confirmation


@dataclass
class Context:
    """The world as the webhook sees it; callables may do time-bounded reads and return None on failure."""

    now: datetime
    caller: str | None
    desk_status: Callable[[str], DeskStatus]
    check_number: Callable[[str], NumberCheck]
    has_open_callback: Callable[[str, str], bool | None] = lambda desk, phone: None
    callbacks_today: Callable[[str], int | None] = lambda phone: None
    announcement: Callable[[], Closure | None] = lambda: None
    overflow_number: Callable[[], str | None] = lambda: None
    queue_line: Callable[[str], QueueLine] = lambda desk: QueueLine.UNAVAILABLE
    """A queue desk's line now; without presence (the default) its number is dialled as before the queue."""
    promise_day: Callable[[str, str], date | None] = lambda desk, window: None
    """The day by which a desk calls back inside a window (None: unknown, the promise is said in hours)."""
    windows: Callable[[str], Mapping[str, str]] = lambda desk: DEFAULT_WINDOWS
    """A desk's call-back windows: key -> window id (its own windows keep the keys 1, 2, 3)."""


# --- what a step returns -------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """Text-to-speech."""

    text: str
    voice: str
    language: str


@dataclass(frozen=True)
class Play:
    """A recorded audio file, by path under /static/audio/ or absolute URL."""

    url: str


Utterance = Say | Play


@dataclass(frozen=True)
class Speak:
    """Speak utterances in order."""

    items: tuple[Utterance, ...]


@dataclass(frozen=True)
class Gather:
    """Wait for keys while speaking; on timeout Twilio posts an empty result to the same action."""

    state: State
    items: tuple[Utterance, ...]
    timeout: int
    num_digits: int | None = 1
    finish_on_key: str = ""


@dataclass(frozen=True)
class Dial:
    """Connect the caller to a number."""

    number: str
    state: State
    timeout: int


@dataclass(frozen=True)
class Enqueue:
    """Put the caller in a Twilio queue; Twilio asks the wait URL what they hear and posts `state` when they leave."""

    queue: str
    state: State


@dataclass(frozen=True)
class Record:
    """Record a voice message."""

    state: State
    max_length: int


@dataclass(frozen=True)
class Redirect:
    """Continue at another state."""

    state: State


@dataclass(frozen=True)
class Hangup:
    """End the call."""


Action = Speak | Gather | Dial | Enqueue | Record | Redirect | Hangup


@dataclass(frozen=True)
class CallbackRequested:
    """A callback task must exist for this desk and number."""

    desk: str
    phone: str
    language: str


@dataclass(frozen=True)
class CallbackRefined:
    """The caller chose a window and whether an SMS confirms the callback task of this desk."""

    desk: str
    window: str
    sms: bool


@dataclass(frozen=True)
class RecordingAttached:
    """The caller left a voice message for the task of this desk."""

    desk: str
    url: str
    sid: str | None
    duration: int | None


@dataclass(frozen=True)
class Reached:
    """The call reached a desk, with the result so far."""

    desk: str
    outcome: Outcome


@dataclass(frozen=True)
class Queued:
    """The caller joins a desk's live queue: the person side must look for somebody to offer them to."""

    desk: str
    language: str


Effect = CallbackRequested | CallbackRefined | RecordingAttached | Reached | Queued


@dataclass(frozen=True)
class Step:
    """The result of one webhook: what the caller hears, what must be recorded, nodes visited."""

    actions: tuple[Action, ...]
    effects: tuple[Effect, ...] = ()
    visited: tuple[str, ...] = ()
    private: bool = False  # holds personal data: never cache the rendering
    lang: str = ""  # the call's language after this step
    path: tuple[str, ...] = ()  # the call's nodes up to the end of this step (the first MAX_PATH)
    first: int = 0  # the position of visited[0] in the call: a repeated step writes the same entries
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)
