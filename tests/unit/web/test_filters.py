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
