"""Hostile and random input to every /voice/* webhook, signed the way Twilio signs (twilio's RequestValidator).

A correctly signed request with Twilio's documented keys is answered: 200 with valid TwiML (204 for the status and
recording callbacks), never a 5xx, never an error in the log (the apology would hide a crash from the caller, not
from us), whatever the values of its free-text keys. A request without a valid signature gets exactly 403, and so
does a signed form that Twilio would never send (unknown or missing keys).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC
from email.utils import format_datetime
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit

import pytest
from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from tests.factories import TOKEN
from tests.factories import call_form
from tests.fuzz.conftest import EXAMPLES
from tests.fuzz.conftest import FUZZ
from tests.support.phone import check_twiml

pytestmark = pytest.mark.fuzz
HOSTILE = [
    "' OR 1=1 --", "'; DROP TABLE callbacks; --", "<Response><Dial>+4990012345</Dial></Response>", "]]><Hangup/>",
    "${7*7}", "{{7*7}}", "../../../etc/passwd", "\x00", "\u202e1234", "٠١٧٦١٢٣٤٥٦٧٨", "１２３", "+4990012345678",
    "0900123456", "118 33", "110", "00491761234567800000000", "9" * 4000, "-1", "1e309", "NaN", "0x1F", "*#*#",
    "%00", "%s%s%s", "anonymous", "+266696687", "CA" + "0" * 32, "null", "[]", "{}", "true", "\r\nX-Injected: 1",
    "https://evil.example/twiml", "🙂" * 50, "a" * 513, "",
]
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200), st.text(alphabet="0123456789+*# ", max_size=40))

# Twilio's voice webhook parameters (shared/reference/twilio.md §2). Keys whose values come from a closed
# vocabulary get values from it (extreme but valid ones included); every other key gets hostile text.
REQUIRED = ["CallSid", "AccountSid", "From", "To", "CallStatus", "ApiVersion", "Direction"]  # §1.1
STANDARD = ["ForwardedFrom", "CallerName", "CallToken", "FromCity", "FromState", "FromZip", "FromCountry", "ToCity",
            "ToState", "ToZip", "ToCountry", "Caller", "Called"]  # §2.1
GATHER = ["Digits", "FinishedOnKey", "SpeechResult", "Confidence"]  # §2.3
DIAL = ["DialCallStatus", "DialCallSid", "DialCallDuration", "DialBridged"]  # §2.7
RECORD = ["RecordingUrl", "RecordingSid", "RecordingDuration", "Digits"]  # §2.4
STATUS = ["CallDuration", "Timestamp", "CallbackSource", "SequenceNumber", "SipResponseCode"]  # §2.11
RECORDING = ["CallSid", "AccountSid", "RecordingSid", "RecordingUrl", "RecordingStatus", "RecordingDuration",
             "RecordingChannels", "RecordingSource"]  # §2.5: what a recording status callback carries
FALLBACK = ["ErrorCode", "ErrorUrl"]  # §2.12
SENT = {path: REQUIRED for path in ("/voice/incoming", "/voice/step", "/voice/status", "/voice/fallback")}
SENT["/voice/recording"] = RECORDING
OPTIONAL = {
    "/voice/incoming": STANDARD,
    "/voice/step": STANDARD + ["ParentCallSid"] + GATHER + DIAL + RECORD,
    "/voice/status": STANDARD + ["ParentCallSid"] + STATUS,
    "/voice/recording": ["RecordingStartTime"],
    "/voice/fallback": STANDARD + FALLBACK,
}
NUMBER = st.one_of(st.sampled_from(["0", "1", "61", "3600", "-1"]), st.integers(0, 10**9).map(str))
VOCABULARY = {
    "CallStatus": st.sampled_from(["queued", "initiated", "ringing", "in-progress", "completed", "busy", "failed",
                                   "no-answer", "canceled"]),
    "ApiVersion": st.just("2010-04-01"),
    "Direction": st.sampled_from(["inbound", "outbound-api", "outbound-dial"]),
    "Digits": st.one_of(st.text(alphabet="0123456789*#", max_size=64), st.just("hangup")),
    "FinishedOnKey": st.sampled_from(["", "#", "*", "1"]),
    "DialCallStatus": st.sampled_from(["completed", "answered", "busy", "no-answer", "failed", "canceled"]),
    "DialBridged": st.sampled_from(["true", "false"]),
    "RecordingStatus": st.sampled_from(["in-progress", "completed", "absent", "failed"]),
    "CallDuration": NUMBER, "DialCallDuration": NUMBER, "RecordingDuration": NUMBER, "SequenceNumber": NUMBER,
    "RecordingChannels": st.sampled_from(["1", "2"]), "SipResponseCode": st.sampled_from(["200", "486", "503"]),
    "ErrorCode": st.sampled_from(["11200", "12100", "12300"]),
    "Timestamp": st.datetimes(timezones=st.just(UTC)).map(format_datetime),  # RFC 2822, as Twilio sends it
    "DialCallSid": st.uuids().map(lambda u: "CA" + u.hex), "ParentCallSid": st.uuids().map(lambda u: "CA" + u.hex),
    "RecordingSid": st.uuids().map(lambda u: "RE" + u.hex),
    "RecordingUrl": st.uuids().map(lambda u: f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/RE"
                                             f"{u.hex}"),
}
# A free value holding one of Twilio's key names (CallerZip=DialCallDuration) is how a form that swallowed the pairs
# after it looks, so the webhook rules refuse it on purpose (telephony/params.py); Twilio never sends one, and
# Hypothesis draws such values from the code's own constants (tests/unit/telephony/test_params.py tests the refusal).
_KEY_NAMES = sorted({key for keys in [*SENT.values(), *OPTIONAL.values()] for key in keys})
FREE_TEXT = TEXT.filter(lambda value: not any(name in value for name in _KEY_NAMES))
STATE_KEYS = ["v", "f", "n", "l", "r", "s", "e", "x"]
ENDPOINTS = ["/voice/incoming", "/voice/step?v=x&n=y&l=de", "/voice/status", "/voice/recording", "/voice/fallback"]
EMPTY_ANSWER = ("/voice/status", "/voice/recording")
# A signed Digits=1 also signs Digit=s1 (key and value joined without separator): only the keys tell them apart.
UNKNOWN_KEYS = st.one_of(st.sampled_from(["Digit", "digits", "Digits ", "CallSid2", "Body", "ToCitys", "X"]),
                         st.text(min_size=1, max_size=20))


@st.composite
def twilio_forms(draw, path: str) -> dict[str, str]:
    """A form with the required keys and any of the endpoint's documented ones; hostile where values are free."""
    keys = SENT[path] + draw(st.lists(st.sampled_from(OPTIONAL[path]), unique=True, max_size=len(OPTIONAL[path])))
    return {key: draw(VOCABULARY.get(key, FREE_TEXT)) for key in keys}


