"""People's hooks (CSRF, login guard, Flask-Login's cookie, page headers) run for every page but never for the
webhooks, which keep their own nosniff and never get a session cookie."""

from __future__ import annotations

from flask import request

from ivr.web.application import STAFF
from ivr.web.application import staff_hooks
from tests.factories import TOKEN
from tests.support.phone import Phone


def _caller(app, answers: list) -> Phone:
    client = app.test_client()

    def post(url, data, headers):
        answers.append(client.post(url, data=data, headers=headers))
        return answers[-1].status_code, answers[-1].data

    return Phone(post=post, base="http://localhost", token=TOKEN)


def test_hooks_registered_for_people_skip_the_webhooks(app):
    ran: list[tuple[str, str]] = []
    with staff_hooks(app):
        app.before_request(lambda: ran.append(("people", request.path)))
    app.before_request(lambda: ran.append(("every", request.path)))
    answers: list = []
    phone = _caller(app, answers)
    phone.call()
    phone.press("1")
    app.test_client().get("/login")
    app.test_client().get("/static/nowhere.css")  # no blueprint, public: the guard lets it through to our hook
    assert [who for who, path in ran if path.startswith("/voice/")] == ["every", "every"]
    assert ("people", "/login") in ran and ("people", "/static/nowhere.css") in ran


def test_the_app_keeps_csrf_guard_and_cookie_hooks_for_people_only(app):
    names = {hook.__name__ for hook in app.before_request_funcs[STAFF]}
    assert {"csrf_protect", "_guard"} <= names
    assert not {"csrf_protect", "_guard"} & {hook.__name__ for hook in app.before_request_funcs.get(None, ())}
    assert {getattr(hook, "__name__", "") for hook in app.after_request_funcs[STAFF]} >= {"_secure",
                                                                                         "_update_remember_cookie"}


def test_webhook_answers_have_nosniff_and_no_page_headers_or_cookie(app):
    answers: list = []
    phone = _caller(app, answers)
    phone.call()
    phone.press("1")
    refused = app.test_client().post("/voice/incoming")  # unsigned: 403
    assert refused.status_code == 403 and len(answers) == 2
    for answer in [*answers, refused]:
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert "X-Frame-Options" not in answer.headers and "Set-Cookie" not in answer.headers
    page = app.test_client().get("/login")
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" in page.headers  # the session with its CSRF token


def test_people_are_still_guarded(app, login):
    answer = app.test_client().get("/staff/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert login("staff").post("/logout").status_code == 400  # no CSRF token
