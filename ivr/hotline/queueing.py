"""The live queue's durable facts: who waits at which desk, offers to people, connections and how each wait ended.

Twilio holds the callers (one `<Enqueue>` queue per desk and language); this module keeps what the service needs
to choose a person and to account for every wait. Every change is a conditional UPDATE, so two workers (or a
worker and a webhook) racing on one caller or one person change it once: the loser's rowcount is 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ivr.hotline import presence
from ivr.store.db import desk_members
from ivr.store.db import queue_entries
from ivr.store.db import queue_log
from ivr.store.db import queue_stats
from ivr.store.db import staff_presence
from ivr.store.db import users

WAITING, OFFERED, ACCEPTED, CONNECTED, ENDED = "waiting", "offered", "accepted", "connected", "ended"
LIVE = (WAITING, OFFERED, ACCEPTED)
"""States of a caller still in Twilio's queue."""
LEAVE_REASONS = ("caller", "timeout", "closed", "nobody", "error")
"""Why a waiting caller is asked to leave: pressed 1, max_wait reached, desk closed, nobody signed in, bad input."""
RESULTS = ("answered", "callback", "timeout", "closed", "nobody", "abandoned", "error")
"""How a wait ended."""
MISSED = "verpasst"
"""The pause reason of a person who did not take an offered call (shown in the workbench)."""
SMOOTHING = 0.2
"""Weight of the newest answered call in the smoothed handle time (an exponential moving average)."""
MAX_HANDLE_SECONDS = 3600
"""A talk time above this is a line left open, not a handle time: not counted in the estimate."""


def queue_name(desk: str, language: str) -> str:
    """Twilio's queue for a desk's callers in one language (each `<Dial><Queue>` takes that queue's longest
    waiting caller, the one the choice offers)."""
    return f"{desk}-{language}"[:64]


@dataclass(frozen=True)
class Entry:
    """One caller's wait at a desk."""

    id: int
    call_sid: str
    desk: str
    language: str
    state: str
    joined_at: datetime
    leave_reason: str | None = None
    result: str | None = None
    agent_id: int | None = None
    agent_call_sid: str | None = None
    offered_at: datetime | None = None
    offers: int = 0
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    wait_seconds: int | None = None
    talk_seconds: int | None = None

    def waited(self, now: datetime) -> int:
        """Seconds this caller has waited (until connected or ended)."""
        end = self.connected_at or self.ended_at or now
        return max(0, int((end - self.joined_at).total_seconds()))


@dataclass(frozen=True)
class Agent:
    """A person who can take a desk's queued calls, as the choice sees them."""

    user_id: int
    username: str
    phone: str | None
    languages: tuple[str, ...]
    desks: tuple[str, ...]
    status: str  # presence status at the time read (wrap_up that ended reads as available)
    busy_with: int | None
    idle_since: datetime | None  # end of the last call, or when they became available


def _entry(row: sa.Row | None) -> Entry | None:
    return None if row is None else Entry(**row._mapping)


def log(conn: Connection, call_sid: str, kind: str, now: datetime, user_id: int | None = None,
        detail: str | None = None) -> None:
    """Note one step of a wait in the call's record."""
    conn.execute(queue_log.insert().values(call_sid=call_sid, at=now, kind=kind, user_id=user_id,
                                           detail=(detail or None) and detail[:64]))


def join(conn: Connection, call_sid: str, desk: str, language: str, now: datetime) -> Entry:
    """Put a caller in a desk's queue (a repeated join of the same call returns its entry unchanged)."""
    found = entry(conn, call_sid)
    if found is not None:
        return found
    conn.execute(queue_entries.insert().values(call_sid=call_sid, desk=desk, language=language, state=WAITING,
                                               joined_at=now, offers=0))
    log(conn, call_sid, "joined", now, detail=f"{desk}:{language}")
    return entry(conn, call_sid)  # type: ignore[return-value]


def entry(conn: Connection, call_sid: str) -> Entry | None:
    """The caller's queue entry, or None."""
    return _entry(conn.execute(sa.select(queue_entries).where(queue_entries.c.call_sid == call_sid)).first())


def entry_by_id(conn: Connection, entry_id: int) -> Entry | None:
    """A queue entry by id, or None."""
    return _entry(conn.execute(sa.select(queue_entries).where(queue_entries.c.id == entry_id)).first())


