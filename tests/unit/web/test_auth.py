"""Login, logout, rate limiting, CSRF and session cookies."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ivr.store.db import audit_log
from tests.unit.conftest import PASSWORD
from tests.unit.conftest import Person
from tests.unit.conftest import opens_desk


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


def test_login_limits_live_in_redis_and_expire_with_the_window(app, people, redis_conn):
    people("anna")
    intruder = Person(app, "anna")
    for _ in range(5):
        intruder.login("guess guess guess")
    keys = [k for k in redis_conn.scan_iter("LIMITS*")]
    assert keys, "the login limits must be kept in the app's Redis (shared by every web process)"
    assert all(0 < redis_conn.ttl(k) <= 900 for k in keys)  # a block lasts the window at most
    assert not any(b"anna" in k for k in keys)  # names (maybe a mistyped password) never reach Redis in clear


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
    from ivr.hotline import users
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


def _login_via(app, next_query: str):
    """Open /login?next=<raw query value> as an anonymous visitor, then log in as anna with the form."""
    visitor = Person(app, "anna")
    page = visitor.client.get(f"/login?next={next_query}")
    assert page.status_code == 200
    token = Person.token(page.get_data(as_text=True))
    return visitor.client.post(f"/login?next={next_query}",
                               data={"username": "anna", "password": PASSWORD, "csrf_token": token})


@pytest.mark.parametrize("target", [
    "/%09/evil.com",  # tab: browsers drop it and read //evil.com (the reported case)
    "/%0D%0ALocation:%20//evil.com",  # CR LF: used to answer 500
    "/%0A/evil.com",
    "%09//evil.com",
    "//evil.com",
    "///evil.com",
    "/%5Cevil.com",  # backslash: browsers read /\ as //
    "%5C%5Cevil.com",
    "https://evil.com/",
    "http:evil.com",
    "javascript:alert(1)",
    "/%E3%80%80/evil.com",  # an ideographic space
    "/%7F/evil.com",
    "evil.com",
])
def test_login_never_redirects_off_site(app, people, target):
    people("anna")
    response = _login_via(app, target)
    assert response.status_code == 302 and response.location == "/staff/", response.location


@pytest.mark.parametrize("target", ["/staff/desks/zebera", "/staff/search?phone=0176"])
def test_login_returns_to_a_page_of_this_site(app, people, target):
    people("anna")
    response = _login_via(app, target.replace("?", "%3F").replace("=", "%3D"))
    assert response.status_code == 302 and response.location == target


@pytest.mark.parametrize("path", ["/%09/evil.com", "/%0D%0ALocation:%20//evil.com", "/%5C/evil.com"])
def test_an_odd_path_does_not_make_an_off_site_login_link(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 302 and response.location == "/login"


def test_logout_ends_that_session_for_good(app, people, make_task):
    make_task(phone="+4917612345678")
    anna = people("anna")
    copy = anna.replay()
    elsewhere = Person(app, "anna")  # the same person in a second browser
    assert elsewhere.login().status_code == 302
    assert opens_desk(copy)
    assert anna.post("/logout").status_code == 302
    assert not opens_desk(copy)
    assert opens_desk(elsewhere.client)  # logging out ends this session, not the person's others


def test_the_login_fixture_still_gives_a_working_session(login):
    client = login("admin")
    assert client.get("/admin/users/").status_code == 200


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
    assert "Meine Stellen" not in page
    vera = people("vera", role="supervisor")
    page = vera.get("/staff/overview").get_data(as_text=True)
    assert 'href="/dashboard/"' in page and 'href="/operator/simulator"' not in page


def _attempt(app, username: str, password: str = "guess guess guess", address: str = "127.0.0.1") -> int:
    """One login from a browser at `address`; return the status."""
    person = Person(app, username)
    person.client.environ_base["REMOTE_ADDR"] = address
    return person.login(password).status_code


def test_one_address_gets_a_bounded_number_of_attempts(app, people):
    people("anna")
    app.config["LOGIN_RATE_PER_ADDRESS"] = "3 per minute"
    assert [_attempt(app, f"ghost{i}", address="10.0.0.1") for i in range(3)] == [401, 401, 401]
    assert _attempt(app, "anna", PASSWORD, address="10.0.0.1") == 429  # random names exhaust the address
    assert _attempt(app, "anna", PASSWORD, address="10.0.0.2") == 302


def test_all_addresses_together_get_a_bounded_number_of_attempts(app, people):
    people("anna")
    app.config["LOGIN_RATE_GLOBAL"] = "4 per minute"
    assert [_attempt(app, f"ghost{i}", address=f"10.0.1.{i}") for i in range(4)] == [401] * 4
    assert _attempt(app, "anna", PASSWORD, address="10.0.2.1") == 429


@pytest.mark.parametrize("name", ["anna", "ghost"])  # an unknown name is locked exactly like an account
def test_a_name_is_locked_after_failures_from_many_addresses(app, people, name):
    people("anna")
    app.config["LOGIN_MAX_FAILURES"] = 2  # per address and name; per name from anywhere: 4 x as many
    assert [_attempt(app, name, address=f"10.0.3.{i}") for i in range(8)] == [401] * 8
    assert _attempt(app, name, PASSWORD, address="10.0.4.1") == 429
    assert _attempt(app, "bert", address="10.0.4.1") == 401  # another name is not locked


def test_a_busy_hashing_slot_refuses_at_once_instead_of_queuing(app, people, engine):
    from ivr.web import throttle
    people("anna")
    with throttle.hash_slot(app) as held:  # another request (or process) is hashing a password now
        assert held
        response = Person(app, "anna").login()
        assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    with engine.connect() as conn:
        actions = conn.execute(sa.select(audit_log.c.action)).scalars().all()
    assert "login.failed" not in actions  # the password was not even checked
    assert Person(app, "anna").login().status_code == 302


def test_without_redis_the_limits_hold_per_process(tmp_path, database_url, engine, clock):
    from ivr import create_app
    from ivr.hotline import users
    from ivr.store.redisserver import free_port
    from tests.factories import make_settings

    with engine.begin() as conn:
        users.create(conn, "anna", PASSWORD, "staff", clock())
    dead = make_settings(tmp_path, database_url, f"redis://127.0.0.1:{free_port()}/0")
    app = create_app(dead, clock=clock, TESTING=True, SESSION_COOKIE_SECURE=False)
    assert [_attempt(app, "anna") for _ in range(5)] == [401] * 5
    assert _attempt(app, "anna", PASSWORD) == 429  # the lockout still holds, kept in this process's memory
    assert _attempt(app, "anna", PASSWORD, address="10.0.5.1") == 302


def test_a_used_up_limit_is_refused_before_flask_and_redis(app, people, redis_conn):
    people("anna")
    app.config["LOGIN_RATE_PER_ADDRESS"] = "2 per minute"
    assert [_attempt(app, f"ghost{i}", address="10.0.6.1") for i in range(3)] == [401, 401, 429]
    flooder = Person(app, "ghost")
    flooder.client.environ_base["REMOTE_ADDR"] = "10.0.6.1"
    token = Person.token(flooder.client.get("/login").get_data(as_text=True))
    before = redis_conn.info("stats")["total_commands_processed"]
    for i in range(10):
        response = flooder.client.post("/login", data={"username": f"x{i}", "password": "y" * 12, "csrf_token": token})
        assert response.status_code == 429 and 0 < int(response.headers["Retry-After"]) <= 61  # whole seconds
        assert response.headers["Cache-Control"] == "no-store"
    assert redis_conn.info("stats")["total_commands_processed"] - before <= 2  # the INFO calls themselves
    assert _attempt(app, "anna", PASSWORD, address="10.0.6.2") == 302


def test_the_limits_start_from_the_settings(settings, clock):
    from ivr import create_app

    tuned = settings.model_copy(update={"login_rate_global": "7 per hour", "login_hash_slots": 3})
    app = create_app(tuned, clock=clock, TESTING=True)
    assert (app.config["LOGIN_RATE_GLOBAL"], app.config["LOGIN_HASH_SLOTS"]) == ("7 per hour", 3)
    assert app.config["LOGIN_RATE_PER_ADDRESS"] == "20 per minute"  # bad rates stop load_settings (test_settings)
    app.extensions["ivr"].close()


@pytest.mark.parametrize("name", ["\x00", "anna\x00", "\x00' OR 1=1"])
def test_a_name_with_a_nul_byte_is_an_unknown_name_not_a_500(app, people, name):
    people("anna")  # PostgreSQL refuses NUL in a query parameter; the login must not ask it
    assert _attempt(app, name) == 401
