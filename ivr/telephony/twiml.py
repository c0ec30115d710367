"""Render a step's actions as TwiML with the twilio library's VoiceResponse; cache what holds no personal data."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from twilio.twiml.voice_response import Gather as TwGather
from twilio.twiml.voice_response import VoiceResponse

from ivr.engine.model import Action
from ivr.engine.model import Dial
from ivr.engine.model import Enqueue
from ivr.engine.model import Gather
from ivr.engine.model import Hangup
from ivr.engine.model import Play
from ivr.engine.model import Record
from ivr.engine.model import Redirect
from ivr.engine.model import Say
from ivr.engine.model import Speak
from ivr.engine.model import State
from ivr.engine.model import Step
from ivr.engine.model import Utterance

CONTENT_TYPE = "text/xml; charset=utf-8"
RECORDING_CALLBACK = "/voice/recording"
QUEUE_WAIT = "/voice/queue/wait"
"""The waitUrl of every `<Enqueue>`: Twilio asks it what a waiting caller hears, again whenever a document ends."""
QUEUE_KEY = "/voice/queue/key"
"""Where a key pressed while waiting goes."""
CACHE_SIZE = 4096
"""Rendered responses kept per process (node x language x retry x closed-state shapes)."""

UrlFor = Callable[[State], str]


def _speak(target: VoiceResponse | TwGather, items: tuple[Utterance, ...], base: str) -> None:
    for item in items:
        if isinstance(item, Say):
            if item.voice:
                target.say(item.text, voice=item.voice, language=item.language)
            else:
                target.say(item.text, language=item.language)
        elif isinstance(item, Play):
            target.play(item.url if "://" in item.url else base + item.url)


def build(actions: tuple[Action, ...], base: str, url_for: UrlFor) -> VoiceResponse:
    """Turn engine actions into a VoiceResponse; `base` is the public URL root, without slash."""
    response = VoiceResponse()
    for action in actions:
        if isinstance(action, Speak):
            _speak(response, action.items, base)
        elif isinstance(action, Gather):
            gather = TwGather(input="dtmf", action=base + url_for(action.state), method="POST",
                              timeout=action.timeout, action_on_empty_result=True,
                              finish_on_key=action.finish_on_key, num_digits=action.num_digits)
            _speak(gather, action.items, base)
            response.append(gather)
        elif isinstance(action, Dial):
            dial = response.dial(action=base + url_for(action.state), method="POST", timeout=action.timeout,
                                 answer_on_bridge=True)
            dial.number(action.number)
        elif isinstance(action, Enqueue):
            response.enqueue(action.queue, action=base + url_for(action.state), method="POST",
                             wait_url=base + QUEUE_WAIT, wait_url_method="POST")
        elif isinstance(action, Record):
            response.record(action=base + url_for(action.state), method="POST", max_length=action.max_length,
                            finish_on_key="#", play_beep=True, timeout=5, trim="trim-silence",
                            recording_status_callback=base + RECORDING_CALLBACK,
                            recording_status_callback_method="POST")
        elif isinstance(action, Redirect):
            response.redirect(base + url_for(action.state), method="POST")
        elif isinstance(action, Hangup):
            response.hangup()
    return response


class Renderer:
    """Renders steps to bytes, caching responses that carry no personal data."""

    def __init__(self, url_for: UrlFor, size: int = CACHE_SIZE):
        self.url_for = url_for
        self._cached = lru_cache(maxsize=size)(self._render)

    def _render(self, actions: tuple[Action, ...], base: str) -> bytes:
        return build(actions, base, self.url_for).to_xml().encode("utf-8")

    def render(self, step: Step, base: str) -> bytes:
        """Return the TwiML document of a step."""
        if step.private:
            return self._render(step.actions, base)
        return self._cached(step.actions, base)


def waiting(items: tuple[Utterance, ...], base: str, key_url: str, next_url: str) -> bytes:
    """A waiting caller's next stretch: what they hear inside a one-key `<Gather>` (so 1 can be pressed any time),
    then a `<Redirect>` to the wait URL again; a Gather that ends without a key falls through to it."""
    response = VoiceResponse()
    gather = TwGather(input="dtmf", action=base + key_url, method="POST", num_digits=1, timeout=1)
    _speak(gather, items, base)
    response.append(gather)
    response.redirect(base + next_url, method="POST")
    return response.to_xml().encode("utf-8")


def leave() -> bytes:
    """Take the caller out of the queue: Twilio posts the `<Enqueue>` action with QueueResult `leave`."""
    response = VoiceResponse()
    response.leave()
    return response.to_xml().encode("utf-8")


def redirect(url: str) -> bytes:
    """Continue at another URL (absolute)."""
    response = VoiceResponse()
    response.redirect(url, method="POST")
    return response.to_xml().encode("utf-8")


def apology(base_number: str | None = None) -> bytes:
    """The fallback answer: a short apology in German and English, then the information desk or goodbye."""
    response = VoiceResponse()
    response.say("Entschuldigung, es gibt gerade eine technische Störung.", language="de-DE")
    response.say("Sorry, we have a technical problem.", language="en-GB")
    if base_number:
        response.say("Wir verbinden Sie mit der allgemeinen Information. We are connecting you.", language="de-DE")
        response.dial(timeout=25).number(base_number)
    response.say("Bitte rufen Sie später noch einmal an. Please call again later. Auf Wiederhören.",
                 language="de-DE")
    response.hangup()
    return response.to_xml().encode("utf-8")
