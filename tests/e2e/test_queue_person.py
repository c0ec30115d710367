"""A whole queued call over real HTTP (gunicorn with two processes, `ivr worker`, real Redis and database), as the
people meet it: a person of the information desk logs in to the workbench and sets Verfügbar, an Arabic caller
walks the shipped menu into the desk's queue, the worker rings the person through Twilio's REST stand-in, and the
test plays Twilio for both legs: whisper, 1, `<Dial><Queue>`, the bridge on the caller's leg, the Enqueue action,
the end of the person's Dial. And the offer nobody answers: that person is paused ("verpasst"), the next is rung.

The web processes read the stack's clock (a Tuesday in office hours); the worker runs on real time, so the offer's
20 seconds are real seconds here: each offer is answered within a second or two. For the same reason the second
person speaks Arabic too: the language fallback compares the worker's time with the web's join time, which this
stack cannot make meaningful (tests/unit/workers/test_dispatch.py covers the fallback on one clock)."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

import pytest
import requests
import sqlalchemy as sa

from ivr.hotline import apiclients
from ivr.hotline import queueing
from ivr.hotline import users
from ivr.store import db
from ivr.store.cipher import Cipher
from tests.e2e.conftest import Stack
from tests.factories import TOKEN
from tests.support.clock import berlin
from tests.support.phone import Phone
from tests.support.phone import Turn
from tests.support.phone import check_twiml
from tests.support.report import record
from tests.unit.workers.twilio_standin import PlacedCall
from tests.unit.workers.twilio_standin import TwilioStandIn

pytestmark = pytest.mark.e2e
ACCOUNT = "AC" + "5" * 32
HOTLINE = "+4920274763333"
"""config.yaml's hotline number: the offer calls come from it."""
PASSWORD = "a long test password"
PHONES = {"amira": "+4915112345678", "bashir": "+4915187654321"}
CALLER = "+4915123456789"


@pytest.fixture
def twilio():
    with TwilioStandIn(ACCOUNT, TOKEN) as stand_in:
        yield stand_in


@pytest.fixture
def stack(tmp_path, database_url, redis_url, engine, redis_conn, twilio):
    """The e2e stack whose worker rings people through the stand-in and names the web's own address to Twilio."""
    stack = Stack(tmp_path, database_url, redis_url)
    stack.env.update(IVR_PUBLIC_URL=stack.base, TWILIO_API_BASE=twilio.url, TWILIO_ACCOUNT_SID=ACCOUNT)
    stack.start()
    yield stack
    stack.stop()


class Workbench:
    """A person's browser on the workbench. The app's cookies are Secure; over the loopback's plain http a browser
    keeps sending them (a secure context), requests does not, so they are kept without the flag here."""

    def __init__(self, base: str, username: str):
        self.base, self.http = base, requests.Session()
        page = self._go("GET", "/login")
        response = self._go("POST", "/login", data={"csrf_token": _csrf(page.text), "username": username,
                                                   "password": PASSWORD})
        assert response.status_code == 302 and "/login" not in response.headers["Location"], response.text[:300]

    def _go(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.http.request(method, self.base + path, allow_redirects=False, timeout=30, **kwargs)
        for cookie in self.http.cookies:
            cookie.secure = False
        return response

    def set_status(self, status: str) -> None:
        """Press a status button of the top bar (the form on the status page)."""
        page = self._go("GET", "/staff/status")
        assert page.status_code == 200 and 'value="available"' in page.text, page.text[:300]
        response = self._go("POST", "/staff/status", data={"csrf_token": _csrf(page.text), "status": status,
                                                           "next": "/staff/status"})
        assert (response.status_code, response.headers.get("Location")) == (302, "/staff/status"), response.text[:300]

    def status(self) -> dict:
        """What the top bar polls."""
        response = self._go("GET", "/staff/status.json")
        assert response.status_code == 200, response.text[:300]
        return response.json()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:300]
    return found.group(1)


def _account(engine, name: str, languages: tuple[str, ...]) -> int:
    """What the admin sets up (`ivr users create ... --desk info --phone ... --languages ...`); no status yet."""
    with engine.begin() as conn:
        user_id = users.create(conn, name, PASSWORD, "staff", berlin("2026-11-24 08:00"), phone=PHONES[name],
                               languages=languages)
        users.add_desk(conn, name, "info")
    return user_id


