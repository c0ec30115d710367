"""Clocks the tests control: a settable one in-process, a file-backed one for server processes."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(text: str) -> datetime:
    """An instant given as local Wuppertal time, e.g. "2026-11-24 10:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).astimezone(UTC)


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, text: str) -> None:
        self.now = berlin(text)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FileClock:
    """Reads the time from a file on each call (so a test can steer a server process); real time if empty."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __call__(self) -> datetime:
        try:
            text = self.path.read_text().strip()
        except OSError:
            text = ""
        return datetime.fromisoformat(text) if text else datetime.now(UTC)

    def set(self, text: str) -> None:
        self.path.write_text(berlin(text).isoformat())