def waiting(conn: Connection, desk: str | None = None) -> list[Entry]:
    """Callers still in a queue (waiting or being offered), longest waiting first."""
    query = sa.select(queue_entries).where(queue_entries.c.state.in_(LIVE)).order_by(queue_entries.c.joined_at,
                                                                                      queue_entries.c.id)
    if desk is not None:
        query = query.where(queue_entries.c.desk == desk)
    return [Entry(**row._mapping) for row in conn.execute(query)]


def position(conn: Connection, found: Entry) -> int:
    """1 + the callers of the same desk and language who joined before this one and still wait."""
    ahead = conn.execute(
        sa.select(sa.func.count()).select_from(queue_entries)
        .where(queue_entries.c.desk == found.desk, queue_entries.c.language == found.language,
               queue_entries.c.state.in_(LIVE), queue_entries.c.joined_at < found.joined_at)
    ).scalar_one()
    return int(ahead) + 1


def ask_to_leave(conn: Connection, call_sid: str, reason: str, now: datetime) -> bool:
    """Mark a waiting caller to leave (the next wait or key answer says `<Leave/>`); False when not waiting.

    The first reason stays: a caller who pressed 1 just as the desk closed keeps "caller"."""
    if reason not in LEAVE_REASONS:
        raise ValueError(f"unknown leave reason {reason!r}")
    done = conn.execute(queue_entries.update()
                        .where(queue_entries.c.call_sid == call_sid, queue_entries.c.state.in_(LIVE),
                               queue_entries.c.leave_reason.is_(None))
                        .values(leave_reason=reason)).rowcount
    if done:
        log(conn, call_sid, "leave", now, detail=reason)
    return bool(done)


def _free(conn: Connection, entry_id: int) -> None:
    conn.execute(staff_presence.update().where(staff_presence.c.busy_with == entry_id).values(busy_with=None))


def finish(conn: Connection, call_sid: str, result: str, now: datetime,
           talk_seconds: int | None = None) -> Entry | None:
    """End a caller's wait with its result (once: a repeated or late report changes nothing); free an offered
    person. Returns the ended entry, or None when there was none or it had ended already."""
    if result not in RESULTS:
        raise ValueError(f"unknown queue result {result!r}")
    found = entry(conn, call_sid)
    if found is None or found.state == ENDED:
        return None
    wait = found.waited(now)
    values = {"state": ENDED, "result": result, "ended_at": now, "wait_seconds": wait}
    if result == "answered":
        values["talk_seconds"] = talk_seconds if talk_seconds is not None else (
            max(0, int((now - found.connected_at).total_seconds())) if found.connected_at else None)
    else:
        values["agent_id"] = found.agent_id if found.state == CONNECTED else None
    if not conn.execute(queue_entries.update().where(queue_entries.c.id == found.id,
                                                     queue_entries.c.state == found.state).values(**values)).rowcount:
        return None
    if found.state in (OFFERED, ACCEPTED):
        _free(conn, found.id)  # the offer's person is free again; their ringing phone is stopped by the worker
    log(conn, call_sid, "ended", now, user_id=values.get("agent_id", found.agent_id), detail=result)
    return entry_by_id(conn, found.id)


def offer(conn: Connection, entry_id: int, user_id: int, now: datetime) -> bool:
    """Reserve a waiting caller for a free available person, both or neither (False: someone was faster)."""
    taken = conn.execute(staff_presence.update()
                         .where(staff_presence.c.user_id == user_id, staff_presence.c.busy_with.is_(None))
                         .values(busy_with=entry_id)).rowcount
    if not taken:
        return False
    reserved = conn.execute(queue_entries.update()
                            .where(queue_entries.c.id == entry_id, queue_entries.c.state == WAITING,
                                   queue_entries.c.leave_reason.is_(None))
                            .values(state=OFFERED, agent_id=user_id, offered_at=now, agent_call_sid=None,
                                    offers=queue_entries.c.offers + 1)).rowcount
    if not reserved:
        conn.execute(staff_presence.update().where(staff_presence.c.user_id == user_id,
                                                   staff_presence.c.busy_with == entry_id).values(busy_with=None))
        return False
    found = entry_by_id(conn, entry_id)
    log(conn, found.call_sid, "offered", now, user_id=user_id)  # type: ignore[union-attr]
    return True


