"""Turn prompt ids into speech: Twilio text-to-speech, or recorded audio split at runtime values."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ivr.engine.model import Bundle
from ivr.engine.model import Play
from ivr.engine.model import Say
from ivr.engine.model import Utterance

RUNTIME_VARS = frozenset({"digits", "weekday", "time", "number", "day", "month"})
"""Values filled in during a call; recorded languages need clips for them."""
STATIC_VARS = frozenset({"controller", "privacy_url"})
"""Values filled in from config when flows load."""
AUDIO_ROOT = "/static/audio"
_VAR = re.compile(r"\{([a-z_]+)\}")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_FALLBACK_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FALLBACK_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                    "October", "November", "December")

Value = str | int | tuple[int, int]


def variables(text: str) -> set[str]:
    """Return the placeholder names used in a text."""
    return set(_VAR.findall(text))


def segments(text: str) -> list[tuple[str, str]]:
    """Split a text at runtime placeholders into ("text", words) and ("var", name) parts.

    Text parts without a letter (only spaces or punctuation) are dropped: they have no audio file.
    """
    parts: list[tuple[str, str]] = []
    pos = 0
    for match in _VAR.finditer(text):
        if match.group(1) not in RUNTIME_VARS:
            continue
        before = text[pos:match.start()]
        if _LETTER.search(before):
            parts.append(("text", before.strip()))
        parts.append(("var", match.group(1)))
        pos = match.end()
    tail = text[pos:]
    if _LETTER.search(tail):
        parts.append(("text", tail.strip()))
    return parts


def audio_files(prompt: str, text: str) -> list[str]:
    """Return the file names (without language folder) that a recorded prompt needs."""
    parts = segments(text)
    if all(kind == "text" for kind, _ in parts):
        return [f"{prompt}.wav"]
    names, index = [], 0
    for kind, _ in parts:
        if kind == "text":
            names.append(f"{prompt}.{index}.wav")
            index += 1
    return names


def clip_files() -> list[str]:
    """Return the clip names every recorded language needs for runtime values ({day} is a number clip)."""
    return ([f"digit_{d}.wav" for d in range(10)] + [f"weekday_{d}.wav" for d in range(7)]
            + [f"number_{n}.wav" for n in range(100)] + [f"month_{m}.wav" for m in range(1, 13)])


def substitute_static(text: str, values: Mapping[str, str]) -> str:
    """Fill config values ({controller}, {privacy_url}) into a text at load time."""
    return _VAR.sub(lambda m: values.get(m.group(1), m.group(0)) if m.group(1) in STATIC_VARS else m.group(0), text)


def _spoken(bundle: Bundle, lang: str, name: str, value: Value) -> str:
    if name == "digits":
        return " ".join(str(value).lstrip("+"))
    if name == "weekday":
        index = int(value)  # type: ignore[arg-type]
        return bundle.prompts.get(f"weekday_{index}", {}).get(lang) or _FALLBACK_WEEKDAYS[index]
    if name == "month":  # the form after a day of the month (genitive where a language has one)
        index = int(value)  # type: ignore[arg-type]
        return bundle.prompts.get(f"month_{index}", {}).get(lang) or _FALLBACK_MONTHS[index - 1]
    if name == "time":
        hour, minute = value  # type: ignore[misc]
        return f"{hour}:{minute:02d}"  # TTS reads 8:00 as a clock time in every language
    return str(value)


def _clips(lang: str, name: str, value: Value) -> list[str]:
    if name == "digits":
        return [f"{lang}/digit_{d}.wav" for d in str(value) if d.isdigit()]
    if name == "weekday":
        return [f"{lang}/weekday_{int(value)}.wav"]  # type: ignore[arg-type]
    if name == "month":
        return [f"{lang}/month_{int(value)}.wav"]  # type: ignore[arg-type]
    if name == "time":
        hour, minute = value  # type: ignore[misc]
        return [f"{lang}/number_{hour}.wav"] + ([f"{lang}/number_{minute}.wav"] if minute else [])
    number = int(value)  # type: ignore[arg-type]
    return [f"{lang}/number_{number}.wav"] if 0 <= number < 100 else [f"{lang}/digit_{d}.wav" for d in str(number)]


def speak(bundle: Bundle, prompt: str, lang: str, values: Mapping[str, Value] | None = None) -> tuple[Utterance, ...]:
    """Render one prompt in a language as Say or Play items."""
    values = values or {}
    recording = bundle.recordings.get((prompt, lang))
    if recording is not None:  # an operator's recording replaces text-to-speech and placeholder clips
        return (Play(recording),)
    info = bundle.languages[lang]
    text = bundle.prompts[prompt][lang]
    if not info.audio:
        spoken = _VAR.sub(lambda m: _spoken(bundle, lang, m.group(1), values[m.group(1)])
                          if m.group(1) in values else m.group(0), text)
        return (Say(spoken, info.voice or "", info.tts_language),)
    items: list[Utterance] = []
    names = iter(audio_files(prompt, text))
    for kind, part in segments(text):
        if kind == "text":
            items.append(Play(f"{AUDIO_ROOT}/{lang}/{next(names)}"))
        elif part in values:
            items.extend(Play(f"{AUDIO_ROOT}/{path}") for path in _clips(lang, part, values[part]))
    return tuple(items)


def say_text(bundle: Bundle, text: str, lang: str) -> tuple[Utterance, ...]:
    """Speak a free text (an operator's announcement) in a TTS language."""
    info = bundle.languages[lang]
    return (Say(text, info.voice or "", info.tts_language),)
