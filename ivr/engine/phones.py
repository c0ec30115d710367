"""Callback numbers: parse what a caller keyed in or Twilio sent, refuse what we must not call, mask for logs."""

from __future__ import annotations

import re
from collections.abc import Collection

import phonenumbers
from phonenumbers import PhoneNumberType

from ivr.engine.model import NumberCheck

CALLABLE_TYPES = {
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
}
"""Number types we call back; premium, shared-cost, toll-free and service numbers are refused."""
TEXTABLE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
"""Number types offered the SMS confirmation (the SMS sender refuses the others)."""
GERMAN_SERVICE_PREFIXES = ("900", "137", "138", "118", "180", "190", "116", "115", "110", "112", "800", "700")
"""German national prefixes of premium, mass-call, directory, service and emergency numbers."""
ANONYMOUS = {"", "anonymous", "restricted", "unknown", "private", "unavailable", "+266696687", "+7378742833",
             "+86282452253", "+8656696"}
"""Values of `From` that Twilio sends for a withheld or unknown caller ID."""
_DIGITS = re.compile(r"^\+?\d+$")


def _refusal(number: phonenumbers.PhoneNumber) -> str | None:
    national = str(number.national_number)
    if number.country_code == 49 and national.startswith(GERMAN_SERVICE_PREFIXES):
        return "premium"
    if len(national) < 6:
        return "short"
    if not phonenumbers.is_valid_number(number):
        return "invalid"
    if phonenumbers.number_type(number) not in CALLABLE_TYPES:
        return "premium"
    return None


def check_number(raw: str | None, allowed_countries: Collection[str]) -> NumberCheck:
    """Decide whether we may call a number back; keyed input (0..., 00...) or E.164 (+...)."""
    text = (raw or "").strip().replace(" ", "")
    if text.lower() in ANONYMOUS or not _DIGITS.match(text) or len(text) > 20:
        return NumberCheck(False, reason="invalid")
    if text.startswith("00"):
        text = "+" + text[2:]
    elif not text.startswith("+"):
        if text.startswith(("11", "19")) or len(text) <= 6:
            return NumberCheck(False, reason="short")  # 110, 112, 115, 116xxx, 118xx, 19xxx and other short codes
        if not text.startswith("0"):
            return NumberCheck(False, reason="invalid")  # a local number without area code is ambiguous
        text = "+49" + text[1:]
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return NumberCheck(False, reason="invalid")
    reason = _refusal(number)
    if reason:
        return NumberCheck(False, reason=reason)
    if phonenumbers.region_code_for_number(number) not in set(allowed_countries):
        return NumberCheck(False, reason="country")
    return NumberCheck(True, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                       mobile=phonenumbers.number_type(number) in TEXTABLE_TYPES)


def is_anonymous(raw: str | None) -> bool:
    """True when Twilio reports a withheld caller ID."""
    return (raw or "").strip().lower() in ANONYMOUS


def mask(phone: str | None) -> str:
    """Mask a phone number for logs: keep the country code and the last two digits."""
    if not phone:
        return "-"
    digits = phone.strip()
    if len(digits) <= 4:
        return "***"
    head = digits[:3] if digits.startswith("+") else digits[:1]
    return head + "*" * (len(digits) - len(head) - 2) + digits[-2:]


_PHONE_IN_TEXT = re.compile(r"(?<![\w/])(\+|00)?\d[\d \-/]{6,}\d")


_DATE = re.compile(r"(19|20)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])( ([01]\d|2[0-3]))?")
"""ISO dates (with the hour of a following time) look like numbers to the pattern above but are not."""


def _mask_match(match: re.Match) -> str:
    found = match.group(0)
    return found if _DATE.fullmatch(found) else mask(re.sub(r"[ \-/]", "", found))


def mask_text(text: str) -> str:
    """Mask anything that looks like a phone number inside free text (log lines); dates stay readable."""
    return _PHONE_IN_TEXT.sub(_mask_match, text)
