"""Webhook parameter rules: known keys per endpoint, required keys, closed vocabularies, no re-split forms."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from ivr.telephony.params import e164
from ivr.telephony.params import problem
from tests.factories import call_form

ACCOUNT = "AC" + "0" * 32


def check(path: str, form: dict[str, str] | list[tuple[str, str]], account: str | None = ACCOUNT) -> str | None:
    """The rule's verdict on a form, as the voice views ask for it (the form and each key's first value)."""
    multi = MultiDict(form)
    return problem(path, multi, multi.to_dict(), account)


@pytest.mark.parametrize("path", ["/voice/incoming", "/voice/step", "/voice/status"])
def test_a_plain_call_form_passes(path):
    assert check(path, call_form()) is None


def test_paths_without_a_rule_are_not_twilio_webhooks():
    assert check("/api/callbacks", {"anything": "goes"}) is None


def test_unknown_keys_are_named_without_their_values():
    assert check("/voice/incoming", call_form(Colour="+4917612345678")) == "unknown keys 'Colour'"
    forged = check("/voice/incoming", call_form(**{"Digits=1&x": "y"}))
    assert forged == "unknown keys <10 other characters>"  # a forger's key name is not logged either


def test_keys_of_another_endpoint_are_unknown():
    assert check("/voice/incoming", call_form(Digits="1")) == "unknown keys 'Digits'"
    assert check("/voice/step", call_form(Digits="1")) is None


def test_missing_required_keys_are_named():
    form = call_form()
    del form["ApiVersion"], form["Direction"]
    assert check("/voice/incoming", form) == "missing keys ApiVersion, Direction"


def test_a_repeated_key_is_refused():
    pairs = [*call_form().items(), ("CallStatus", "completed")]
    assert check("/voice/status", pairs) == "repeated keys"


def test_a_key_that_needs_a_value_may_not_be_empty():
    assert check("/voice/incoming", call_form(CallStatus="")) == "empty CallStatus"
    assert check("/voice/incoming", call_form(CallerZip="")) is None  # free text may be empty


@pytest.mark.parametrize(("key", "value"), [
    ("CallSid", "CA123"),
    ("CallSid", "CA" + "G" * 32),
    ("AccountSid", "AX" + "0" * 32),
    ("CallStatus", "in-progressDigits1"),
    ("Direction", "sideways"),
    ("ApiVersion", "2008-08-01"),
    ("Digits", "1Timestamp"),
    ("RecordingUrl", "https://evil.example/api.twilio.com/rec"),
    ("RecordingUrl", "http://api.twilio.com/rec"),
    ("DialCallDuration", "12s"),
])
def test_values_outside_their_vocabulary_are_malformed(key, value):
    assert check("/voice/step", call_form(**{key: value})) == f"malformed {key}"


@pytest.mark.parametrize(("key", "value"), [
    ("Digits", "12#"),
    ("Digits", "hangup"),  # Twilio's own lower-case words
    ("DialCallStatus", "no-answer"),
    ("DialCallDuration", "-1"),  # an unknown duration
    ("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE1"),
])
def test_values_twilio_sends_pass(key, value):
    assert check("/voice/step", call_form(**{key: value})) is None


def test_a_status_timestamp_in_rfc_2822_passes():
    assert check("/voice/status", call_form(Timestamp="Tue, 24 Nov 2026 18:30:00 +0000", CallDuration="42")) is None


def test_a_free_value_that_swallowed_the_next_pair_is_refused():
    # signed `CallerZip=&Digits=1` also signs `CallerZip=Digits1`: the key name inside the value gives it away
    assert check("/voice/step", call_form(CallerZip="Digits1")) == "key name inside CallerZip"
    assert check("/voice/step", call_form(CallerZip="Digits1", Digits="1")) is None  # Digits is there already


def test_free_text_in_one_case_is_never_searched():
    assert check("/voice/step", call_form(CallerCity="DIGITS", FromCity="wuppertal")) is None


def test_another_accounts_webhook_is_refused():
    assert check("/voice/incoming", call_form(AccountSid="AC" + "1" * 32)) == "AccountSid of another account"
    assert check("/voice/incoming", call_form(AccountSid="AC" + "1" * 32), account=None) is None


def test_the_fallback_needs_only_the_call_and_account():
    assert check("/voice/fallback", {"CallSid": "CA" + "a" * 32, "AccountSid": ACCOUNT, "ErrorCode": "11200"}) is None
    assert check("/voice/fallback", {"AccountSid": ACCOUNT}) == "missing keys CallSid"


@pytest.mark.parametrize(("value", "expected"), [
    ("+4917612345678", "+4917612345678"),
    ("+1234567", "+1234567"),
    ("+123456", None),  # too short
    ("+1234567890123456", None),  # more than 15 digits
    ("+0497612345678", None),
    ("017612345678", None),
    ("+49 176 12345678", None),
    ("anonymous", None),
    ("", None),
    (None, None),
])
def test_e164_keeps_only_numbers_we_may_store(value, expected):
    assert e164(value) == expected
