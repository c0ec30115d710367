"""Hostile input to the JSON API and to pages that read ids or bodies: a clear 4xx (JSON under /api/), never a 500."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ivr.store.db import callbacks as callbacks_table
from tests.factories import API_TOKEN

HUGE = 10**23
"""An id beyond every integer column (SQLite and PostgreSQL overflow)."""
NESTED = "[" * 30_000
JSON = {"Content-Type": "application/json"}


def _state(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(callbacks_table.c.id, callbacks_table.c.status, callbacks_table.c.outcome)
                            .order_by(callbacks_table.c.id)).all()


def _json_error(response, code: int) -> str:
    assert response.status_code == code, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "message"} and body["message"]
    return body["message"]


def _csrf(client) -> str:
    return re.search(r'data-csrf="([^"]+)"', client.get("/operator/simulator").get_data(as_text=True)).group(1)


def test_an_outcome_of_the_wrong_type_is_refused(api, task, engine):
    before = _state(engine)
    message = _json_error(api.patch(f"/api/callbacks/{task}", json={"status": "closed", "outcome": ["resolved"]}),
                          400)
    assert "outcome" in message
    _json_error(api.patch(f"/api/callbacks/{task}", json={"status": "closed", "outcom": "resolved"}), 400)  # typo
    _json_error(api.patch(f"/api/callbacks/{task}", json={"status": ["closed"]}), 400)
    assert _state(engine) == before


def test_ids_beyond_every_integer_column_are_not_found(api, task, login):
    for id_ in (HUGE, 2**31, 2**63):
        _json_error(api.patch(f"/api/callbacks/{id_}", json={"status": "closed"}), 404)
    staff = login("admin")
    for path in ("", "/recording"):
        assert staff.get(f"/staff/tasks/{HUGE}{path}").status_code == 404
    token = _csrf(staff)
    for action in ("claim", "release", "attempt", "forward", "call"):
        assert staff.post(f"/staff/tasks/{HUGE}/{action}", data={"csrf_token": token}).status_code == 404, action
    assert api.patch(f"/api/callbacks/{task}", json={"status": "closed"}).status_code == 200


@pytest.mark.parametrize("body", ["[1]", "1", '"text"', "null", "{", NESTED, "{}" + "x", '{"a": NaN}'])
def test_a_body_that_is_not_an_object_is_refused_everywhere(api, task, engine, body):
    before = _state(engine)
    for method, path in (("patch", f"/api/callbacks/{task}"), ("post", "/api/overflow"),
                         ("post", "/api/announcement"), ("post", "/api/desks/zebera/closure")):
        _json_error(getattr(api, method)(path, data=body, content_type="application/json"), 400)
    assert _state(engine) == before
    assert api.get("/api/desks").get_json()["desks"][0]["closure"] is None


def test_overflow_and_closure_bodies_are_typed(api):
    until = "2026-11-24T18:00:00+01:00"
    for body in ({"number": ["0202 5630"], "until": until}, {"number": "0202 5630", "until": 5},
                 {"number": "0202 5630", "until": until, "reason": {"a": 1}},
                 {"number": "0202 5630", "until": until, "message": ["de"]}):
        _json_error(api.post("/api/overflow", json=body), 400)
    for body in ({"until": until, "reason": "x" * 501}, {"until": until, "message": {"de": "x" * 1001}},
                 {"until": until, "mesage": {"de": "typo"}}):
        _json_error(api.post("/api/desks/zebera/closure", json=body), 400)
    assert api.post("/api/overflow", json={"number": "0202 5630", "until": until}).status_code == 201


def test_every_api_error_is_json(api, client):
    _json_error(api.get("/api/nowhere"), 404)
    _json_error(client.get("/api/nowhere"), 404)  # before authentication: says nothing more
    _json_error(api.get("/api/callbacks/abc"), 404)
    _json_error(api.delete("/api/callbacks"), 405)
    _json_error(api.get("/api/calls/CA%00x"), 404)
    _json_error(api.get("/api/callbacks?status=done"), 400)
    _json_error(api.get("/api/callbacks?desk=%00"), 400)
    _json_error(api.patch("/api/callbacks/" + "9" * 5000, json={"status": "closed"}), 404)  # int() refuses it
    _json_error(api.post("/api/announcement", data="{" + " " * 70_000 + "}", content_type="application/json"),
                413)
    _json_error(api.post("/api/announcement", data="{}", content_type="text/plain"),
                400)
    assert client.get("/nowhere").mimetype == "text/html"  # the rest of the site keeps its pages


def test_a_control_character_in_the_export_month_is_refused(login):
    client = login("supervisor")
    for month in ("%0D%0A2026-11", "2026-11%0D%0AX: 1", "+2026-11", " 2026-11", "2026-011", "２０２６-11"):
        response = client.get(f"/dashboard/export.csv?month={month}")
        assert response.status_code == 400, month
    assert client.get("/dashboard/export.csv?month=2026-11").status_code == 200


def test_the_simulator_refuses_what_is_not_a_call(login):
    client = login("operator")
    headers = {"X-CSRFToken": _csrf(client), **JSON}
    for body in ("[1]", NESTED, '{"setup": [1]}', '{"setup": {"closed": 5}}', '{"keys": 5}', '{"keys": [[1]]}',
                 '{"setup": {"at": "tomorrow"}}', '{"setup": {"caller": {"a": 1}}}', '{"hang_up": "maybe"}'):
        response = client.post("/operator/simulator/run", data=body, headers=headers)
        assert response.status_code == 400 and response.get_json()["error"], body


def test_bearer_token_header_with_odd_bytes_is_unauthorized(client):
    for header in ("Bearer " + "x" * 5000, "Bearer \x00", "Bearer  ", "Basic " + API_TOKEN):
        _json_error(client.get("/api/callbacks", headers={"Authorization": header}), 401)
