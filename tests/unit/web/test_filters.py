"""Shared template filters: `local` shows a stored instant in the hotline's timezone."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from flask import render_template_string


def test_local_shows_the_configured_timezone(app):
    winter, summer = datetime(2026, 11, 24, 9, 0, tzinfo=UTC), datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    with app.test_request_context():
        shown = render_template_string("{{ a | local }}|{{ b | local('%H:%M') }}|{{ c | local }}", a=winter, b=summer,
                                       c=None)
    assert shown == "24.11.2026 10:00|11:00|–"


def _shown(app, template: str, lang: str = "de", **values) -> str:
    with app.test_request_context(f"/?lang={lang}"):
        return render_template_string(template, **values)


def test_when_shows_the_weekday_and_a_short_date_in_the_interface_language(app):
    at = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # Wednesday 16:00 in Berlin
    assert _shown(app, "{{ a | when }}|{{ b | when }}", a=at, b=None) == "Mi 02.12. 16:00|–"
    assert _shown(app, "{{ a | when }}", "en", a=at) == "Wed 2 Dec 16:00"
    clock = app.extensions["ivr"].clock
    today = clock().replace(hour=12, minute=30, tzinfo=UTC)
    assert _shown(app, "{{ a | when(today=True) }}|{{ b | when(today=True) }}", a=today, b=at) \
        == f"heute {today.astimezone(app.extensions['ivr'].tz):%H:%M}|Mi 02.12. 16:00"
    assert _shown(app, "{{ a | when(today=True) }}", "en", a=today).startswith("today ")


def test_phone_numbers_german_nationally_others_internationally_withheld_named(app):
    template = "{% for n in numbers %}{{ n | phone }}|{% endfor %}"
    numbers = ["+4915112345678", "+4917612345678", "+4920274763333", "+905321234567", "+4917000", None, "anonymous"]
    assert _shown(app, template, numbers=numbers).split("|")[:-1] == [
        "0151 1234 5678", "0176 1234 5678", "0202 7476 3333", "+90 532 123 45 67", "+4917000",
        "Rufnummer unterdrückt", "Rufnummer unterdrückt"]
    assert _shown(app, "{{ n | phone }}", "en", n=None) == "Number withheld"
    assert _shown(app, "{{ n | phone }}", "en", n="+4915112345678") == "+49 151 1234 5678"
    assert _shown(app, "{{ n | phone }}", "en", n="+4920274763333") == "+49 202 7476 3333"


def test_service_time_left_in_whole_hours_or_minutes(app):
    template = "{{ a | hours_left }}|{{ b | hours_left }}|{{ c | hours_left }}"
    assert _shown(app, template, a=24.0, b=7.75, c=0.5) == "24 Std.|7 Std.|30 Min."
    assert _shown(app, template, "en", a=24.0, b=7.75, c=0.5) == "24 h left|7 h left|30 min left"
