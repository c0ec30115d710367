"""Every route needs a login, except the public few; staff stay within their desks."""

from __future__ import annotations

import re

import pytest

PUBLIC = {"/login", "/healthz", "/metrics", "/barrierefreiheit"}  # the accessibility statement (BITV)
"""Paths anyone may open (plus /static/... and the signed /voice/... webhooks)."""
SAMPLE = {"int": "1", "string": "zebera", "path": "x/y", "default": "x"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        path = re.sub(
            r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", lambda m: SAMPLE.get(m.group(1) or "default", "x"), rule.rule
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, path, method


def test_only_the_public_paths_answer_without_login(app, engine):
    client = app.test_client()
    checked = 0
    for rule, path, method in _routes(app):
        response = client.open(path, method=method)
        if path in PUBLIC or rule.rule.startswith("/static/"):
            assert response.status_code != 302 or "/login" not in response.location, path
        elif rule.rule.startswith(("/voice/", "/sms/")):
            assert response.status_code == 403, f"{method} {path} must check Twilio's signature"
        elif rule.rule.startswith("/api/"):
            assert response.status_code == 401, f"{method} {path} must need a bearer token"
        else:
            assert response.status_code == 302, f"{method} {path} answered {response.status_code}"
            assert response.location.startswith("/login"), path
        checked += 1
    assert checked > 25


def test_a_logged_in_operator_reaches_no_task_page(app, people, make_task):
    task = make_task()
    olga = people("olga", role="operator", desks=("zebera",))
    for url in (
        "/staff/desks/zebera",
        f"/staff/tasks/{task}",
        f"/staff/tasks/{task}/recording",
        "/staff/desks/zebera/export.csv",
        "/staff/search?phone=017612345678",
        "/staff/overview",
    ):
        assert olga.get(url).status_code == 403, url
    assert olga.post(f"/staff/tasks/{task}/claim").status_code == 403


@pytest.mark.parametrize("role", ["staff", "supervisor"])
def test_no_role_but_admin_sees_another_bodys_desk(people, make_task, role):
    task = make_task(desk="integration_point")  # the employment agency's desk
    person = people("p", role=role, desks=("zebera", "auslaenderbehoerde"))
    assert person.get(f"/staff/tasks/{task}").status_code == 404
    assert person.get("/staff/desks/integration_point").status_code == 404
    if role == "supervisor":
        html = person.get("/staff/search?phone=017612345678").get_data(as_text=True)
        assert f"#{task}" not in html
        overview = person.get("/staff/overview").get_data(as_text=True)
        assert "+49176" not in overview  # aggregates only


def _check_headers(response, where: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert "no-store" in headers.get("Cache-Control", ""), where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), where


def test_staff_pages_and_the_api_are_neither_stored_nor_framed(app, people, api, make_task):
    task = make_task()
    root = people("root", role="admin", desks=())
    anonymous = app.test_client()
    for rule, path, method in _routes(app):
        if rule.rule.startswith(("/voice/", "/sms/", "/static/")):  # webhooks: nosniff only (their own test)
            continue
        _check_headers(anonymous.open(path, method=method), f"anonymous {method} {path}")
        if method == "GET":
            client = api if rule.rule.startswith("/api/") else root
            _check_headers(client.get(path), f"{method} {path}")
    for url in ("/staff/desks/zebera", f"/staff/tasks/{task}", "/admin/users/", "/dashboard/", "/login"):
        response = root.get(url)
        assert response.status_code == 200, url
        _check_headers(response, url)
    _check_headers(api.get("/api/desks"), "/api/desks")


def test_webhooks_answer_with_nosniff(app):
    from tests.factories import TOKEN
    from tests.support.phone import Phone

    client = app.test_client()
    answers = []

    def post(url, data, headers):
        answers.append(client.post(url, data=data, headers=headers))
        return answers[-1].status_code, answers[-1].data

    assert Phone(post=post, base="http://localhost", token=TOKEN).call().verbs
    assert answers and all(a.headers["X-Content-Type-Options"] == "nosniff" for a in answers)
    assert client.post("/voice/incoming").headers["X-Content-Type-Options"] == "nosniff"  # refused: 403