def note_offer_call(conn: Connection, entry_id: int, user_id: int, agent_call_sid: str) -> bool:
    """Keep the SID of the call that rings the offered person (to stop it if the caller goes first)."""
    return bool(conn.execute(queue_entries.update()
                             .where(queue_entries.c.id == entry_id, queue_entries.c.agent_id == user_id,
                                    queue_entries.c.state == OFFERED)
                             .values(agent_call_sid=agent_call_sid)).rowcount)


def accept(conn: Connection, entry_id: int, user_id: int, now: datetime) -> Entry | None:
    """The offered person pressed 1: the offer stands if the caller still waits for them (else None)."""
    done = conn.execute(queue_entries.update()
                        .where(queue_entries.c.id == entry_id, queue_entries.c.state == OFFERED,
                               queue_entries.c.agent_id == user_id, queue_entries.c.leave_reason.is_(None))
                        .values(state=ACCEPTED)).rowcount
    if not done:
        return None
    found = entry_by_id(conn, entry_id)
    log(conn, found.call_sid, "accepted", now, user_id=user_id)  # type: ignore[union-attr]
    return found


def _put_back(conn: Connection, entry_id: int, user_id: int, states: tuple[str, ...], now: datetime, kind: str,
              detail: str) -> bool:
    """The caller of an offer in one of `states` waits again and its person is free; the step is logged."""
    back = conn.execute(queue_entries.update()
                        .where(queue_entries.c.id == entry_id, queue_entries.c.state.in_(states),
                               queue_entries.c.agent_id == user_id)
                        .values(state=WAITING, agent_id=None, agent_call_sid=None, offered_at=None)).rowcount
    if not back:
        return False
    conn.execute(staff_presence.update().where(staff_presence.c.user_id == user_id,
                                               staff_presence.c.busy_with == entry_id).values(busy_with=None))
    found = entry_by_id(conn, entry_id)
    log(conn, found.call_sid, kind, now, user_id=user_id, detail=detail)  # type: ignore[union-attr]
    return True


def miss(conn: Connection, entry_id: int, user_id: int, now: datetime, detail: str = "no answer") -> bool:
    """An offer not taken in time: the caller waits again, the person is paused with the reason "verpasst".

    False (nothing changed) when the offer was already settled (accepted and connected, missed, or ended)."""
    if not _put_back(conn, entry_id, user_id, (OFFERED,), now, "missed", detail):
        return False
    if presence.current(conn, user_id, now).status in presence.TAKES_CALLS:
        presence.set_status(conn, user_id, presence.PAUSED, now, reason=MISSED)
    return True


def withdraw(conn: Connection, entry_id: int, user_id: int, now: datetime, detail: str) -> bool:
    """Take back an offer that was not the person's fault (the call could not be placed, the bridge failed): the
    caller waits again, the person is free and keeps their status. False when the offer was settled already."""
    return _put_back(conn, entry_id, user_id, (OFFERED, ACCEPTED), now, "withdrawn", detail)


def offer_of(conn: Connection, entry_id: int, user_id: int) -> Entry | None:
    """The caller offered to this person: entry `entry_id` while it is offered to (or accepted by) them, else the
    one their reservation moved to (two offers of one Twilio queue, taken in the other order), else None."""
    found = entry_by_id(conn, entry_id)
    if found is not None and found.agent_id == user_id and found.state in (OFFERED, ACCEPTED):
        return found
    busy = conn.execute(sa.select(staff_presence.c.busy_with).where(staff_presence.c.user_id == user_id)).scalar()
    moved = entry_by_id(conn, busy) if busy is not None and busy != entry_id else None
    if moved is not None and moved.agent_id == user_id and moved.state in (OFFERED, ACCEPTED):
        return moved
    return None


def talking_with(conn: Connection, user_id: int) -> Entry | None:
    """The caller this person is connected with (or was, until their end is noted by `agent_done`), or None."""
    busy = conn.execute(sa.select(staff_presence.c.busy_with).where(staff_presence.c.user_id == user_id)).scalar()
    found = entry_by_id(conn, busy) if busy is not None else None
    if found is not None and found.agent_id == user_id and found.connected_at is not None \
            and found.state in (CONNECTED, ENDED):
        return found
    return None


