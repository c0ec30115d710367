"""Every leaf of the shipped menu over real HTTP, in German, Arabic and Farsi, open and closed, through to tasks."""

from __future__ import annotations

import pytest

from ivr.hotline import presence
from ivr.hotline import users
from ivr.settings import ROOT
from ivr.settings import load_config
from ivr.store import db
from tests.e2e.conftest import Stack
from tests.support.clock import berlin
from tests.support.stores import empty_stores
from tests.unit.flowops.test_hotline_flow import LANGUAGE_KEY
from tests.unit.flowops.test_hotline_flow import LEAVES

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def leaf_stack(tmp_path_factory, database_url, redis_url):
    engine = db.make_engine(database_url)
    empty_stores(engine, redis_url)
    with engine.begin() as conn:  # somebody at every queue desk (else those desks offer the callback at once)
        user_id = users.create(conn, "anna", "a long test password", "staff", berlin("2026-11-24 09:00"),
                               phone="+4915112345678", languages=tuple(LANGUAGE_KEY))
        for desk_id, desk in load_config(ROOT / "config.yaml").desks.items():
            if desk.connect == "queue":
                users.add_desk(conn, "anna", desk_id)
        presence.set_status(conn, user_id, presence.AVAILABLE, berlin("2026-11-24 09:00"))
    engine.dispose()
    stack = Stack(tmp_path_factory.mktemp("leaves"), database_url, redis_url).start()
    yield stack
    stack.stop()


def _walk(stack, lang, keys, caller):
    phone = stack.phone(caller=caller)
    phone.call()
    turn = phone.press(LANGUAGE_KEY[lang])
    for key in keys.split():
        turn = phone.press(key)
    return phone, turn


@pytest.mark.parametrize("lang", ["de", "ar", "fa"])
def test_every_leaf_open_and_closed(leaf_stack, lang):
    stack = leaf_stack
    config = load_config(ROOT / "config.yaml")
    numbers = {}
    stack.clock.set("2026-11-24 10:00")
    for index, (keys, desk) in enumerate(LEAVES):
        _, turn = _walk(stack, lang, keys, caller=f"+49151000{LANGUAGE_KEY[lang]}{index:04d}")
        if config.desks[desk].connect == "queue":  # put in the desk's queue for a person who speaks the language
            assert turn.enqueue is not None and turn.enqueue.text == f"{desk}-{lang}", (lang, keys)
            continue
        assert turn.dialed, (lang, keys)
        numbers[desk] = turn.dialed
    stack.clock.set("2026-11-24 19:00")
    expected = set()
    for index, (keys, desk) in enumerate(LEAVES):
        phone_number = f"+49152000{LANGUAGE_KEY[lang]}{index:04d}"
        phone, turn = _walk(stack, lang, keys, caller=phone_number if index % 2 else "anonymous")
        if index % 2:  # caller ID offered: accept it
            turn = phone.press("1")
        else:  # withheld: key in the number
            turn = phone.press("0" + phone_number[3:])
            turn = phone.press("1")
        phone.press("3")  # any time
        phone.press("2")  # no SMS (a mobile number is offered one)
        turn = phone.press("2")  # no voice message
        assert turn.hung_up
        phone.hang_up()
        expected.add((desk, phone_number))
    tasks = stack.eventually(
        lambda: {(t["desk"], t["phone"]) for t in stack.api("/api/callbacks?status=open").json()["callbacks"]
                 if t["language"] == lang},
        lambda found: found >= expected)
    assert tasks == expected
    assert numbers == {desk_id: desk.number for desk_id, desk in config.desks.items() if desk.connect == "dial"}
