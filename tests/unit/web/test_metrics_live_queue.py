"""/metrics for the live queue: waiting callers per desk and language, the wait histogram, people by state, missed
offers and hang-ups while waiting; counts only, read from the database at scrape time."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from ivr.hotline import figures
from tests.support.livequeue import CALLERS
from tests.support.livequeue import PHONES
from tests.support.livequeue import scene


def _samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(body.decode()) for sample in family.samples}


def test_the_live_queue_in_metrics(client, engine, clock):
    with engine.begin() as conn:
        scene(conn, clock())
    body = client.get("/metrics").data
    samples = _samples(body)

    def value(name, **labels):
        return samples[(name, tuple(sorted(labels.items())))]

    assert value("ivr_queue_waiting", desk="info", language="ar") == 2
    assert value("ivr_queue_waiting", desk="info", language="de") == 1
    assert ("ivr_queue_waiting", (("desk", "helpers"), ("language", "de"))) not in samples
    assert value("ivr_queue_longest_wait_seconds", desk="info") == 90
    assert value("ivr_queue_longest_wait_seconds", desk="helpers") == 0
    for state, n in (("available", 1), ("busy", 1), ("wrap_up", 1), ("paused", 1)):
        assert value("ivr_queue_agents", desk="info", status=state) == n
    assert value("ivr_queue_agents", desk="helpers", status="wrap_up") == 1
    assert value("ivr_queue_offers_missed_today", desk="info") == 1
    assert value("ivr_queue_abandoned_today", desk="info") == 2
    assert value("ivr_queue_service_level_today", desk="info") == 1 / 6
    assert ("ivr_queue_service_level_today", (("desk", "helpers"),)) not in samples  # nobody decided yet
    assert value("ivr_queue_wait_seconds_bucket", desk="info", le="5.0") == 1
    assert value("ivr_queue_wait_seconds_bucket", desk="info", le="30.0") == 3
    assert value("ivr_queue_wait_seconds_bucket", desk="info", le="+Inf") == 5
    assert value("ivr_queue_wait_seconds_count", desk="info") == 5
    assert value("ivr_queue_wait_seconds_sum", desk="info") == 118
    assert not [line for line in body.decode().splitlines()
                if line.startswith("ivr_queue") and 'desk="zebera"' in line]  # a dialled desk has no queue
    text = body.decode()
    assert not any(number.lstrip("+") in text for number in (*PHONES.values(), *CALLERS.values()))
    assert "CAwait" not in text and "anna" not in text


def test_the_histogram_bounds_are_the_figures(client):
    text = client.get("/metrics").data.decode()
    for bound in figures.WAIT_BUCKETS:
        assert f'ivr_queue_wait_seconds_bucket{{desk="info",le="{float(bound)}"}} 0.0' in text


def test_a_database_outage_leaves_the_queue_figures_out(client, engine, monkeypatch):
    import sqlalchemy.exc

    def down(*args, **kwargs):
        raise sqlalchemy.exc.OperationalError("select", {}, Exception("down"))

    monkeypatch.setattr(figures, "live", down)
    samples = _samples(client.get("/metrics").data)
    assert samples[("ivr_database_up", ())] == 0
    assert not any(name.startswith("ivr_queue_") for name, _ in samples)
