"""What one step says and does: utterances, TwiML-neutral actions and effects, collected in order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ivr.engine import prompts as prompt_text
from ivr.engine.model import MAX_PATH
from ivr.engine.model import Bundle
from ivr.engine.model import Dial
from ivr.engine.model import Effect
from ivr.engine.model import Enqueue
from ivr.engine.model import Gather
from ivr.engine.model import Hangup
from ivr.engine.model import Record
from ivr.engine.model import Redirect
from ivr.engine.model import Speak
from ivr.engine.model import State
from ivr.engine.model import Step
from ivr.engine.model import Utterance

_STATEFUL = (Gather, Dial, Enqueue, Record, Redirect)
"""Actions that hand a state on to the next webhook."""


class Output:
    """Collects what one step says and does."""

    def __init__(self, bundle: Bundle, state: State):
        self.bundle, self.state, self.origin = bundle, state, state
        self.pending: list[Utterance] = []
        self.actions: list = []
        self.effects: list[Effect] = []
        self.visited: list[str] = []
        self.private = False

    def lang_for(self, forced: str | None = None) -> str | None:
        lang = forced or self.state.lang
        if lang in self.bundle.available:
            return lang
        return None if forced else self.bundle.default_language

    def render(self, prompt: str, values: Mapping[str, object] | None = None,
               forced: str | None = None) -> tuple[Utterance, ...]:
        lang = self.lang_for(forced)
        if lang is None:  # a forced language without audio is left out (e.g. in the language menu)
            return ()
        if values and "digits" in values:
            self.private = True
        return prompt_text.speak(self.bundle, prompt, lang, values)  # type: ignore[arg-type]

    def say(self, prompt: str, values: Mapping[str, object] | None = None) -> None:
        self.pending.extend(self.render(prompt, values))

    def flush(self) -> None:
        if self.pending:
            self.actions.append(Speak(tuple(self.pending)))
            self.pending = []

    def gather(self, state: State, items: tuple[Utterance, ...], timeout: int, num_digits: int | None = 1,
               finish_on_key: str = "") -> None:
        self.flush()
        self.actions.append(Gather(state, items, timeout, num_digits, finish_on_key))

    def end(self) -> None:
        self.say("goodbye")
        self.flush()
        self.actions.append(Hangup())

    def step(self) -> Step:
        self.flush()
        visited, origin = tuple(self.visited), self.origin
        path, actions = origin.path, tuple(self.actions)
        if visited:  # every state handed on knows the nodes so far: the path survives a loss of Redis
            path, depth = (path + visited)[:MAX_PATH], origin.depth + len(visited)
            actions = tuple(replace(a, state=a.state.but(path=path, depth=depth)) if isinstance(a, _STATEFUL) else a
                            for a in actions)
        return Step(actions, tuple(self.effects), visited, self.private, self.state.lang, path=path,
                    first=origin.depth)
