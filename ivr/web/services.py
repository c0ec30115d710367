"""The web's view of the process container (ivr.container): set up with an app, found from any request."""

from __future__ import annotations

from flask import Flask
from flask import current_app

from ivr.container import Container

EXTENSION = "ivr"
"""The container's key in app.extensions."""


def init_app(app: Flask, container: Container) -> None:
    """Serve `app` from `container`; a served app (not a test's) watches flows and config for published changes."""
    app.extensions[EXTENSION] = container
    container.store  # noqa: B018 - the flows and config are loaded and checked at start, not at the first call
    seconds = container.settings.flows_watch_seconds
    if not app.testing and seconds:
        container.store.watch(seconds)


def services() -> Container:
    """Return the container of the current Flask app."""
    return current_app.extensions[EXTENSION]