@st.composite
def endpoint_forms(draw) -> tuple[str, dict[str, str]]:
    """An endpoint (with a query string for the step) and a form Twilio could send it."""
    path = draw(st.sampled_from(ENDPOINTS))
    return path, draw(twilio_forms(urlsplit(path).path))


def _account(client) -> str:
    """The AccountSid of the test settings (Twilio posts the account's own); any well-formed one when unset."""
    return client.application.extensions["ivr"].settings.twilio_account_sid or call_form()["AccountSid"]


def _post(client, path: str, form: dict[str, str], sign: str = "signed", fresh: bool = True, kind: str = ""):
    """Post like Twilio: a fresh CallSid, our AccountSid, signed with twilio's RequestValidator (or not: `sign`)."""
    if fresh:
        form = dict(form, CallSid="CA" + uuid.uuid4().hex, AccountSid=_account(client))
    url = "http://localhost" + path
    token, signed_url = {"signed": (TOKEN, url), "forged token": ("not-the-token", url),
                         "other URL": (TOKEN, "http://localhost/voice/other")}.get(sign, (None, None))
    headers = {"X-Twilio-Signature": RequestValidator(token).compute_signature(signed_url, form)} if token else {}
    response = client.post(path, data=form, headers=headers)
    EXAMPLES[f"{urlsplit(path).path} | {kind or sign} | {response.status_code}"] += 1
    return response


