"""The app as the end-to-end tests serve it with gunicorn: the real factory plus a clock the test steers."""

from __future__ import annotations

import os

from ivr import create_app
from tests.support.clock import FileClock


def app():
    """Gunicorn entry point: `tests.support.serve:app()`."""
    return create_app(clock=FileClock(os.environ["IVR_TEST_CLOCK_FILE"]))
