"""A working day at the Haus der Integration, for the screenshots (scripts/screenshots.py) and the every-page browser
check (tests/browser/test_every_page.py): an account of every role, 38 open callbacks on zebera and a few on three
other desks, claims, attempts, voice messages, a closure and an announcement in force, a month of finished calls,
and the list of every page with the role that opens it."""

from __future__ import annotations

import random
import subprocess
import sys
import wave
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from ivr.hotline import callbacks
from ivr.hotline import closures
from ivr.hotline import presence
from ivr.hotline import queueing
from ivr.hotline import users
from ivr.hotline import worklist
from ivr.hotline.officehours import build_schedules
from ivr.settings import DEFAULT_CONFIG
from ivr.settings import load_config
from ivr.store.db import callbacks as callbacks_table
from ivr.store.db import calls
from tests.e2e.conftest import ROOT
from tests.e2e.conftest import Stack
from tests.e2e.conftest import _wait_http
from tests.support.clock import BERLIN
from tests.support.clock import berlin

NOW = "2026-11-24 10:00"
"""The day shown (local time): a Tuesday morning, every desk open (the Stack's clock file is set to it)."""
PASSWORD = "showcase password"
BUSY_DESK = "zebera"
"""The desk with 38 open callbacks."""
# (user name, role, desks, languages, display name, own phone for the live queue)
ACCOUNTS = (
    ("anna", "staff", ("zebera", "info"), ("de", "ar", "en"), "Anna Arslan", "+4915190000001"),
    ("bert", "staff", ("zebera",), ("de", "tr"), "Bert Becker", None),
    ("dana", "staff", ("zebera", "auslaenderbehoerde"), ("de", "uk", "ru"), "Dana Demir", None),
    ("emil", "staff", ("info", "integration_point"), ("de", "fa"), "Emil Engel", "+4915190000002"),
    ("vera", "supervisor", ("zebera", "info", "auslaenderbehoerde", "integration_point"), ("de",), "Vera Vogel", None),
    ("olga", "operator", (), ("de",), "Olga Ostrowski", None),
    ("ria", "admin", (), ("de", "en"), "Ria Root", None),
)
LOGIN = {"staff": "anna", "supervisor": "vera", "operator": "olga", "admin": "ria"}
"""Who logs in for each role."""
LANGUAGES = ("de",) * 9 + ("ar",) * 8 + ("uk",) * 6 + ("tr",) * 5 + ("fa",) * 4 + ("kmr",) * 2 + ("en",) * 2 \
    + ("ru",) * 2
NUMBERS = (("+49151", 8), ("+49176", 8), ("+49160", 7), ("+49202", 7), ("+316", 8), ("+48512", 6), ("+336", 8))
"""(prefix, digits): German mobiles, Wuppertal landlines, Dutch, Polish and French mobiles."""
SEARCHED = "+4915112345678"
"""A caller with tasks at two desks, the one the search page looks for."""


@dataclass(frozen=True)
class Page:
    """One page of the interface: a short name (the screenshot's file), who opens it, its path, its HTTP status."""

    name: str
    role: str | None  # None: nobody logged in
    path: str  # {free}, {mine}, {claimed}: ids of the seeded tasks
    status: int = 200
    action: str = ""  # what is done on the page before it is shown (`prepare`)


PAGES = (
    Page("login", None, "/login"),
    Page("staff-home", "staff", "/staff/"),
    Page("desk-list", "staff", f"/staff/desks/{BUSY_DESK}"),
    Page("task-free", "staff", "/staff/tasks/{free}"),
    Page("task-mine", "staff", "/staff/tasks/{mine}"),
    Page("task-claimed", "staff", "/staff/tasks/{claimed}"),
    Page("staff-status", "staff", "/staff/status"),
    Page("error-404", "staff", "/staff/tasks/999999", status=404),
    Page("error-403", "staff", "/dashboard/", status=403),
    Page("task-supervisor", "supervisor", "/staff/tasks/{claimed}"),
    Page("overview", "supervisor", "/staff/overview"),
    Page("search", "supervisor", "/staff/search?phone=0151+12345678"),
    Page("dashboard", "supervisor", "/dashboard/"),
    Page("live", "supervisor", "/live/"),
    Page("simulator", "operator", "/operator/simulator"),
    Page("simulator-call", "operator", "/operator/simulator", action="call"),
    Page("notices", "operator", "/operator/notices"),
    Page("jobs", "admin", "/admin/jobs/"),
    Page("users", "admin", "/admin/users/"),
    Page("user-form", "admin", "/admin/users/anna"),
    Page("accessibility", "staff", "/barrierefreiheit"),
)
"""Every page, in the order a reader meets them (staff, supervisors, operators, admins)."""


