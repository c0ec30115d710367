"""The raw shape of flow and prompt files (spec version 1), validated with pydantic; also the JSON Schema."""

from __future__ import annotations

from typing import Annotated
from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

SPEC_VERSION = 1
"""The flow format version this engine reads; files carry it as `spec_version`."""
NODE_ID = r"^[a-z][a-z0-9_]{0,47}$"
DIGIT_KEY = r"^[0-9*#]$"


class _Raw(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SayItem(_Raw):
    """A prompt, optionally forced into one language (e.g. each option of the language menu)."""

    prompt: str
    language: str | None = None


SayLike = str | SayItem


class Target(_Raw):
    """Where a key leads, optionally choosing the call's language."""

    next: str = Field(pattern=NODE_ID)
    language: str | None = None


TargetLike = Annotated[str, Field(pattern=NODE_ID)] | Target


class _Node(_Raw):
    description: str | None = None


class SayNode(_Node):
    """Speak prompts, then continue."""

    type: Literal["say"]
    say: list[SayLike] = Field(min_length=1)
    next: str = Field(pattern=NODE_ID)


class AnnouncementNode(_Node):
    """Speak the house-wide emergency announcement when one is active, then continue."""

    type: Literal["announcement"]
    next: str = Field(pattern=NODE_ID)


class MenuNode(_Node):
    """Ask for one key; every option has a target, and a caller who is stuck reaches on_failure."""

    type: Literal["menu"]
    say: list[SayLike] = Field(min_length=1)
    options: dict[Annotated[str, Field(pattern=DIGIT_KEY)], TargetLike] = Field(min_length=1)
    no_input: TargetLike | None = None
    on_failure: str = Field(pattern=NODE_ID)
    max_retries: int | None = Field(default=None, ge=1, le=5)
    timeout: int | None = Field(default=None, ge=3, le=30)
    language_menu: bool = False


class DeskNode(_Node):
    """Connect to a desk when it is open; otherwise (or when nobody answers) capture a callback."""

    type: Literal["desk"]
    desk: str
    say: list[SayLike] = Field(default_factory=list)


class CallbackNode(_Node):
    """Capture a callback for a desk without trying to connect."""

    type: Literal["callback"]
    desk: str
    say: list[SayLike] = Field(default_factory=list)


class GotoNode(_Node):
    """Continue at another node."""

    type: Literal["goto"]
    next: str = Field(pattern=NODE_ID)


class HangupNode(_Node):
    """Say goodbye and end the call."""

    type: Literal["hangup"]
    say: list[SayLike] = Field(min_length=1)


Node = Annotated[
    SayNode | AnnouncementNode | MenuNode | DeskNode | CallbackNode | GotoNode | HangupNode,
    Field(discriminator="type"),
]


class FlowFile(_Raw):
    """One flow: a graph of nodes starting at `start`."""

    spec_version: Literal[1]
    kind: Literal["flow"]
    id: str = Field(pattern=NODE_ID)
    start: str = Field(pattern=NODE_ID)
    languages: list[str] = Field(min_length=1)
    nodes: dict[Annotated[str, Field(pattern=NODE_ID)], Node] = Field(min_length=1)


class RecordedPrompt(_Raw):
    """A prompt given as a recording: a file under ivr/static/audio/ or an absolute https:// URL."""

    audio: str = Field(min_length=1)
    text: str = ""  # what the recording says, for the simulator, the graph and reviewers


class PromptsFile(_Raw):
    """The prompt catalogue: prompt id -> language -> text (or a recording)."""

    spec_version: Literal[1]
    kind: Literal["prompts"]
    prompts: dict[Annotated[str, Field(pattern=NODE_ID)], dict[str, str | RecordedPrompt]]


class AudioEntry(_Raw):
    """One audio file of the manifest."""

    language: str
    status: Literal["placeholder", "recorded"]
    prompt: str | None = None
    clip: str | None = None
    segment: int | None = None
    sha256: str | None = None


class TextReview(_Raw):
    """Review status of one language's prompt texts."""

    text: Literal["reviewed", "machine-drafted"]
    note: str | None = None


class MusicEntry(_Raw):
    """A music clip the service plays (hold music), with where it comes from and its licence."""

    licence: str = Field(min_length=1)  # an SPDX id, e.g. CC0-1.0
    source: str = Field(min_length=1)  # who made it, or where it was found
    seconds: float | None = None
    sha256: str | None = None


class AudioManifest(_Raw):
    """Which audio files exist, and which are placeholders or await review."""

    spec_version: Literal[1]
    kind: Literal["audio-manifest"]
    generator: str | None = None  # the tool that wrote the placeholders, for people reading the file
    languages: dict[str, TextReview] = Field(default_factory=dict)
    files: dict[str, AudioEntry] = Field(default_factory=dict)
    music: dict[str, MusicEntry] = Field(default_factory=dict)  # path under ivr/static/audio -> its licence


class SmsTexts(_Raw):
    """flows/sms.yaml: the callers' SMS per language (read by ivr.hotline.sms, counted by `ivr flows check`)."""

    spec_version: Literal[1]
    kind: Literal["sms"]
    phone: str
    texts: dict[str, dict[Literal["confirm", "unreached", "received", "cancelled", "neutral"], str]]
    weekdays: dict[str, list[str]]
    windows: dict[str, dict[str, str]]
    cancel_words: dict[str, list[str]]


def json_schema() -> dict:
    """Return the JSON Schema of a flow file, generated from the pydantic model."""
    schema = FlowFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Hotline flow (spec_version 1)"
    return schema
