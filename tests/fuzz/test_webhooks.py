"""Hostile and random input to every /voice/* webhook: never a 5xx, never an apology, always TwiML, 204 or 403."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from ivr.twilio_auth import signature
from tests.factories import TOKEN
from tests.fuzz.conftest import EXAMPLES
from tests.fuzz.conftest import FUZZ
from tests.support.phone import check_twiml

pytestmark = pytest.mark.fuzz
HOSTILE = [
    "' OR 1=1 --", "'; DROP TABLE callbacks; --", "<Response><Dial>+4990012345</Dial></Response>", "]]><Hangup/>",
    "${7*7}", "{{7*7}}", "../../../etc/passwd", "\x00", "\u202e1234", "٠١٧٦١٢٣٤٥٦٧٨", "１２３", "+4990012345678",
    "0900123456", "118 33", "110", "00491761234567800000000", "9" * 4000, "-1", "1e309", "NaN", "0x1F", "*#*#",
    "%00", "%s%s%s", "anonymous", "+266696687", "CA" + "0" * 32, "null", "[]", "{}", "true", "\r\nX-Injected: 1",
    "https://evil.example/twiml", "🙂" * 50, "a" * 513,
]
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200), st.text(alphabet="0123456789+*# ", max_size=40))
FIELDS = ["CallSid", "AccountSid", "From", "To", "CallStatus", "Direction", "Digits", "FinishedOnKey",
          "DialCallStatus", "DialCallDuration", "RecordingUrl", "RecordingSid", "RecordingDuration",
          "RecordingStatus", "CallDuration", "SequenceNumber", "Timestamp", "SpeechResult", "Caller"]
FORMS = st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=len(FIELDS))
STATE_KEYS = ["v", "f", "n", "l", "r", "s", "e", "x"]


def _post(client, path: str, form: dict[str, str], sign: bool = True):
    url = "http://localhost" + path
    headers = {"X-Twilio-Signature": signature(TOKEN, url, MultiDict(form))} if sign else {}
    EXAMPLES[urlsplit(path).path] += 1
    return client.post(path, data=form, headers=headers)


def _check(response, caplog, empty: bool = False) -> None:
    assert response.status_code < 500
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    caplog.clear()
    assert not errors, errors[0].getMessage()  # the apology hides a crash from the caller, not from us
    if empty:
        assert response.status_code in (204, 403), response.status_code
    else:
        assert response.status_code in (200, 403), response.status_code
        if response.status_code == 200:
            check_twiml(response.data)


@pytest.fixture
def real_states(phone, clock):
    """Query strings of genuine action URLs, collected along real calls (daytime and evening)."""
    found = []
    for when, keys in (("2026-11-24 10:00", "111"), ("2026-11-24 19:30", "71411")):
        clock.set(when)
        caller = phone()
        caller.call()
        for key in keys + "#":
            for tag in ("Gather", "Dial", "Record"):
                element = caller.last.first(tag)
                if element is not None and element.get("action"):
                    found.append(urlsplit(element.attrib["action"]).query)
            if caller.last.gather is None:
                break
            caller.press(key)
    return found


@FUZZ
@given(form=FORMS)
def test_incoming(client, caplog, form):
    _check(_post(client, "/voice/incoming", form), caplog)


@FUZZ
@given(form=FORMS, pick=st.integers(min_value=0), changes=st.dictionaries(st.sampled_from(STATE_KEYS), TEXT,
                                                                         max_size=3),
       random_args=st.booleans())
def test_step(client, caplog, real_states, form, pick, changes, random_args):
    args = {} if random_args else dict(parse_qsl(real_states[pick % len(real_states)]))
    args.update(changes)  # forged or broken state: the signature covers the URL, a forger has no token
    _check(_post(client, "/voice/step?" + urlencode(args), form), caplog)


@FUZZ
@given(form=FORMS)
def test_status(client, caplog, form):
    _check(_post(client, "/voice/status", form), caplog, empty=True)


@FUZZ
@given(form=FORMS)
def test_recording(client, caplog, form):
    _check(_post(client, "/voice/recording", form), caplog, empty=True)


@FUZZ
@given(form=FORMS)
def test_fallback(client, caplog, form):
    _check(_post(client, "/voice/fallback", form), caplog)


@FUZZ
@given(path=st.sampled_from(["/voice/incoming", "/voice/step?v=x&n=y&l=de", "/voice/status", "/voice/recording",
                             "/voice/fallback"]), form=FORMS, signed=st.sampled_from(["none", "forged", "other"]))
def test_unsigned_or_forged_requests_get_403(client, caplog, path, form, signed):
    if signed == "none":
        response = _post(client, path, form, sign=False)
    else:
        url = "http://localhost" + path if signed == "forged" else "http://localhost/voice/other"
        token = "not-the-token" if signed == "forged" else TOKEN
        EXAMPLES[urlsplit(path).path + " (forged)"] += 1
        response = client.post(path, data=form, headers={"X-Twilio-Signature": signature(token, url,
                                                                                           MultiDict(form))})
    assert response.status_code == 403
    caplog.clear()


@FUZZ
@given(body=st.one_of(st.text(max_size=300), st.text(alphabet="ab=&%+2Ä0F ", max_size=60),
                      st.lists(st.tuples(TEXT, TEXT), max_size=8).map(urlencode)))
def test_webhook_form_parser_reads_bodies_as_the_standard_library_does(body):
    """The direct parser of Twilio's form (a hot-path shortcut) must agree with parse_qsl on any body."""
    from ivr.voice import _pairs

    assert _pairs(body) == parse_qsl(body, keep_blank_values=True)
