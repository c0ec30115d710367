"""A live queue scene with known figures: people of the info desk in every status and callers in every state."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from sqlalchemy.engine import Connection

from ivr.hotline import presence
from ivr.hotline import queueing
from ivr.hotline import users

PASSWORD = "a long test password"
PHONES = {"anna": "+4915111111111", "bert": "+4915122222222", "carl": "+4915133333333", "dora": "+4915144444444",
          "emil": "+4915155555555"}
"""The staff's own numbers: no live page, API answer or metric may show them."""
CALLERS = {"CAwaitde": "+4917611111111"}


def person(conn: Connection, name: str, now: datetime, desks: tuple[str, ...] = ("info",),
           languages: tuple[str, ...] = ("de",), phone: str | None = None, role: str = "staff") -> int:
    """A staff account of the given desks (PHONES' number unless one is given)."""
    user_id = users.create(conn, name, PASSWORD, role, now, display_name=name.title(), languages=languages,
                           phone=phone if phone is not None else PHONES.get(name))
    for desk in desks:
        users.add_desk(conn, name, desk)
    return user_id


def scene(conn: Connection, now: datetime) -> dict[str, int]:
    """At `now` (10:00): the info desk has anna available, bert paused after a missed offer, carl in wrap-up
    (also of helpers), dora being offered the German caller, emil signed out, fritz never set (no phone).

    Callers who joined today at info: "CAwaitde" (de, 90 s, offered to dora), "CAwaitar" (ar, 60 s),
    "CAnewar" (ar, 10 s: undecided), "CAquick" answered after 20 s, "CAslow" answered after 45 s, "CAmisdial"
    hung up after 3 s (short), "CAgaveup" hung up after 40 s, "CAcb" pressed 1 after 10 s; "CAyday" was answered
    yesterday (not today's). Service level: 1 within of 6 decided (waitde, waitar, quick, slow, gaveup, cb).
    """
    ago = lambda seconds: now - timedelta(seconds=seconds)  # noqa: E731 - a short local name
    ids = {name: person(conn, name, ago(3600), languages=("de", "ar") if name == "anna" else ("de",),
                        desks=("info", "helpers") if name == "carl" else ("info",))
           for name in ("anna", "bert", "carl", "dora", "emil")}
    ids["fritz"] = person(conn, "fritz", ago(3600), phone="")
    for name in ("anna", "bert", "carl", "dora", "emil"):
        presence.set_status(conn, ids[name], presence.AVAILABLE, ago(1800))
    presence.set_status(conn, ids["emil"], presence.SIGNED_OUT, ago(600))
    presence.set_status(conn, ids["carl"], presence.WRAP_UP, ago(20), wrap_up_seconds=60)

    def ended(sid: str, lang: str, joined: int, waited: int, result: str, connected: bool = False) -> None:
        queueing.join(conn, sid, "info", lang, ago(joined))
        if connected:
            queueing.connect(conn, sid, None, ago(joined - waited))
            queueing.finish(conn, sid, result, ago(joined - waited - 60))
        else:
            queueing.finish(conn, sid, result, ago(joined - waited))

    ended("CAyday", "de", 86400, 10, "answered", connected=True)
    ended("CAquick", "de", 1200, 20, "answered", connected=True)
    ended("CAslow", "ar", 1000, 45, "answered", connected=True)
    ended("CAmisdial", "de", 900, 3, "abandoned")
    ended("CAgaveup", "de", 800, 40, "abandoned")
    ended("CAcb", "ar", 700, 10, "callback")
    waitde = queueing.join(conn, "CAwaitde", "info", "de", ago(90))
    queueing.offer(conn, waitde.id, ids["bert"], ago(50))
    queueing.miss(conn, waitde.id, ids["bert"], ago(30))
    queueing.offer(conn, waitde.id, ids["dora"], ago(5))
    queueing.join(conn, "CAwaitar", "info", "ar", ago(60))
    queueing.join(conn, "CAnewar", "info", "ar", ago(10))
    return ids
