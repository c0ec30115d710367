"""Menu steps answered before, reused: they depend only on the flow version, the state and the keys pressed."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import NamedTuple

from ivr.engine.model import Step
from ivr.hotline.closures import ClosureCache

STEP_CACHE_SIZE = 4096
"""Menu steps remembered per process (nodes x languages x retries x keys of the shipped menu fit easily)."""


class CachedStep(NamedTuple):
    """A step as answered: its result, flow version and TwiML; for a step that read the closures, their
    generation and the instant they change; whether a replay of it must be refused (a step inside a desk or
    callback node, e.g. the callback promise, tells of what an earlier step did)."""

    step: Step
    version: str
    body: bytes
    generation: int | None = None
    until: datetime | None = None
    guarded: bool = False


class StepCache:
    """Steps that depend only on the flow version, the state and the keys pressed (menu to menu), reused.

    A step that read the closures (the announcement) is kept with the closures' generation and the instant the
    entries in force change, and is not reused after either.
    """

    def __init__(self, size: int = STEP_CACHE_SIZE):
        self.size = size
        self._steps: OrderedDict[tuple, CachedStep] = OrderedDict()

    def get(self, key: tuple, closures: ClosureCache, now: datetime) -> CachedStep | None:
        """Return a remembered step that still holds at `now`."""
        cached = self._steps.get(key)
        if cached is None or cached.generation is None:
            return cached
        if cached.generation != closures.generation or (cached.until is not None and now >= cached.until):
            return None
        return cached

    def put(self, key: tuple, step: CachedStep) -> None:
        """Remember a step, its flow version and its TwiML, forgetting the oldest beyond the size."""
        self._steps[key] = step
        if len(self._steps) > self.size:
            self._steps.popitem(last=False)
