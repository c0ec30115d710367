"""Callback numbers: premium, service and short codes refused; E.164 abroad only for allowed countries."""

from __future__ import annotations

import pytest

from ivr.engine.phones import check_number
from ivr.engine.phones import is_anonymous
from ivr.engine.phones import mask
from ivr.engine.phones import mask_text

EU = ["DE", "AT", "FR", "NL", "PL", "IT", "ES"]


@pytest.mark.parametrize("raw", ["09001234567", "+499001234567", "00499001234567", "013712345678", "01371234567",
                                 "01805123456", "0180512345", "0700123456789", "08001234567"])
def test_premium_and_service_numbers_are_refused(raw):
    check = check_number(raw, EU)
    assert not check.ok and check.reason == "premium"


@pytest.mark.parametrize("raw", ["11833", "118 80", "110", "112", "116117", "115", "19222", "22833", "1234"])
def test_short_codes_are_refused(raw):
    check = check_number(raw, EU)
    assert not check.ok and check.reason == "short"


@pytest.mark.parametrize("raw,e164", [
    ("015112345678", "+4915112345678"), ("0202 5634003", "+492025634003"), ("+4917612345678", "+4917612345678"),
    ("0043 664 1234567", "+436641234567"), ("+33612345678", "+33612345678"), ("0048501234567", "+48501234567"),
])
def test_callable_numbers_come_back_in_e164(raw, e164):
    check = check_number(raw, EU)
    assert check.ok and check.e164 == e164


@pytest.mark.parametrize("raw", ["+12025550123", "001 202 555 0123", "+905321234567", "+79161234567"])
def test_countries_outside_the_allow_list_are_refused(raw):
    check = check_number(raw, EU)
    assert not check.ok and check.reason == "country"


def test_allow_list_decides_per_country():
    assert check_number("+905321234567", ["DE", "TR"]).ok
    assert check_number("015112345678", ["TR"]).reason == "country"


@pytest.mark.parametrize("raw", ["", None, "abc", "+49-151", "12#34", "0" * 25, "anonymous", "5551234567"])
def test_garbage_is_invalid(raw):
    check = check_number(raw, EU)
    assert not check.ok and check.reason in ("invalid", "short")


def test_withheld_caller_ids():
    assert is_anonymous("anonymous") and is_anonymous("+266696687") and is_anonymous(None)
    assert not is_anonymous("+4917612345678")


def test_masking_keeps_country_and_last_two_digits():
    assert mask("+4917612345678") == "+49*********78"
    assert "17612345" not in mask_text("caller +4917612345678 and 0176 1234 5678 asked")


@pytest.mark.parametrize("text", ["retry at 2026-11-25 20:53:30.086215+00:00", "due 2026-11-24T13:00:00",
                                  "from 2027-02-08 12:00 on"])
def test_dates_in_log_lines_stay_readable(text):
    assert mask_text(text) == text


@pytest.mark.parametrize("text", ["call 0202-56-34 003 now", "+49 176 1234 5678", "0176/12345678",
                                  "2026-11-24 0176 1234567"])
def test_numbers_next_to_dates_are_still_masked(text):
    masked = mask_text(text)
    assert "1234" not in masked.replace("2026-11-24", "") and "56-34 003" not in masked
