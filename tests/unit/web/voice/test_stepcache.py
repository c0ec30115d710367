"""Menu steps reused: until the closures change or an entry in force ends, and never more than the size."""

from __future__ import annotations

from datetime import timedelta

from ivr.hotline import closures
from ivr.hotline.closures import ClosureCache
from ivr.web.voice.stepcache import CachedStep
from ivr.web.voice.stepcache import StepCache


def test_a_step_that_read_nothing_is_reused_whatever_the_closures(engine, clock):
    cache, table = StepCache(), ClosureCache(engine)
    table.refresh()
    cache.put(("base", "incoming", "v1"), CachedStep(None, "v1", b"<Response/>"))  # type: ignore[arg-type]
    closures.set_closure(engine, "zebera", "closure", clock() + timedelta(days=1), "", {}, "test", clock())
    table.refresh()
    assert cache.get(("base", "incoming", "v1"), table, clock() + timedelta(days=30)).body == b"<Response/>"
    assert cache.get(("base", "incoming", "v2"), table, clock()) is None


def test_a_step_that_read_the_closures_holds_until_they_change(engine, clock):
    cache, table = StepCache(), ClosureCache(engine)
    table.refresh()
    until = clock() + timedelta(hours=2)
    cache.put("k", CachedStep(None, "v1", b"<Say/>", table.generation, until))  # type: ignore[arg-type]
    assert cache.get("k", table, clock()) is not None
    assert cache.get("k", table, until) is None  # the entry in force ended: the announcement may be another
    closures.set_closure(engine, "zebera", "announcement", clock() + timedelta(days=1), "", {"de": "Heute zu."},
                         "test", clock())
    table.refresh()
    assert cache.get("k", table, clock()) is None  # an operator changed the closures


def test_the_oldest_step_goes_beyond_the_size(engine):
    cache, table = StepCache(size=2), ClosureCache(engine)
    for key in "abc":
        cache.put(key, CachedStep(None, "v1", key.encode()))  # type: ignore[arg-type]
    kept = {key: cache.get(key, table, None) for key in "abc"}  # type: ignore[arg-type]
    assert {key: step.body if step else None for key, step in kept.items()} == {"a": None, "b": b"b", "c": b"c"}
