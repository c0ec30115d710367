"""Login, logout, rate limiting, CSRF and session cookies."""

from __future__ import annotations

import sqlalchemy as sa

from ivr.db import audit_log
from tests.workbench.conftest import PASSWORD
from tests.workbench.conftest import Person


def test_login_lands_on_the_desk_list_and_logout_ends_the_session(app, people):
    anna = people("anna")
    response = anna.get("/staff/")
    assert response.status_code == 302 and response.location.endswith("/staff/desks/zebera")
    assert anna.get("/staff/desks/zebera").status_code == 200
    assert anna.post("/logout").status_code == 302
    assert anna.get("/staff/desks/zebera").location.startswith("/login")


def test_wrong_password_is_refused_and_audited(app, people, engine):
    people("anna")
    bert = Person(app, "anna")
    response = bert.login("not the password")
    assert response.status_code == 401
    assert "falsch" in response.get_data(as_text=True)
    with engine.connect() as conn:
        actions = conn.execute(sa.select(audit_log.c.action, audit_log.c.detail)).all()
    assert ("login.failed", None) in actions


def test_login_is_rate_limited_per_address_and_name(app, people):
    people("anna")
    people("bert")
    intruder = Person(app, "anna")
    for _ in range(5):
        assert intruder.login("guess guess guess").status_code == 401
    assert intruder.login(PASSWORD).status_code == 429  # even the right password waits now
    assert Person(app, "bert").login().status_code == 302  # another account is not locked out


def test_rate_limit_window_passes(app, people, clock):
    people("anna")
    intruder = Person(app, "anna")
    for _ in range(5):
        intruder.login("guess guess guess")
    clock.advance(minutes=16)
    assert intruder.login(PASSWORD).status_code == 302


def test_forms_need_a_csrf_token(app, people, make_task):
    anna = people("anna")
    task = make_task()
    assert anna.post(f"/staff/tasks/{task}/claim", csrf=False).status_code == 400
    assert anna.post(f"/staff/tasks/{task}/claim", {"csrf_token": "forged"}).status_code == 400
    assert anna.post(f"/staff/tasks/{task}/claim").status_code == 302
    login = app.test_client().post("/login", data={"username": "anna", "password": PASSWORD})
    assert login.status_code == 400


def test_webhooks_and_api_need_no_csrf_token(phone, api):
    assert phone().call().verbs  # a signed Twilio POST without any CSRF token
    assert api.post("/api/overflow", json={}).status_code == 400  # refused by the API's own checks, not CSRF


def test_session_cookie_is_secure_httponly_samesite(settings, clock, engine):
    from ivr import create_app
    from ivr import users

    with engine.begin() as conn:
        users.create(conn, "anna", PASSWORD, "staff", clock())
    app = create_app(settings, clock=clock, TESTING=True)  # production cookie settings
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    token = Person.token(page.get_data(as_text=True))
    response = client.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
        data={"username": "anna", "password": PASSWORD, "csrf_token": token},
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_next_parameter_stays_on_this_site(app, people):
    people("anna")
    visitor = Person(app, "anna")
    page = visitor.client.get("/login")
    response = visitor.client.post(
        "/login?next=//evil.example/x",
        data={
            "username": "anna",
            "password": PASSWORD,
            "csrf_token": Person.token(page.get_data(as_text=True)),
        },
    )
    assert response.location == "/staff/"
    assert app.test_client().get("/staff/search").location == "/login?next=/staff/search"


def test_roles_limit_pages(app, people):
    olga = people("olga", role="operator", desks=())
    assert olga.get("/staff/desks/zebera").status_code == 403
    assert olga.get("/staff/overview").status_code == 403
    anna = people("anna")
    assert anna.get("/staff/overview").status_code == 403
    assert anna.get("/staff/search").status_code == 403


def test_interface_language_switch(app, people):
    anna = people("anna")
    assert "Offene Rückrufe" in anna.get("/staff/desks/zebera").get_data(as_text=True)
    assert "Open callbacks" in anna.get("/staff/desks/zebera?lang=en").get_data(as_text=True)
    assert "Open callbacks" in anna.get("/staff/desks/zebera").get_data(as_text=True)  # remembered


def test_a_login_lasts_one_working_day(app):
    assert app.permanent_session_lifetime.total_seconds() == 10 * 3600


def test_operators_land_on_their_page_and_see_their_links(app, people):
    olga = Person(app, "olga")
    people("olga", role="operator", desks=())
    assert olga.login().location == "/operator/simulator"
    page = olga.get("/login").get_data(as_text=True)
    assert 'href="/operator/simulator"' in page and 'href="/dashboard/"' not in page
    assert "Meine Theken" not in page
    vera = people("vera", role="supervisor")
    page = vera.get("/staff/overview").get_data(as_text=True)
    assert 'href="/dashboard/"' in page and 'href="/operator/simulator"' not in page
