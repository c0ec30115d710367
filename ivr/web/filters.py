"""Template filters that pages of several audiences use."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import phonenumbers
from babel.dates import format_datetime
from flask import Flask

from ivr.engine.phones import is_anonymous
from ivr.web.i18n import translate
from ivr.web.i18n import ui_lang
from ivr.web.services import services


def local(value: datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """A stored instant in the hotline's timezone (a dash when there is none)."""
    return value.astimezone(services().tz).strftime(fmt) if value else "–"


def when(value: datetime | None, today: bool = False) -> str:
    """A stored instant, short and with its weekday: `Mi 02.12. 16:00` in German, `Wed 2 Dec 16:00` in English;
    with `today`, an instant of today as `heute 16:00`/`today 16:00`."""
    if value is None:
        return "–"
    at = value.astimezone(services().tz)
    if today and at.date() == services().clock().astimezone(services().tz).date():
        return translate("dl_today", at=f"{at:%H:%M}")
    if ui_lang() == "de":  # Babel's German weekday abbreviation ends in a dot ("Mi."): the list writes "Mi"
        return f"{format_datetime(at, 'EEE', locale='de').rstrip('.')} {at:%d.%m. %H:%M}"
    return format_datetime(at, "EEE d MMM HH:mm", locale="en")


def _grouped(digits: str) -> str:
    """A subscriber number of more than six digits split before its last four: `1234 5678`, `123 4567`."""
    return f"{digits[:-4]} {digits[-4:]}" if len(digits) > 6 else digits


def phone(value: str | None) -> str:
    """A caller's number as people read it: German numbers nationally under German (`0151 1234 5678`), else and
    under English internationally (`+90 532 123 45 67`, `+49 151 1234 5678`); a withheld one named."""
    if value is None or is_anonymous(value):
        return translate("dl_withheld")
    return _written(value, ui_lang() == "de")


@lru_cache(maxsize=2048)  # phonenumbers takes ~0.1 ms a number: a third of the desk list's time (bench/desklist.py)
def _written(value: str, national_form: bool) -> str:
    try:
        number = phonenumbers.parse(value, "DE")
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    if number.country_code != 49:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.national_significant_number(number)
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
        prefix = 3  # 015x, 016x, 017x: the prefix people know, though 015x numbers have a longer one in the plan
    else:
        prefix = phonenumbers.length_of_national_destination_code(number) or 3
    trunk = "0" if national_form else "+49 "  # in English the international form, grouped the same way
    return f"{trunk}{national[:prefix]} {_grouped(national[prefix:])}"


def hours_left(hours: float) -> str:
    """Service time left, whole: `24 Std.`/`24 h left`; under an hour in minutes (`40 Min.`/`40 min left`)."""
    if hours >= 1:
        return translate("dl_hours_left", n=int(hours))
    return translate("dl_minutes_left", n=max(0, int(hours * 60)))


def init_app(app: Flask) -> None:
    """Make the filters known to every template."""
    app.add_template_filter(local, "local")
    app.add_template_filter(when, "when")
    app.add_template_filter(phone, "phone")
    app.add_template_filter(hours_left, "hours_left")
