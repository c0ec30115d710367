"""The compiled, immutable flow model and the data a step takes and returns."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
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


class Outcome(str, Enum):
    """How a call ended, as stored in the call record."""

    TRANSFERRED = "transferred"
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


@dataclass(frozen=True)
class NumberCheck:
    """The verdict on a callback number."""

    ok: bool
    e164: str | None = None
    reason: str = ""  # invalid | premium | country | short


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


Action = Speak | Gather | Dial | Record | Redirect | Hangup


@dataclass(frozen=True)
class CallbackRequested:
    """A callback task must exist for this desk and number."""

    desk: str
    phone: str
    language: str


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


Effect = CallbackRequested | RecordingAttached | Reached


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