def connect(conn: Connection, call_sid: str, user_id: int | None, now: datetime) -> Entry | None:
    """Twilio bridged the caller to a person (the `<Queue url>` request): the wait ends, the talk begins.

    `<Dial><Queue>` takes the queue's longest waiting caller, who may have been offered to someone else (two
    callers of one language offered at once, accepted in the other order): then the two swap, and the other
    person's offer (and acceptance) moves to the caller this person was offered."""
    found = entry(conn, call_sid)
    if found is None or found.state not in LIVE:
        return None
    agent = user_id if user_id is not None else found.agent_id
    if agent is not None and found.agent_id not in (None, agent):
        _swap(conn, found, agent, now)
    conn.execute(queue_entries.update().where(queue_entries.c.id == found.id, queue_entries.c.state.in_(LIVE))
                 .values(state=CONNECTED, agent_id=agent, connected_at=now, wait_seconds=found.waited(now)))
    if agent is not None:  # the person who took the call is busy with this caller
        conn.execute(staff_presence.update().where(staff_presence.c.user_id == agent).values(busy_with=found.id))
    log(conn, call_sid, "connected", now, user_id=agent)
    return entry_by_id(conn, found.id)


def _swap(conn: Connection, taken: Entry, agent: int, now: datetime) -> None:
    """`agent` was bridged to `taken`, which was offered to another person: that person gets `agent`'s offer."""
    other = taken.agent_id
    mine = conn.execute(sa.select(queue_entries).where(queue_entries.c.agent_id == agent,
                                                       queue_entries.c.state.in_((OFFERED, ACCEPTED)),
                                                       queue_entries.c.desk == taken.desk,
                                                       queue_entries.c.language == taken.language,
                                                       queue_entries.c.id != taken.id)).first()
    if mine is None:  # nothing to hand over: the other person's offer is gone, they are free again
        conn.execute(staff_presence.update().where(staff_presence.c.user_id == other,
                                                   staff_presence.c.busy_with == taken.id).values(busy_with=None))
        log(conn, taken.call_sid, "withdrawn", now, user_id=other, detail="taken by another")
        return
    conn.execute(queue_entries.update().where(queue_entries.c.id == mine.id)
                 .values(agent_id=other, state=taken.state, agent_call_sid=taken.agent_call_sid))
    conn.execute(staff_presence.update().where(staff_presence.c.user_id == other,
                                               staff_presence.c.busy_with == taken.id).values(busy_with=mine.id))
    log(conn, mine.call_sid, "swapped", now, user_id=other, detail=f"with {taken.call_sid}"[:64])


def agent_done(conn: Connection, user_id: int, now: datetime, wrap_up_seconds: int) -> None:
    """A person's queue call ended: free, idle from now, in wrap-up for the desk's time (then available)."""
    conn.execute(staff_presence.update().where(staff_presence.c.user_id == user_id)
                 .values(busy_with=None, last_call_end=now))
    if presence.current(conn, user_id, now).status == presence.AVAILABLE:
        presence.set_status(conn, user_id, presence.WRAP_UP, now, wrap_up_seconds=wrap_up_seconds)


def agents(conn: Connection, now: datetime, desk: str | None = None) -> list[Agent]:
    """Every active person with a presence row (of one desk, when given), as the choice and the live page need."""
    members = sa.select(desk_members.c.user_id, desk_members.c.desk)
    if desk is not None:
        members = members.where(desk_members.c.desk == desk)
    desks: dict[int, list[str]] = {}
    for row in conn.execute(members):
        desks.setdefault(row.user_id, []).append(row.desk)
    if not desks:
        return []
    query = (sa.select(users.c.id, users.c.username, users.c.phone, users.c.languages, staff_presence)
             .join(staff_presence, staff_presence.c.user_id == users.c.id)
             .where(users.c.active.is_(True), users.c.id.in_(list(desks))))
    found = []
    for row in conn.execute(query):
        status = row.status
        idle = row.last_call_end or row.since
        if status == presence.WRAP_UP and row.until is not None and row.until <= now:
            status, idle = presence.AVAILABLE, max(row.until, row.last_call_end or row.until)
        found.append(Agent(row.id, row.username, row.phone,
                           tuple(x.strip() for x in (row.languages or "").split(",") if x.strip()),
                           tuple(sorted(desks[row.id])), status, row.busy_with, idle))
    return found