def _queued_arabic_caller(stack: Stack, twilio: TwilioStandIn, offers_before: int) -> tuple[Phone, PlacedCall, float]:
    """An Arabic caller walks the shipped menu to a person (the information desk's queue) and hears their place;
    returns the caller, the offer call the worker placed, and the seconds from the join to that call."""
    caller = stack.phone(caller=CALLER, account_sid=ACCOUNT)  # the account the worker calls from
    caller.call()
    caller.press("2")  # Arabic
    started = time.monotonic()
    turn = caller.press("0")  # a person: this step joins the queue and asks the worker for a dispatch
    assert turn.enqueue.text == "info-ar"
    offers = stack.eventually(twilio.offers, lambda calls: len(calls) > offers_before, timeout=15)
    seconds = time.monotonic() - started
    assert caller.wait(position=1, queue_time=0, size=1).says[0] == "دورك في قائمة الانتظار هو رقم 1."
    return caller, offers[offers_before], seconds


def _leg(stack: Stack, offer: PlacedCall) -> Phone:
    """The person's call as Twilio posts its webhooks: the placed call's SID, from the hotline to their phone."""
    return stack.phone(caller=offer.params["From"], to=offer.params["To"], call_sid=offer.sid, account_sid=ACCOUNT)


def _post(phone: Phone, url: str, **extra: str) -> Turn:
    _, body = phone.send(url, {"Direction": "outbound-api", **extra})
    return Turn(url, check_twiml(body))


def _assert_offer(offer: PlacedCall, stack: Stack, name: str, user_id: int, entry_id: int) -> None:
    params = offer.params
    assert (params["To"], params["From"], params["Timeout"], params["Method"]) == (PHONES[name], HOTLINE, "20", "POST")
    assert params["Url"] == f"{stack.base}/voice/agent/whisper?e={entry_id}&u={user_id}"
    assert params["StatusCallback"] == f"{stack.base}/voice/agent/status?e={entry_id}&u={user_id}"


def _take(stack: Stack, caller: Phone, offer: PlacedCall, whisper: str, waited: int) -> tuple[Turn, str]:
    """The person answers the offer call, hears the whisper, presses 1 and is bridged to the caller (who waited
    `waited` seconds by now); returns the accepting turn and the URL of the person's Dial action."""
    leg = _leg(stack, offer)
    turn = _post(leg, offer.params["Url"])
    assert turn.says[0] == whisper
    turn = _post(leg, turn.gather.attrib["action"], Digits="1", FinishedOnKey="")
    queue = turn.first("Queue")
    assert queue is not None and queue.text == "info-ar", ET.tostring(turn.root)
    # Twilio takes the caller out of info-ar and asks the Queue's url on the caller's leg before the bridge
    caller.send(queue.attrib["url"], {"QueueSid": caller.queue["QueueSid"], "QueueTime": str(waited),
                                      "DequeingCallSid": offer.sid})
    return turn, turn.dial.attrib["action"]


def _entry(engine, call_sid: str) -> queueing.Entry:
    with engine.connect() as conn:
        return queueing.entry(conn, call_sid)


def _history(engine, call_sid: str) -> list[tuple[str, int | None]]:
    """The call's queue steps in the order they were written (the worker's steps carry its real time, the web's
    the stack's clock, so their times do not sort them here)."""
    query = sa.select(db.queue_log.c.kind, db.queue_log.c.user_id).where(db.queue_log.c.call_sid == call_sid)
    with engine.connect() as conn:
        return [(row.kind, row.user_id) for row in conn.execute(query.order_by(db.queue_log.c.id))]


def _call(stack: Stack, sid: str) -> dict | None:
    response = stack.api(f"/api/calls/{sid}")
    return response.json() if response.status_code == 200 else None


def _dialect(engine) -> str:
    return engine.dialect.name


