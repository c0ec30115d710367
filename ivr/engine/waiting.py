"""What a caller waiting in a desk's live queue hears: place, expected wait, the callback offer, the hold music."""

from __future__ import annotations

from ivr.engine import prompts as prompt_text
from ivr.engine.model import Bundle
from ivr.engine.model import Play
from ivr.engine.model import Utterance

HOLD_MUSIC = f"{prompt_text.AUDIO_ROOT}/hold/music.wav"
"""The hold loop's clip (scripts/hold_music.py, CC0; its licence is in flows/audio-manifest.yaml under `music`)."""
HOLD_SECONDS = 15
"""Its length: a caller asked to leave hears so within about this long."""
RANGES = {"under": "queue_wait_under", "about": "queue_wait_about", "over": "queue_wait_over"}
"""A spoken range's kind (hotline.choice.spoken_range) -> its prompt."""


def spoken_language(bundle: Bundle, lang: str) -> str:
    """The language the caller hears: theirs when its audio is complete, else the hotline's default."""
    return lang if lang in bundle.available else bundle.default_language


def announcement(bundle: Bundle, lang: str, position: int | None,
                 wait: tuple[str, int] | None) -> tuple[Utterance, ...]:
    """Place in the queue (when known), the expected wait as a range or that there is none, then the offer to be
    called back keeping the place."""
    lang = spoken_language(bundle, lang)
    items: list[Utterance] = []
    if position is not None and position >= 1:
        items += prompt_text.speak(bundle, "queue_position", lang, {"number": position})
    if wait is not None and wait[0] in RANGES:
        items += prompt_text.speak(bundle, RANGES[wait[0]], lang, {"number": wait[1]})
    else:
        items += prompt_text.speak(bundle, "queue_no_estimate", lang)
    items += prompt_text.speak(bundle, "queue_offer", lang)
    return tuple(items)


def hold() -> tuple[Utterance, ...]:
    """The hold music, once."""
    return (Play(HOLD_MUSIC),)
