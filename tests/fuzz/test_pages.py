"""Hostile query strings, forms and path values to every logged-in HTML page (as staff, supervisor and admin): a
page or a 4xx, never a 5xx or an error log line."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from ivr.hotline import callbacks
from ivr.hotline import users
from tests.fuzz.conftest import EXAMPLES
from tests.fuzz.conftest import FUZZ
from tests.fuzz.test_webhooks import HOSTILE

pytestmark = pytest.mark.fuzz
PAGES = settings(FUZZ, max_examples=600)
SKIPPED = {"static", "index", "auth.login", "auth.logout", "health.healthz", "metrics.metrics", "operators.run"}
"""Not fuzzed here: public or JSON (tests/fuzz/test_api.py), ending the session, or the login (its own tests)."""
FIELDS = {
    "staff.home": [], "staff.desk": ["sort", "show"], "staff.export": [], "staff.task": [], "staff_calls.recording": [],
    "staff.claim": [], "staff.release": [], "staff_calls.call": [],
    "staff.attempt": ["outcome", "note", "then", "next_at"], "staff.forward": ["desk", "note"],
    "oversight.overview": [], "oversight.search": ["phone"],
    "dashboard.index": [], "dashboard.export": ["month"],
    "jobs.index": [], "jobs.requeue": ["queue", "job_id", "all"],
    "useradmin.index": [], "useradmin.password": ["password", "password2"],
    "useradmin.create": ["username", "display_name", "role", "desks", "languages", "phone", "ui_lang", "password",
                         "password2"],
    "useradmin.edit": ["display_name", "role", "desks", "languages", "phone", "ui_lang", "active"],
    "operators.simulator": ["view"], "operators.graph": ["view"], "operators.notices": [],
    "operators.set_notice": ["desk", "date", "time", "reason", "number", "message_de", "message_ar"],
    "operators.end_notice": ["kind", "desk"], "operators.hear": ["kind", "lang", "text"],
    "statement.page": [],
    "status.page": [], "status.data": [], "status.change": ["status", "next"],
    "live.page": [], "live.data": [],
}
"""Every logged-in HTML endpoint and the fields its view reads (plus one it does not: "x")."""
VALID = ["closure", "announcement", "overflow", "house", "2026-11-25", "12:00",
         "available", "paused", "signed_out", "/staff/", "//evil.example/",
         "no_answer", "reached_resolved", "close", "schedule", "2026-11-25T09:00", "zebera", "info", "calls", "1",
         "staff", "admin", "de", "en", "+4917612345678", "0202 563", "2026-11", "a long password 1"]
NASTY = ["%00", "%FF%FE", "%C3", "%0D%0AX:%201", "9" * 30, "-99999999999999999999", "%5B%5D", "a%00b"]
"""Raw (already escaped) values: bytes that are not UTF-8, a NUL and CR/LF as a browser could never send them."""
TEXT = st.one_of(st.sampled_from(VALID + HOSTILE).map(lambda v: quote(v, safe="")), st.sampled_from(NASTY),
                 st.text(max_size=30).map(lambda v: quote(v, safe="")), st.just("x" * 10_000))
SEGMENT = st.one_of(st.sampled_from(["zebera", "target1", "nobody", "%00", "a%00b", "%FF", "..", "9" * 12, "-1"]),
                    st.text(max_size=12).map(lambda v: quote(v, safe="")))
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_VAR = re.compile(r"<(?:int:)?(\w+)>")
KNOWN = {"desk": "zebera", "username": "target1"}
"""Path values that exist (the task's id is the fixture's); a quarter of the draws get a hostile one instead."""


@pytest.fixture
def site(app, login, engine, clock):
    """Clients per role with their CSRF tokens, a task of zebera, an account to edit, and the routes to fuzz."""
    with engine.begin() as conn:
        task, _ = callbacks.create(conn, "zebera", "+4917612345678", "de", "CA" + "1" * 32, clock(),
                                   clock() + timedelta(hours=24))
        users.create(conn, "target1", "a long test password", "staff", clock())
    clients = {role: login(role) for role in ("staff", "supervisor", "admin")}
    with engine.begin() as conn:
        users.add_desk(conn, "staff1", "zebera")
        users.add_desk(conn, "supervisor1", "zebera")
    tokens = {role: _CSRF.search(c.get(f"/staff/tasks/{task}").get_data(as_text=True)).group(1)
              for role, c in clients.items()}
    routes = [(rule.endpoint, method, rule.rule) for rule in app.url_map.iter_rules()
              if rule.endpoint not in SKIPPED and not rule.rule.startswith(("/api/", "/voice/", "/sms/"))
              for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert {endpoint for endpoint, _, _ in routes} == set(FIELDS), "a new page: name the fields it reads"
    return clients, tokens, task, sorted(routes)


def _check(response, caplog) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    caplog.clear()
    assert not errors, errors[0].getMessage()


@PAGES
@given(data=st.data())
def test_hostile_input_to_every_page(site, caplog, data):
    clients, tokens, task, routes = site
    endpoint, method, rule = data.draw(st.sampled_from(routes), label="route")
    role = data.draw(st.sampled_from(sorted(clients)), label="role")
    path = _VAR.sub(lambda m: data.draw(st.sampled_from(["known"] * 3 + ["hostile"]).flatmap(
        lambda kind: SEGMENT if kind == "hostile" else st.just(KNOWN.get(m.group(1), str(task)))), label=m.group(1)),
        rule)
    names = st.sampled_from(FIELDS[endpoint] + ["x"])
    pairs = data.draw(st.lists(st.tuples(names, TEXT), max_size=6), label="fields")  # a repeated name: an array
    body = "&".join(f"{name}={value}" for name, value in pairs)
    EXAMPLES[f"page {endpoint}"] += 1
    client = clients[role]
    if method == "GET":
        response = client.get(path, query_string=body)
    else:
        body += f"&csrf_token={tokens[role]}" if data.draw(st.sampled_from([True] * 9 + [False]), label="csrf") else ""
        response = client.post(path, data=body.encode(), content_type="application/x-www-form-urlencoded")
    _check(response, caplog)