def signed_in(conn: Connection, desk: str, now: datetime) -> int:
    """People of a desk who take calls now or soon (available, in wrap-up, paused): 0 means a caller must not
    be queued."""
    return sum(1 for a in agents(conn, now, desk) if a.status != presence.SIGNED_OUT and (a.phone or "").strip())


def note_handle_time(conn: Connection, desk: str, language: str, seconds: float, now: datetime) -> None:
    """Fold an answered call's handle time (talk + wrap-up) into the desk's smoothed figure for that language."""
    if seconds <= 0 or seconds > MAX_HANDLE_SECONDS:
        return
    row = conn.execute(sa.select(queue_stats).where(queue_stats.c.desk == desk,
                                                    queue_stats.c.language == language)).first()
    if row is None:
        conn.execute(queue_stats.insert().values(desk=desk, language=language, handle_seconds=float(seconds),
                                                 samples=1, updated_at=now))
        return
    smoothed = (1 - SMOOTHING) * row.handle_seconds + SMOOTHING * seconds
    conn.execute(queue_stats.update().where(queue_stats.c.desk == desk, queue_stats.c.language == language)
                 .values(handle_seconds=smoothed, samples=row.samples + 1, updated_at=now))


def handle_times(conn: Connection, desk: str) -> dict[str, tuple[float, int]]:
    """The desk's smoothed handle time and sample count per language."""
    query = sa.select(queue_stats.c.language, queue_stats.c.handle_seconds, queue_stats.c.samples) \
        .where(queue_stats.c.desk == desk)
    return {row.language: (row.handle_seconds, row.samples) for row in conn.execute(query)}


def history(conn: Connection, call_sid: str) -> list[tuple[datetime, str, int | None, str | None]]:
    """The call's queue steps (at, kind, user id, detail), oldest first."""
    query = sa.select(queue_log.c.at, queue_log.c.kind, queue_log.c.user_id, queue_log.c.detail) \
        .where(queue_log.c.call_sid == call_sid).order_by(queue_log.c.at, queue_log.c.id)
    return [(row.at, row.kind, row.user_id, row.detail) for row in conn.execute(query)]


def overdue_offers(conn: Connection, now: datetime, seconds: int, state: str = OFFERED) -> list[Entry]:
    """Offers older than `seconds` that nobody accepted (or, with state ACCEPTED, that never led to a connection)."""
    query = sa.select(queue_entries).where(queue_entries.c.state == state,
                                           queue_entries.c.offered_at < now - timedelta(seconds=seconds))
    return [Entry(**row._mapping) for row in conn.execute(query)]


def ringing_after_end(conn: Connection, desk: str, now: datetime) -> list[Entry]:
    """Ended waits whose offer call may still ring (the caller left while a person was being rung); only waits
    begun in the last two hours (no desk lets a caller wait one), so the index's range stays short."""
    query = sa.select(queue_entries).where(queue_entries.c.desk == desk, queue_entries.c.state == ENDED,
                                           queue_entries.c.joined_at > now - timedelta(hours=2),
                                           queue_entries.c.agent_call_sid.is_not(None),
                                           queue_entries.c.result != "answered")
    return [Entry(**row._mapping) for row in conn.execute(query)]


def forget_offer_call(conn: Connection, entry_id: int, agent_call_sid: str) -> bool:
    """The offer call of an ended wait was stopped: forget its SID (False: another worker did it first)."""
    return bool(conn.execute(queue_entries.update()
                             .where(queue_entries.c.id == entry_id, queue_entries.c.agent_call_sid == agent_call_sid)
                             .values(agent_call_sid=None)).rowcount)


def desks_waiting(conn: Connection) -> list[str]:
    """Desks with a caller waiting for an offer."""
    query = sa.select(queue_entries.c.desk).where(queue_entries.c.state == WAITING,
                                                  queue_entries.c.leave_reason.is_(None)).distinct()
    return sorted(row.desk for row in conn.execute(query))
