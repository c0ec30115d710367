"""What Twilio's voice webhooks may carry: known keys per endpoint, required keys, closed-vocabulary values.

Twilio signs the sorted form as key+value with no separator, so a signed `Digits=1` also "signs" `Digit=s1`,
and `CallStatus=in-progress&Digits=1` also `CallStatus=in-progressDigits1`. A forger can only move the boundaries
between keys and values; refusing unknown keys, missing required keys and values outside their vocabulary leaves
no re-split that changes what we act on (shared/reference/twilio.md §2 lists the parameters)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping

from werkzeug.datastructures import MultiDict

STANDARD = frozenset({  # §2.1: every voice TwiML request, plus the legacy duplicates real payloads carry
    "CallSid", "AccountSid", "From", "To", "CallStatus", "ApiVersion", "Direction", "ForwardedFrom", "CallerName",
    "ParentCallSid", "CallToken", "FromCity", "FromState", "FromZip", "FromCountry", "ToCity", "ToState", "ToZip",
    "ToCountry", "Called", "Caller", "CalledCity", "CalledState", "CalledZip", "CalledCountry", "CallerCity",
    "CallerState", "CallerZip", "CallerCountry", "ApplicationSid",
    "StirVerstat", "StirPassportToken", "StirStatus", "AnsweredBy",  # §2.13
})
REQUIRED = frozenset({"CallSid", "AccountSid", "From", "To", "CallStatus", "ApiVersion", "Direction"})
"""§1.1: what Twilio sends with every call webhook."""
GATHER = frozenset({"Digits", "FinishedOnKey", "SpeechResult", "Confidence"})  # §2.3
DIAL = frozenset({"DialCallStatus", "DialCallSid", "DialCallDuration", "DialBridged", "RecordingUrl"})  # §2.7
RECORD = frozenset({"RecordingUrl", "RecordingDuration", "RecordingSid", "Digits"})  # §2.4
STATUS = frozenset({"CallDuration", "Duration", "RecordingUrl", "RecordingSid", "RecordingDuration", "Timestamp",
                    "CallbackSource", "SequenceNumber", "SipResponseCode"})  # §2.11
RECORDING_STATUS = frozenset({"AccountSid", "CallSid", "RecordingSid", "RecordingUrl", "RecordingStatus",
                              "RecordingDuration", "RecordingChannels", "RecordingSource", "RecordingStartTime",
                              "RecordingTrack", "ErrorCode"})  # §2.5
FALLBACK = frozenset({"ErrorCode", "ErrorUrl"})  # §2.12
QUEUE = frozenset({"QueueResult", "QueueSid", "QueueTime", "QueuePosition", "AvgQueueTime", "CurrentQueueSize",
                   "MaxQueueSize"})  # §2.8, §2.9: the Enqueue action and the waitUrl
DEQUEUE = frozenset({"QueueSid", "QueueTime", "DequeingCallSid"})  # §2.10: the <Queue url> request


class Rule:
    """The keys one endpoint accepts and the keys it needs."""

    __slots__ = ("allowed", "required")

    def __init__(self, allowed: frozenset[str], required: frozenset[str]):
        self.allowed, self.required = allowed | required, required


STEP = STANDARD | GATHER | DIAL | RECORD | QUEUE  # one endpoint answers Gather, Dial, Record, Enqueue actions
AGENT_STATUS = STANDARD | STATUS | frozenset({"CalledVia"})
RULES: dict[str, Rule] = {
    "/voice/incoming": Rule(STANDARD, REQUIRED),
    "/voice/step": Rule(STEP, REQUIRED),
    "/voice/status": Rule(STANDARD | STATUS, REQUIRED),
    # §2.5 lists no standard parameters for recording callbacks: they may come, but are not needed
    "/voice/recording": Rule(STANDARD | RECORDING_STATUS,
                             frozenset({"AccountSid", "CallSid", "RecordingSid", "RecordingUrl", "RecordingStatus"})),
    # the live queue: the caller's hold loop and its key, the offered person's call (whisper, key, bridge, end)
    "/voice/queue/wait": Rule(STANDARD | QUEUE, REQUIRED),
    "/voice/queue/key": Rule(STANDARD | QUEUE | GATHER, REQUIRED),
    "/voice/agent/whisper": Rule(STANDARD, REQUIRED),
    "/voice/agent/accept": Rule(STANDARD | GATHER, REQUIRED),
    "/voice/agent/bridge": Rule(STANDARD | DEQUEUE, REQUIRED),
    "/voice/agent/done": Rule(STANDARD | DIAL | QUEUE, REQUIRED),
    "/voice/agent/status": Rule(AGENT_STATUS, REQUIRED),
    # click-to-call: the callee's leg hears who calls and presses 1 before the staff member is connected
    "/voice/callee": Rule(STANDARD, REQUIRED),
    "/voice/callee/key": Rule(STANDARD | GATHER, REQUIRED),
    "/voice/callee/status": Rule(AGENT_STATUS, REQUIRED),
    # the fallback must answer whatever failed (the first webhook or an action): any call key, two needed
    "/voice/fallback": Rule(STEP | STATUS | FALLBACK, frozenset({"AccountSid", "CallSid"})),
}
"""Endpoint path -> its rule; paths not listed here are not Twilio webhooks."""

CALL_STATUSES = frozenset({"queued", "initiated", "ringing", "in-progress", "answered", "completed", "busy",
                           "failed", "no-answer", "canceled"})
"""§2.1 and §2.11 (`answered` is an event name of status callbacks)."""
DIAL_STATUSES = frozenset({"completed", "answered", "busy", "no-answer", "failed", "canceled"})
RECORDING_STATUSES = frozenset({"in-progress", "completed", "absent", "failed"})
DIRECTIONS = frozenset({"inbound", "outbound-api", "outbound-dial", "trunking-originating", "trunking-terminating"})
_HEX = frozenset("0123456789abcdef")
_KEYS = frozenset("0123456789*#")
_DIGITS = frozenset("0123456789")
_DATE = frozenset("0123456789 ,:+-ACDFGJMNOSTUWabcdeghilnoprtuvy")  # RFC 2822 dates: digits, day and month names


def _sid(prefix: str, optional: bool = True) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        if not value:
            return optional
        return len(value) == 34 and value.startswith(prefix) and _HEX.issuperset(value[2:])
    return check


def _number(value: str) -> bool:
    """Digits (an optional minus: Twilio reports -1 for an unknown duration), or empty."""
    return _DIGITS.issuperset(value[1:] if value.startswith("-") else value) and len(value) <= 12


def _keys(value: str) -> bool:
    """Keys pressed, or a lower-case word such as `hangup` (a merged key name always has capitals)."""
    return len(value) <= 64 and (_KEYS.issuperset(value) or (value.isascii() and value.isalpha() and value.islower()))


def _twilio_url(value: str) -> bool:
    """A recording URL at Twilio (the worker rebuilds it from the SID anyway, but staff may see it)."""
    if not value:
        return True
    host = value[8:].split("/", 1)[0]
    return value.startswith("https://") and (host == "api.twilio.com" or host.endswith(".twilio.com"))


CHECKS: dict[str, Callable[[str], bool]] = {
    "CallSid": _sid("CA", optional=False),
    "AccountSid": _sid("AC", optional=False),
    "ParentCallSid": _sid("CA"),
    "DialCallSid": _sid("CA"),
    "RecordingSid": _sid("RE"),
    "ApplicationSid": _sid("AP"),
    "QueueSid": _sid("QU"),
    "DequeingCallSid": _sid("CA"),
    "QueueResult": lambda v: len(v) <= 32 and v.isascii() and v.replace("-", "").isalpha() and v.islower(),
    "QueueTime": _number, "QueuePosition": _number, "AvgQueueTime": _number, "CurrentQueueSize": _number,
    "MaxQueueSize": _number,
    "CallStatus": CALL_STATUSES.__contains__,
    "DialCallStatus": DIAL_STATUSES.__contains__,
    "RecordingStatus": RECORDING_STATUSES.__contains__,
    "Direction": DIRECTIONS.__contains__,
    "ApiVersion": "2010-04-01".__eq__,
    "Digits": _keys,
    "FinishedOnKey": lambda v: len(v) <= 1 and _KEYS.issuperset(v),
    "DialBridged": lambda v: v in ("", "true", "false"),
    "RecordingUrl": _twilio_url,
    "CallDuration": _number, "Duration": _number, "DialCallDuration": _number, "RecordingDuration": _number,
    "SequenceNumber": _number, "RecordingChannels": _number, "SipResponseCode": _number, "ErrorCode": _number,
    "Timestamp": lambda v: len(v) <= 40 and _DATE.issuperset(v),  # RFC 2822: Tue, 24 Nov 2026 18:30:00 +0000
}
"""Key -> check of its value, for every key with a closed vocabulary; the rest (From, To, cities …) is free text."""
NEEDS_VALUE = frozenset(key for key, check in CHECKS.items() if not check(""))
"""Checked keys whose value may not be empty (the SIDs that identify the call, the statuses, ApiVersion)."""
URLS = frozenset({"RecordingUrl"})
"""Checked keys whose values are still partly free."""


def _name(key: str) -> str:
    """A key for the log: Twilio's names are letters only; anything else may carry a forger's data."""
    return repr(key) if key.isascii() and key.isalpha() and len(key) <= 40 else f"<{len(key)} other characters>"


def problem(path: str, form: MultiDict | list[tuple[str, str]], fields: Mapping[str, str],
            account_sid: str | None) -> str | None:
    """Why this webhook's form (a MultiDict or its pairs; `fields`: each key's value) is not one Twilio sends to
    `path` (safe to log: no values), or None when it is."""
    rule = RULES.get(path)
    if rule is None:
        return None
    if not rule.allowed.issuperset(fields):
        return "unknown keys " + ", ".join(sorted(_name(k) for k in fields if k not in rule.allowed))
    if not rule.required.issubset(fields):
        return "missing keys " + ", ".join(sorted(rule.required.difference(fields)))
    if len(form) != len(fields) if isinstance(form, list) else any(len(v) > 1 for v in form.listvalues()):
        return "repeated keys"
    for key, value in fields.items():
        if not value:
            if key in NEEDS_VALUE:
                return f"empty {key}"
            continue
        check = CHECKS.get(key)
        if check is not None:
            if not check(value):
                return f"malformed {key}"
            if key not in URLS:
                continue
        # a free value that swallowed the pairs after it (CallerZip=Digits1 for CallerZip=&Digits=1) holds a key
        # name, and key names mix cases: numbers, countries and Twilio's lower-case words never pay for the search
        if value != value.lower() and value != value.upper() \
                and any(name in value for name in rule.allowed if name not in fields):
            return f"key name inside {key}"
    if account_sid and fields["AccountSid"] != account_sid:
        return "AccountSid of another account"
    return None


def e164(value: str | None) -> str | None:
    """`value` when it is an E.164 number (+, then 7 to 15 digits), else None: a caller ID we may store."""
    if value and 8 <= len(value) <= 16 and value[0] == "+" and value[1] != "0" and _DIGITS.issuperset(value[1:]):
        return value
    return None