class WebStack(Stack):
    """The browser tests' stack without its worker, on the fixed clock: the worker's sweeps (claim expiry, retention)
    run on the real clock and would undo a day seeded on the fixed one; every page is served by the web alone."""

    def start(self) -> WebStack:
        self.clock.set(NOW)
        self.base = self.base.replace("127.0.0.1", "localhost")  # a secure context: Secure cookies over http
        log = (self.logs / "web.out").open("w")
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
             "--timeout", "30", "--access-logfile", str(self.logs / "access.log"),
             "--error-logfile", str(self.logs / "web.log"), "tests.support.serve:app()"],
            env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        _wait_http(self.base.replace("localhost", "127.0.0.1") + "/healthz", self.web)
        return self


def url(page: Page, ids: dict[str, int], lang: str) -> str:
    """The page's path with the seeded ids and the interface language."""
    path = page.path.format(**ids)
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def log_in(browser, base: str, username: str) -> dict:
    """Log in through the form once; return the browser context's storage state (the session cookie)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="de-DE")
    page = context.new_page()
    response = page.goto(base + "/login")
    if response is None or response.status != 200:
        raise RuntimeError(f"/login answered {response.status if response else 'nothing'}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url(lambda address: "/login" not in address)
    state = context.storage_state()
    context.close()
    return state


def prepare(browser_page, page: Page) -> None:
    """Do what the page is shown with: the simulator's call in German (language menu, about myself, work)."""
    if page.action != "call":
        return
    browser_page.locator("#sim-speak").uncheck()
    browser_page.locator("#sim-lang").select_option("de")
    browser_page.locator("#sim-at").fill(NOW)
    browser_page.locator("#sim-call").click()
    browser_page.locator("#transcript li").first.wait_for()
    for key in ("1", "3"):
        button = browser_page.locator(f".key[data-key='{key}']")
        browser_page.wait_for_function("k => !document.querySelector(`.key[data-key='${k}']`).disabled", arg=key)
        button.click()
    browser_page.wait_for_timeout(300)  # the last turn's lines are drawn
    browser_page.locator("#transcript li").last.evaluate("item => item.scrollIntoView({block: 'end'})")


def _wav(path: Path, seconds: int) -> None:
    """A quiet voice message of `seconds` (8 kHz mono, as Twilio's recordings)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 8000 * seconds)


def _accounts(conn, now: datetime) -> dict[str, users.User]:
    made = {}
    for name, role, desks, langs, display, phone in ACCOUNTS:
        user_id = users.create(conn, name, PASSWORD, role, now, display_name=display, phone=phone, languages=langs)
        for desk in desks:
            users.add_desk(conn, name, desk)
        made[name] = user_id
    return {name: users.load(conn, user_id) for name, user_id in made.items()}


def _task(conn, config, rng: random.Random, n: int, desk: str, created: datetime, phone: str | None = None,
          language: str | None = None, window: str | None = None) -> int:
    schedules = build_schedules(config)
    due = schedules[desk].add_service_hours(created, config.desks[desk].callback_promise_hours)
    prefix, digits = rng.choice(NUMBERS)
    number = phone or f"{prefix}{rng.randrange(10 ** (digits - 1), 10 ** digits)}"
    local = created.astimezone(BERLIN).date()
    task_id, _ = callbacks.create(conn, desk, number, language or rng.choice(LANGUAGES), f"CB{n:032d}", created, due,
                                  local_date=local, promised_by=due.astimezone(BERLIN).date(),
                                  window=window or rng.choice(("any", "any", "morning", "afternoon", None)))
    return task_id


def _calls(conn, rng: random.Random, now: datetime) -> None:
    """Thirty days of finished calls (about 25 a day on weekdays), and this morning's queue calls."""
    desks = ("auslaenderbehoerde", "wirtschaftliche_hilfen", "integrationszentrum", "zebera", "integration_point",
             "helpers", "info")
    outcomes = ("transferred",) * 11 + ("callback_requested",) * 4 + ("abandoned",) * 4 + ("error",)
    n = 0
    for back in range(30, -1, -1):
        day = (now - timedelta(days=back)).astimezone(BERLIN)
        if day.weekday() >= 5:
            continue
        for _ in range(rng.randrange(18, 32) if back else 14):
            start = day.replace(hour=rng.randrange(8, 16), minute=rng.randrange(60), second=0)
            if start >= now:
                continue
            n += 1
            desk = rng.choice(desks)
            outcome = "answered" if desk in ("helpers", "info") and rng.random() < 0.6 else rng.choice(outcomes)
            duration = rng.randrange(20, 600)
            queued = desk in ("helpers", "info")
            conn.execute(calls.insert().values(
                call_sid=f"CA{n:032x}", caller=None, caller_hash=f"{rng.randrange(400):064x}",
                language=rng.choice(LANGUAGES), path="[]", desk=None if outcome == "abandoned" and n % 3 else desk,
                outcome=outcome, status="completed", status_rank=9, started_at=start.astimezone(UTC),
                ended_at=(start + timedelta(seconds=duration)).astimezone(UTC), duration=duration,
                local_date=start.date(), local_weekday=start.weekday(), local_hour=start.hour,
                wait_seconds=rng.randrange(5, 200) if queued else None,
                talk_seconds=duration - 30 if queued and outcome == "answered" else None,
                created_at=start.astimezone(UTC), updated_at=start.astimezone(UTC)))


