"""Hostile form and query input to the HTML pages (ivr/web/inputs.py's forms): a clear 4xx or the normal page, never a
500 (PostgreSQL refuses a NUL in any text: each crash found is pinned here, on both databases)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ivr.hotline import users
from ivr.store.db import audit_log
from ivr.store.db import callbacks as callbacks_table
from ivr.store.db import task_history
from ivr.store.db import users as users_table

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def staff(login, engine):
    client = login("staff")
    with engine.begin() as conn:
        users.add_desk(conn, "staff1", "zebera")
    return client


def _post(client, url: str, body: str, page: str):
    """Post a raw urlencoded body (repeats and escapes exactly as written) with the CSRF token of `page`."""
    token = _CSRF.search(client.get(page).get_data(as_text=True)).group(1)
    return client.post(url, data=f"{body}&csrf_token={token}".encode(), content_type=FORM)


def _rows(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.select(table)).all()


def test_a_nul_in_an_attempt_note_is_refused(staff, task, engine):
    before = _rows(engine, callbacks_table), _rows(engine, task_history)
    response = _post(staff, f"/staff/tasks/{task}/attempt", "outcome=no_answer&then=schedule&note=ok%00",
                     f"/staff/tasks/{task}")
    assert response.status_code == 400 and b"NUL" in response.data
    assert (_rows(engine, callbacks_table), _rows(engine, task_history)) == before
    ok = _post(staff, f"/staff/tasks/{task}/attempt", "outcome=no_answer&then=schedule&note=ok", f"/staff/tasks/{task}")
    assert ok.status_code == 302


def test_a_forward_with_a_nul_a_repeat_or_a_flood_is_refused(login, task, engine):
    admin = login("admin")
    before = _rows(engine, callbacks_table)
    for body in ("desk=info&note=%00", "desk=info%00&note=x", "desk=info&desk=zebera", "desk=info&note=" + "x" * 2001):
        assert _post(admin, f"/staff/tasks/{task}/forward", body, f"/staff/tasks/{task}").status_code == 400, body
    assert _rows(engine, callbacks_table) == before


def test_an_attempt_note_longer_than_the_form_allows_is_refused_not_cut(staff, task, engine):
    before = _rows(engine, task_history)
    response = _post(staff, f"/staff/tasks/{task}/attempt", "outcome=no_answer&note=" + "x" * 2001,
                     f"/staff/tasks/{task}")
    assert response.status_code == 400 and _rows(engine, task_history) == before
    assert b'maxlength="2000"' in staff.get(f"/staff/tasks/{task}").data


def test_a_nul_in_an_account_name_of_the_url_is_not_found(login):
    admin = login("admin")
    for path in ("/admin/users/%00", "/admin/users/a%00b"):
        assert admin.get(path).status_code == 404, path
    for path in ("/admin/users/%00", "/admin/users/%00/password"):
        body = "role=staff&languages=de&password=a+long+new+password&password2=a+long+new+password"
        assert _post(admin, path, body, "/admin/users/new").status_code == 404, path


def test_a_nul_in_a_display_name_is_refused(login, engine):
    admin = login("admin")
    login("staff")
    before = _rows(engine, users_table)
    create = ("username=neu&role=staff&desks=zebera&languages=de&ui_lang=de&password=a+long+password+1"
              "&password2=a+long+password+1&display_name=Neu%00")
    assert _post(admin, "/admin/users/new", create, "/admin/users/new").status_code == 400
    edit = "role=staff&desks=zebera&languages=de&ui_lang=de&active=1&display_name=Staff%00"
    assert _post(admin, "/admin/users/staff1", edit, "/admin/users/new").status_code == 400
    assert _rows(engine, users_table) == before
    assert _post(admin, "/admin/users/staff1", "role=staff&role=admin&languages=de&ui_lang=de&active=1",
                 "/admin/users/new").status_code == 400  # which role was meant?
    assert _rows(engine, users_table) == before


def test_the_phone_search_refuses_a_nul_or_a_flood(login, engine):
    supervisor = login("supervisor")
    for phone in ("%00", "0202%00563", "1" * 41, "0202&phone=563"):
        assert supervisor.get(f"/staff/search?phone={phone}").status_code == 400, phone
    assert supervisor.get("/staff/search?phone=%FF%FE").status_code == 200  # not UTF-8: an invalid number
    with engine.connect() as conn:
        assert not conn.execute(sa.select(audit_log).where(audit_log.c.action == "search.phone")).all()


def test_the_month_export_takes_one_plain_month(login):
    supervisor = login("supervisor")
    for query in ("month=2026-11&month=2026-12", "month=2026-11%00", "month=" + "9" * 10_000):
        assert supervisor.get(f"/dashboard/export.csv?{query}").status_code == 400, query[:30]


def test_the_requeue_form_refuses_odd_values(login):
    admin = login("admin")
    for body in ("queue=calls%00", "queue=calls&queue=maintenance", "queue=calls&job_id=%00x", "queue=" + "x" * 10_000):
        assert _post(admin, "/admin/jobs/requeue", body, "/admin/users/new").status_code == 400, body[:30]
