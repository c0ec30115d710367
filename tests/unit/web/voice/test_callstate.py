"""Call state in the action URL: read back as written, the caller's number sealed, anything malformed refused."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

import pytest
from cryptography import fernet

from ivr.engine.model import MAX_PATH
from ivr.engine.model import State
from ivr.store.cipher import Cipher
from ivr.web.voice import callstate

CIPHER = Cipher("test-secret")


def _args(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    assert parts.path == callstate.STEP_PATH
    return dict(parse_qsl(parts.query))


def test_a_state_reads_back_as_written():
    state = State(node="zebera", lang="ar", version="abc123", flow="hotline", retries=2, sub="ask", entries=1,
                  number="+4917612345678", path=("greeting", "language", "topics"), depth=5)
    assert callstate.decode(_args(callstate.encode(state, CIPHER)), CIPHER) == state


def test_the_number_travels_sealed_and_only_with_a_cipher():
    state = State(node="zebera", lang="de", version="v1", number="+4917612345678")
    url = callstate.encode(state, CIPHER)
    assert "4917612345678" not in url and "x=" in url
    assert "x=" not in callstate.encode(state)  # nothing to seal it with: the number is left out, never plain
    assert callstate.decode(_args(url), Cipher("another-secret")).number is None  # forged or of another instance


def test_an_old_sealed_number_is_no_longer_read(monkeypatch):
    url = callstate.encode(State(node="zebera", lang="de", version="v1", number="+4917612345678"), CIPHER)
    sealed_at = time.time()
    monkeypatch.setattr(fernet.time, "time", lambda: sealed_at + callstate.NUMBER_MAX_AGE - 5)
    assert callstate.decode(_args(url), CIPHER).number == "+4917612345678"
    monkeypatch.setattr(fernet.time, "time", lambda: sealed_at + callstate.NUMBER_MAX_AGE + 5)
    assert callstate.decode(_args(url), CIPHER).number is None  # longer than a call: a copied URL


@pytest.mark.parametrize("change", [{"n": ""}, {"l": ""}, {"v": ""}, {"n": "Zebera"}, {"n": "a b"}, {"l": "de&x=1"},
                                    {"f": "<flow>"}, {"s": "x/y"}, {"v": "v" * 25}, {"v": "v.1"}])
def test_a_malformed_state_starts_the_call_over(change):
    args = _args(callstate.encode(State(node="zebera", lang="de", version="v1", sub="ask"), CIPHER))
    assert callstate.decode({**args, **change}, CIPHER) is None


def test_counters_and_path_out_of_shape_are_dropped_not_trusted():
    args = _args(callstate.encode(State(node="menu", lang="de", version="v1"), CIPHER))
    state = callstate.decode({**args, "r": "999", "e": "-1", "p": "greeting..menu"}, CIPHER)
    assert (state.retries, state.entries, state.path, state.depth) == (0, 0, (), 0)
    too_long = ".".join(["n"] * (MAX_PATH + 1))
    assert callstate.decode({**args, "p": too_long}, CIPHER).path == ()
    assert callstate.decode({**args, "p": "a.b", "d": "1"}, CIPHER).depth == 2  # never less than the path