def _queues(conn, rng: random.Random, now: datetime, talking: int) -> None:
    """This morning's live queues: callers answered or gone since 8:00, four waiting now, one talking to `talking`."""
    for i in range(14):
        sid, joined = f"CQ{i:032d}", now - timedelta(minutes=115 - i * 8)
        queueing.join(conn, sid, ("info", "helpers")[i % 2], rng.choice(LANGUAGES), joined)
        if i % 5 == 4:
            queueing.finish(conn, sid, "abandoned", joined + timedelta(seconds=rng.randrange(8, 90)))
        else:
            queueing.connect(conn, sid, None, joined + timedelta(seconds=rng.randrange(4, 36)))
            queueing.finish(conn, sid, "answered", joined + timedelta(minutes=4), talk_seconds=rng.randrange(60, 200))
    for i, (desk, language, seconds) in enumerate((("info", "ar", 95), ("info", "ar", 40), ("info", "uk", 20),
                                                   ("helpers", "de", 70), ("info", "fa", 300))):
        queueing.join(conn, f"CW{i:032d}", desk, language, now - timedelta(seconds=seconds))
    queueing.connect(conn, f"CW{4:032d}", talking, now - timedelta(seconds=240))


def seed(engine: Engine, instance_dir: Path, now_text: str = NOW) -> dict[str, int]:
    """Fill an empty database (and the instance folder's voice messages); return the ids the pages need."""
    config = load_config(DEFAULT_CONFIG)
    now = berlin(now_text)
    rng = random.Random(14)
    with engine.begin() as conn:
        people = _accounts(conn, now - timedelta(days=60))
        for name, minutes in (("anna", 50), ("emil", 20)):
            presence.set_status(conn, people[name].id, presence.AVAILABLE, now - timedelta(minutes=minutes))
        ids: dict[str, int] = {}
        n = 0
        for i in range(38):  # the busy desk: callers of the last days, the three oldest overdue
            n += 1
            created = now - (timedelta(hours=1 + i * 2.4) if i < 35 else timedelta(days=i - 30, hours=3))
            phone = SEARCHED if i == 5 else None
            task_id = _task(conn, config, rng, n, BUSY_DESK, created, phone, language="ar" if i == 5 else None)
            if i == 3:
                ids["free"] = task_id
            if i % 4 == 0:  # a voice message
                name = f"{task_id}-RE{n:032x}.wav"
                _wav(instance_dir / "recordings" / name, 2 + i % 5)
                conn.execute(callbacks_table.update().where(callbacks_table.c.id == task_id)
                             .values(recording_path=name, recording_duration=2 + i % 5))
            if i in (1, 7, 12, 20):  # taken by colleagues this morning
                holder = people[("bert", "dana", "bert", "anna")[(1, 7, 12, 20).index(i)]]
                worklist.claim(conn, callbacks.get(conn, task_id), holder, now - timedelta(minutes=40 - i))
                ids.setdefault("mine" if holder.username == "anna" else "claimed", task_id)
            if i in (9, 14, 22, 30):  # tried before: not reached, next attempt later
                attempt = worklist.Attempt("no_answer" if i != 22 else "busy", "Mailbox" if i == 9 else "", False)
                schedule = build_schedules(config)[BUSY_DESK]
                worklist.log_attempt(conn, callbacks.get(conn, task_id), people["dana"], attempt,
                                     now - timedelta(hours=1 + i / 10), schedule, 120, 3)
        for desk, count in (("info", 5), ("auslaenderbehoerde", 4), ("integration_point", 3)):
            for i in range(count):
                n += 1
                phone = SEARCHED if desk == "info" and i == 0 else None
                _task(conn, config, rng, n, desk, now - timedelta(hours=1 + i * 5), phone)
        for i in range(24):  # closed in the last weeks, for the dashboard's service level
            n += 1
            desk = rng.choice(("zebera", "info", "auslaenderbehoerde", "integration_point"))
            created = now - timedelta(days=2 + i, hours=rng.randrange(6))
            task_id = _task(conn, config, rng, n, desk, created)
            callbacks.close(conn, task_id, rng.choice(("resolved",) * 4 + ("unreachable", "forwarded")),
                            created + timedelta(hours=rng.randrange(1, 30)), actor="dana")
        _calls(conn, rng, now)
        _queues(conn, rng, now, people["emil"].id)
    house_message = {"de": "Am Donnerstag, 26. November, ist das Haus ab 12 Uhr wegen einer Personalversammlung "
                           "geschlossen.",
                     "en": "On Thursday, 26 November, the house closes at noon for a staff meeting."}
    closures.set_closure(engine, closures.HOUSE, "announcement", berlin("2026-11-26 18:00"), "Personalversammlung",
                         house_message, "olga", now - timedelta(days=1))
    closures.set_closure(engine, "integrationszentrum", "closure", berlin("2026-11-27 16:00"), "Fortbildung",
                         {"de": "Das Integrationszentrum ist bis Freitag geschlossen.",
                          "en": "The integration centre is closed until Friday."}, "olga", now - timedelta(hours=3))
    return ids
