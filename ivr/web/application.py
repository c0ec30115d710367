"""The hotline's Flask class: the webhooks skip the hooks of the pages people use, and pay for no session."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain
from typing import Any

from flask import Flask
from flask import Request
from flask import request
from flask.globals import request_ctx
from flask.sessions import SecureCookieSessionInterface
from flask.wrappers import Response

WEBHOOKS = frozenset({"voice", "sms"})
"""Blueprints that serve Twilio, not people: no session, no login guard, no CSRF, no page headers."""
STAFF = "ivr:staff"
"""Where hooks of people's pages are kept (Flask's own key None runs them on every request)."""


class HotlineFlask(Flask):
    """Flask, with hooks for people's pages that webhooks skip, and coroutine checks done once per function.

    A cached webhook step takes about half a millisecond; CSRF, the login guard, Flask-Login's cookie hook and the
    page headers cost a fifth of that without doing anything for Twilio.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        sync = self._sync.get(func)
        if sync is None:
            sync = self._sync[func] = super().ensure_sync(func)
        return sync

    def preprocess_request(self) -> Any:
        if request.blueprint not in WEBHOOKS:
            for func in self.before_request_funcs.get(STAFF, ()):
                answer = self.ensure_sync(func)()
                if answer is not None:
                    return answer
        return super().preprocess_request()

    def process_response(self, response: Response) -> Response:
        # Flask's own, with the people's hooks last (as if registered first on the app) and before the session is
        # saved (Flask-Login's cookie hook changes the session)
        ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
        for func in ctx._after_request_functions:
            response = self.ensure_sync(func)(response)
        names: Any = chain(request.blueprints, (None,) if request.blueprint in WEBHOOKS else (None, STAFF))
        for name in names:
            for func in reversed(self.after_request_funcs.get(name, ())):
                response = self.ensure_sync(func)(response)
        if not self.session_interface.is_null_session(ctx._session):
            self.session_interface.save_session(self, ctx._session, response)
        return response


@contextmanager
def staff_hooks(app: Flask) -> Iterator[None]:
    """Request hooks registered on the app inside this block run for people's pages only, never for webhooks."""
    before, after = list(app.before_request_funcs.get(None, ())), list(app.after_request_funcs.get(None, ()))
    yield
    for hooks, kept in ((app.before_request_funcs, before), (app.after_request_funcs, after)):
        added = [func for func in hooks.get(None, ()) if func not in kept]
        hooks[None] = kept
        hooks.setdefault(STAFF, []).extend(added)  # type: ignore[arg-type]


class WebhookAwareSessions(SecureCookieSessionInterface):
    """Skip the session cookie for Twilio webhooks: they never use one, and the hot path should not pay for it."""

    def open_session(self, app: Flask, request: Request):  # type: ignore[override]
        if request.path.startswith(("/voice/", "/sms/")):
            return self.null_session_class()
        return super().open_session(app, request)
