"""Hostile JSON bodies, ids and query strings to every JSON endpoint: a 4xx or 2xx answer in JSON, never a 5xx."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests.fuzz.conftest import EXAMPLES
from tests.fuzz.conftest import FUZZ
from tests.fuzz.test_webhooks import HOSTILE

pytestmark = pytest.mark.fuzz
API = settings(FUZZ, max_examples=150)
KEYS = ["status", "outcome", "until", "reason", "message", "number", "de", "en", "setup", "keys", "hang_up", "x"]
TEXT = st.one_of(st.sampled_from(HOSTILE + ["closed", "resolved", "2026-11-24T18:00:00+01:00", "0202 5630"]),
                 st.text(max_size=50))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5)),
    max_leaves=12)
BODIES = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6).map(json.dumps),
    VALUES.map(json.dumps),
    st.sampled_from(["[" * 30_000, "{" * 5000, '{"a":' * 2000, "", "{", "\x00", '{"until": 1e999}']),
    st.binary(max_size=100).map(lambda b: b.decode("latin-1")),
)
WRITES = [("patch", "/api/callbacks/{id}"), ("post", "/api/overflow"), ("post", "/api/announcement"),
          ("post", "/api/desks/{desk}/closure"), ("delete", "/api/desks/{desk}/closure")]
IDS = st.one_of(st.integers(min_value=0, max_value=10**30).map(str), st.sampled_from(["-1", "1.5", "%00", "a", "0x1"]))
DESKS = st.one_of(st.sampled_from(["zebera", "*", "nowhere", "%00", "..", "%2F"]), st.text("abc_*%", max_size=10))


def _check(response, caplog) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:200]
    assert response.mimetype == "application/json"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    caplog.clear()
    assert not errors, errors[0].getMessage()


@API
@given(write=st.sampled_from(WRITES), body=BODIES, task=IDS, desk=DESKS)
def test_hostile_bodies_to_every_write(api, caplog, write, body, task, desk):
    method, path = write
    url = path.format(id=task, desk=desk)
    EXAMPLES[path] += 1
    _check(getattr(api, method)(url, data=body.encode("utf-8", "surrogatepass"), content_type="application/json"),
           caplog)


@API
@given(path=st.sampled_from(["/api/callbacks", "/api/calls/{text}", "/api/desks", "/api/{text}"]),
       text=st.text(max_size=40), desk=TEXT, status=TEXT, limit=TEXT)
def test_hostile_reads(api, caplog, path, text, desk, status, limit):
    EXAMPLES[path] += 1
    _check(api.get(path.format(text=text.replace("/", "")).replace("?", "%3F").replace("#", "%23"),
                   query_string={"desk": desk, "status": status, "limit": limit}), caplog)
