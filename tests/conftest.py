"""Fixtures: real Redis, a real database (SQLite or PostgreSQL), the app, a signed Twilio caller."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from click.testing import CliRunner
from rq import Queue
from rq import SimpleWorker

from ivr import create_app
from ivr.cli.main import main
from ivr.container import Container
from ivr.hotline import staff_sessions
from ivr.hotline import users
from ivr.store import db
from ivr.store.jobqueue import QUEUE_NAMES
from ivr.store.redisserver import RedisServer
from ivr.web.voice.switchboard import Switchboard
from tests.factories import API_TOKEN
from tests.factories import TOKEN
from tests.factories import make_settings
from tests.support.clock import FakeClock
from tests.support.clock import berlin
from tests.support.phone import Phone
from tests.support.stores import empty_tables

TEST_REDIS_DB = 9
"""Database number used on a shared Redis (CI's second pass), flushed between tests."""


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """IVR_TEST_REDIS_URL when set (a shared server), else a private redis-server for the session."""
    url = os.environ.get("IVR_TEST_REDIS_URL")
    if url:
        yield url.rstrip("/") + f"/{TEST_REDIS_DB}" if url.count("/") == 2 else url
        return
    server = RedisServer(directory=tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """IVR_TEST_DATABASE_URL when set (PostgreSQL), else a SQLite file; migrated once per session."""
    url = os.environ.get("IVR_TEST_DATABASE_URL")
    if url:
        engine = db.make_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    db.upgrade(url)
    return url


@pytest.fixture
def redis_conn(redis_url):
    conn = redis.Redis.from_url(redis_url)
    conn.flushdb()
    yield conn
    conn.close()


@pytest.fixture
def engine(database_url):
    engine = db.make_engine(database_url)
    empty_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock():
    """Tuesday 24 November 2026, 10:00 in Wuppertal: every desk is open."""
    return FakeClock(berlin("2026-11-24 10:00"))


@pytest.fixture
def settings(tmp_path, database_url, redis_url, engine, redis_conn):
    return make_settings(tmp_path, database_url, redis_url)


@pytest.fixture
def ivr(settings):
    """Run `ivr ...` in-process with the test's database, Redis and instance folder; returns the Result."""
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "test-secret", "IVR_API_TOKEN": API_TOKEN,
           "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "IVR_INSTANCE_DIR": settings.instance_dir}

    def run(*args: str, input: str | None = None):  # noqa: A002 - click's name
        return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    return run


@pytest.fixture
def app(settings, clock):
    # the test client talks plain http, so cookies may not be Secure here (tests/unit/web/test_auth.py checks
    # the production setting on an app of its own)
    app = create_app(settings, clock=clock, TESTING=True, SESSION_COOKIE_SECURE=False)
    yield app
    app.extensions["ivr"].engine.dispose()


@pytest.fixture
def login(app, engine, clock):
    """`login(role)` returns a test client whose session belongs to a new user with that role."""
    def make(role: str):
        with engine.begin() as conn:
            users.create(conn, f"{role}1", "a long test password", role, clock(), display_name=role)
            user_id = users.authenticate(conn, f"{role}1", "a long test password").id
            token = staff_sessions.open_session(conn, user_id, clock(), app.permanent_session_lifetime)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = token  # Flask-Login's key: the token of a server-side session record
        return client

    return make


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def phone(client):
    """A caller on the in-process app; `phone()` makes another one."""
    def post(url, data, headers):
        response = client.post(url, data=data, headers=headers)
        return response.status_code, response.data

    def make(**kwargs) -> Phone:
        account = client.application.extensions["ivr"].settings.twilio_account_sid
        if account:  # Twilio posts the account's own AccountSid; the webhook refuses any other
            kwargs.setdefault("account_sid", account)
        return Phone(post=post, base="http://localhost", token=TOKEN, **kwargs)

    return make


@pytest.fixture
def work(redis_conn, settings, monkeypatch):
    """Run queued jobs in this process (a real RQ SimpleWorker on the real Redis), until the queues are empty."""
    from workers import context

    env = context.build(settings)
    monkeypatch.setattr(context, "get", lambda: env)

    def run() -> None:
        for board in list(Switchboard.instances):  # webhooks queue their jobs from a thread: have them queued now
            board.intake.flush()
        queues = [Queue(name, connection=redis_conn) for name in QUEUE_NAMES]
        SimpleWorker(queues, connection=redis_conn).work(burst=True)

    yield run
    env.close()


@pytest.fixture
def api(client):
    """Call the JSON API with the bootstrap token."""
    class Api:
        headers = {"Authorization": f"Bearer {API_TOKEN}"}

        def get(self, url, **kw):
            return client.get(url, headers=self.headers, **kw)

        def post(self, url, **kw):
            return client.post(url, headers=self.headers, **kw)

        def delete(self, url, **kw):
            return client.delete(url, headers=self.headers, **kw)

        def patch(self, url, **kw):
            return client.patch(url, headers=self.headers, **kw)

    return Api()


@pytest.fixture(autouse=True)
def _repo_root():
    os.chdir(Path(__file__).resolve().parent.parent)


@pytest.fixture(autouse=True)
def _close_services():
    """Stop the background threads and pools of every app a test created (PostgreSQL has 100 connections)."""
    before = set(map(id, Container.instances))
    yield
    for container in list(Container.instances):
        if id(container) not in before:
            container.close()
