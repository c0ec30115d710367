"""Template filters that pages of several audiences use."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from ivr.web.services import services


def local(value: datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """A stored instant in the hotline's timezone (a dash when there is none)."""
    return value.astimezone(services().tz).strftime(fmt) if value else "–"


def init_app(app: Flask) -> None:
    """Make the filters known to every template."""
    app.add_template_filter(local, "local")
