"""Fixtures of the unit tests: staff accounts, tasks, and a browser-like client that logs in and sends CSRF tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from ivr.hotline import callbacks
from ivr.hotline import users
from ivr.store.db import callbacks as callbacks_table
from tests.support.seeded import seeded  # noqa: F401 - the dashboard and figures tests use it

PASSWORD = "a long test password"
"""Every test account's password."""
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Person:
    """One logged-in person with their own cookie jar."""

    def __init__(self, app, username: str):
        self.client = app.test_client()
        self.username = username

    def login(self, password: str = PASSWORD):
        page = self.client.get("/login")
        response = self.client.post(
            "/login",
            data={
                "username": self.username,
                "password": password,
                "csrf_token": self.token(page.get_data(as_text=True)),
            },
        )
        self.csrf = self.token(self.client.get("/login").get_data(as_text=True))
        return response

    @staticmethod
    def token(html: str) -> str:
        match = _CSRF.search(html)
        assert match, "page has no CSRF token"
        return match.group(1)

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=data, **kw)

    def replay(self):
        """Another browser holding a copy of this person's session cookie as it is now (a stolen cookie)."""
        thief = self.client.application.test_client()
        thief.set_cookie("session", self.client.get_cookie("session").value)
        return thief


def opens_desk(client, desk: str = "zebera", number: str = "0176 1234 5678") -> bool:
    """True when the client's session opens the desk's list (with the callers' numbers, as the German list writes
    them); False when it is sent to the login page and no page shows the number."""
    response = client.get(f"/staff/desks/{desk}")
    if response.status_code == 302:
        assert response.location.startswith("/login")
        assert number not in client.get(response.location).get_data(as_text=True)
        return False
    assert response.status_code == 200 and number in response.get_data(as_text=True)
    return True


@pytest.fixture
def people(app, engine, clock):
    """`people("anna", role="staff", desks=("zebera",))` creates an account and returns it logged in."""

    def make(
        username: str,
        role: str = "staff",
        desks: tuple[str, ...] = ("zebera",),
        languages: tuple[str, ...] = ("de",),
        phone: str | None = None,
        display_name: str = "",
    ) -> Person:
        with engine.begin() as conn:
            users.create(
                conn,
                username,
                PASSWORD,
                role,
                clock(),
                display_name=display_name or username.title(),
                phone=phone,
                languages=languages,
            )
            for desk in desks:
                users.add_desk(conn, username, desk)
        person = Person(app, username)
        response = person.login()
        assert response.status_code == 302, response.get_data(as_text=True)
        return person

    return make


@pytest.fixture
def make_task(engine, clock):
    """Insert an open callback task; `make_task(desk, phone=..., language=..., due_in_hours=...)` -> id."""
    counter = iter(range(1, 10_000))

    def make(
        desk: str = "zebera",
        phone: str = "+4917612345678",
        language: str = "de",
        due_in_hours: float = 24,
        received_hours_ago: float = 0,
        recording_url: str | None = None,
        recording_sid: str | None = None,
    ) -> int:
        now = clock()
        with engine.begin() as conn:
            task_id, _ = callbacks.create(
                conn,
                desk,
                phone,
                language,
                f"CA{next(counter):032d}",
                now - timedelta(hours=received_hours_ago),
                now + timedelta(hours=due_in_hours),
            )
            if recording_url:
                conn.execute(
                    callbacks_table.update()
                    .where(callbacks_table.c.id == task_id)
                    .values(recording_url=recording_url, recording_sid=recording_sid)
                )
        return task_id

    return make


@pytest.fixture
def task(make_task):
    """One open callback task at zebera, due in 24 hours; its id."""
    return make_task()