def _answered(response, caplog, path: str) -> None:
    """The request was served: the endpoint's answer, valid TwiML, and no error behind it."""
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    caplog.clear()
    assert not errors, errors[0].getMessage()
    if urlsplit(path).path in EMPTY_ANSWER:
        assert response.status_code == 204, (response.status_code, response.data[:300])
    else:
        assert response.status_code == 200, (response.status_code, response.data[:300])
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
@given(form=twilio_forms("/voice/incoming"))
def test_incoming(client, caplog, form):
    _answered(_post(client, "/voice/incoming", form), caplog, "/voice/incoming")


@FUZZ
@given(form=twilio_forms("/voice/step"), pick=st.integers(min_value=0),
       changes=st.dictionaries(st.sampled_from(STATE_KEYS), TEXT, max_size=3), random_args=st.booleans())
def test_step(client, caplog, real_states, form, pick, changes, random_args):
    args = {} if random_args else dict(parse_qsl(real_states[pick % len(real_states)]))
    args.update(changes)  # forged or broken state under a valid signature: the call starts over, never a 5xx
    path = "/voice/step" + ("?" + urlencode(args) if args else "")  # the URL as sent is the URL Twilio signs
    _answered(_post(client, path, form), caplog, path)


@FUZZ
@given(form=twilio_forms("/voice/status"))
def test_status(client, caplog, form):
    _answered(_post(client, "/voice/status", form), caplog, "/voice/status")


@FUZZ
@given(form=twilio_forms("/voice/recording"))
def test_recording(client, caplog, form):
    _answered(_post(client, "/voice/recording", form), caplog, "/voice/recording")


@FUZZ
@given(form=twilio_forms("/voice/fallback"))
def test_fallback(client, caplog, form):
    _answered(_post(client, "/voice/fallback", form), caplog, "/voice/fallback")


@FUZZ
@given(case=endpoint_forms(), sign=st.sampled_from(["unsigned", "forged token", "other URL"]))
def test_unsigned_or_forged_requests_get_403(client, caplog, case, sign):
    path, form = case
    assert _post(client, path, form, sign=sign).status_code == 403
    caplog.clear()


KNOWN = {key for keys in (REQUIRED, STANDARD, GATHER, DIAL, RECORD, STATUS, RECORDING, FALLBACK) for key in keys}
KNOWN |= {"ParentCallSid", "RecordingStartTime", "Duration"}
ANSWERED_DIGIT = {"CallSid": "CA" + "1" * 32, "AccountSid": "AC" + "0" * 32, "From": "+4917612345678",
                  "To": "+4920274763333", "CallStatus": "in-progress", "ApiVersion": "2010-04-01",
                  "Direction": "inbound", "Digit": "s1"}
"""A captured `Digits=1` re-sent as `Digit=s1`: the same signature."""


@FUZZ
@given(case=endpoint_forms(), extra=st.dictionaries(UNKNOWN_KEYS.filter(lambda key: key not in KNOWN), TEXT,
                                                    min_size=1, max_size=3))
@example(case=("/voice/step?v=x&n=y&l=de", ANSWERED_DIGIT), extra={})
def test_signed_forms_with_keys_twilio_never_sends_get_403(client, caplog, case, extra):
    path, form = case
    form = dict(form, **extra)
    assert set(form) - KNOWN
    assert _post(client, path, form, kind="signed, unknown keys").status_code == 403
    caplog.clear()


@FUZZ
@given(case=endpoint_forms(), missing=st.sampled_from(["CallSid", "AccountSid"]))
def test_signed_forms_without_a_key_twilio_always_sends_get_403(client, caplog, case, missing):
    path, form = case
    response = _post(client, path, form)
    caplog.clear()
    assert response.status_code in (200, 204)  # the same form with every key is served
    form = dict(form, CallSid="CA" + uuid.uuid4().hex, AccountSid=_account(client))
    del form[missing]
    assert _post(client, path, form, fresh=False, kind="signed, a key missing").status_code == 403
    caplog.clear()


@FUZZ
@given(body=st.one_of(st.text(max_size=300), st.text(alphabet="ab=&%+2Ä0F ", max_size=60),
                      st.lists(st.tuples(TEXT, TEXT), max_size=8).map(urlencode)))
def test_webhook_form_parser_reads_bodies_as_the_standard_library_does(body):
    """The direct parser of Twilio's form (a hot-path shortcut) must agree with parse_qsl on any body."""
    from ivr.web.voice.webhook import pairs as _pairs

    assert _pairs(body) == parse_qsl(body, keep_blank_values=True)