def test_a_person_sets_available_takes_an_arabic_caller_and_is_available_again_after_wrap_up(stack, engine, twilio):
    amira = _account(engine, "amira", ("de", "ar"))
    desk = Workbench(stack.base, "amira")
    assert desk.status()["label"] == "Abgemeldet"
    desk.set_status("available")
    assert (desk.status()["status"], desk.status()["label"]) == ("available", "Verfügbar")

    caller, offer, seconds = _queued_arabic_caller(stack, twilio, 0)
    entry = _entry(engine, caller.call_sid)
    _assert_offer(offer, stack, "amira", amira, entry.id)
    assert desk.status()["label"] == "Im Gespräch"  # while her phone rings
    print(f"\njoin to the offer call at Twilio ({_dialect(engine)}): {seconds:.2f} s")
    record(f"queue_person_{_dialect(engine)}", {"seconds_join_to_offer_call": round(seconds, 2)})

    stack.clock.set("2026-11-24 10:00:14")
    turn, done = _take(stack, caller, offer, "Hotline, Allgemeine Information, Arabisch, wartet seit weniger als "
                                             "einer Minute. Zum Annehmen die 1.", 14)
    assert turn.dial.attrib["action"] == f"{stack.base}/voice/agent/done?e={entry.id}&u={amira}"
    stack.clock.set("2026-11-24 10:03:14")  # three minutes' talk
    assert caller.queue_ends("bridged", queue_time=14).hung_up  # the caller's Enqueue action after the talk
    leg = _leg(stack, offer)
    turn = _post(leg, done, DialCallStatus="completed", DialCallSid=caller.call_sid, DialCallDuration="180",
                 DialBridged="true")
    assert turn.says == ["Anruf beendet. Nachbearbeitung."] and turn.hung_up
    leg.send(offer.params["StatusCallback"], {"Direction": "outbound-api", "CallStatus": "completed",
                                              "CallDuration": "200"}, expect=204)
    caller.hang_up(duration=220)

    status = desk.status()
    assert (status["status"], status["label"]) == ("wrap_up", "Nachbearbeitung – noch 60 s")
    stack.clock.set("2026-11-24 10:04:15")  # wrap_up_seconds (60) later
    assert (desk.status()["status"], desk.status()["label"]) == ("available", "Verfügbar")

    assert _history(engine, caller.call_sid) == [("joined", None), ("offered", amira), ("accepted", amira),
                                                 ("connected", amira), ("ended", amira)]
    call = stack.eventually(lambda: _call(stack, caller.call_sid), lambda c: c and c["ended_at"] and c["outcome"])
    assert (call["outcome"], call["desk"], call["language"]) == ("answered", "info", "ar")
    assert (call["wait_seconds"], call["talk_seconds"]) == (14, 180)
    with engine.connect() as conn:
        assert conn.execute(sa.select(db.calls.c.answered_by)
                            .where(db.calls.c.call_sid == caller.call_sid)).scalar() == amira
    assert call["answered_by"] == Cipher(stack.env["SECRET_KEY"]).pseudonym(f"user:{amira}")  # never her account
    assert PHONES["amira"] not in str(call)
    assert len(twilio.offers()) == 1


def test_an_offer_not_answered_pauses_the_person_and_the_next_one_is_rung(stack, engine, twilio):
    amira, bashir = _account(engine, "amira", ("de", "ar")), _account(engine, "bashir", ("de", "ar"))
    _, token = apiclients.create(engine, "schedule", ["agents:write"], berlin("2026-11-24 08:00"))
    stack.clock.set("2026-11-24 09:58")
    desk = Workbench(stack.base, "amira")
    desk.set_status("available")  # first, so she has been idle longest
    stack.clock.set("2026-11-24 09:59")
    response = requests.put(f"{stack.base}/api/agents/bashir/status", json={"status": "available"},
                            headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200 and response.json()["status"] == "available", response.text
    stack.clock.set("2026-11-24 10:00")

    caller, first, _ = _queued_arabic_caller(stack, twilio, 0)
    entry = _entry(engine, caller.call_sid)
    _assert_offer(first, stack, "amira", amira, entry.id)
    # her phone rang out: Twilio's status callback of the offer call
    _leg(stack, first).send(first.params["StatusCallback"], {"Direction": "outbound-api", "CallStatus": "no-answer",
                                                             "CallDuration": "0"}, expect=204)
    status = desk.status()
    assert (status["status"], status["label"], status["missed"]) == ("paused", "Pause – Anruf verpasst", True)

    second = stack.eventually(twilio.offers, lambda calls: len(calls) == 2)[1]
    _assert_offer(second, stack, "bashir", bashir, entry.id)
    stack.clock.set("2026-11-24 10:01:05")
    _, done = _take(stack, caller, second, "Hotline, Allgemeine Information, Arabisch, wartet seit einer Minute. "
                                           "Zum Annehmen die 1.", 65)
    stack.clock.set("2026-11-24 10:02:05")
    assert caller.queue_ends("bridged", queue_time=65).hung_up
    _post(_leg(stack, second), done, DialCallStatus="completed", DialCallSid=caller.call_sid, DialCallDuration="60")

    assert _history(engine, caller.call_sid) == [
        ("joined", None), ("offered", amira), ("missed", amira), ("offered", bashir), ("accepted", bashir),
        ("connected", bashir), ("ended", bashir)]
    call = stack.eventually(lambda: _call(stack, caller.call_sid), lambda c: c and c["outcome"])
    assert (call["outcome"], call["wait_seconds"], call["talk_seconds"]) == ("answered", 65, 60)
    assert call["answered_by"] == Cipher(stack.env["SECRET_KEY"]).pseudonym(f"user:{bashir}")
    assert desk.status()["label"] == "Pause – Anruf verpasst"  # until she sets Verfügbar again
    desks = stack.api("/api/desks").json()["desks"]
    info = next(d for d in desks if d["id"] == "info")
    assert info["queue"]["today"]["offers_missed"] == 1 and info["agents"]["paused"] == 1
    assert len(twilio.offers()) == 2
