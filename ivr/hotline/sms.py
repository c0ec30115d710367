"""Callers' SMS: the texts per language (flows/sms.yaml), their segments, whom we may text, each SMS's record
(sent once by its dedupe key, its delivery state on the task's history) and what a reply means."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ivr.core.yamldoc import Problem
from ivr.core.yamldoc import load as load_yaml
from ivr.engine.phones import check_number
from ivr.hotline.callbacks import record_step
from ivr.store.db import callbacks
from ivr.store.db import sms_messages

FILE = "sms.yaml"
"""The texts' file in the flows folder."""
KIND = "sms"
"""Its `kind:`."""
KINDS = ("confirm", "unreached", "received", "cancelled", "neutral")
"""What an SMS says: the callback's day, we could not reach you, your reply arrived, cancelled, nobody reads here."""
TASK_KINDS = frozenset({"confirm", "unreached"})
"""SMS the caller consented to when asking for the callback (the others answer a reply of theirs)."""
MAX_SEGMENTS = 2
"""Most segments one SMS may take (`ivr flows check` refuses a longer text)."""
MAX_BODY = 1600
"""Characters of a reply kept (Twilio's longest message); the rest is cut."""
STATES = ("pending", "sending", "accepted", "scheduled", "queued", "sent", "delivered", "undelivered", "failed",
          "refused")
"""An SMS's states: ours (pending: to send; sending: handed to Twilio; refused: never sent) and Twilio's."""
_RANK = {"pending": 0, "sending": 1, "accepted": 2, "scheduled": 2, "queued": 2, "sent": 3, "delivered": 4,
         "undelivered": 4, "failed": 4, "refused": 4}
"""Order of the states: a late callback (sent after delivered) never moves an SMS back."""
GSM7 = frozenset("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
"""GSM 03.38's basic characters (one septet each)."""
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
"""GSM 03.38's extension characters (two septets each: escape and the character)."""
LONGEST_DATE = "30.12."
LONGEST_REFERENCE = "R-0000"
_DROP = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]")
_PUNCT = re.compile(r"[\s.!?,;:'\"()\-–—،؛؟。]+")
CANCEL_DIGITS = frozenset({"0", "٠", "۰"})
"""The digit 0 as a caller may type it (Latin, Arabic-Indic, Persian)."""


@dataclass(frozen=True)
class Texts:
    """flows/sms.yaml: texts by language and kind, weekday names, window words, cancel words, the phone."""

    phone: str
    texts: dict[str, dict[str, str]]
    weekdays: dict[str, list[str]]
    windows: dict[str, dict[str, str]]
    cancel_words: frozenset[str]


def load(flows_dir: str | Path) -> Texts:
    """Read flows/sms.yaml (again only when it changed)."""
    path = Path(flows_dir) / FILE
    return _load(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load(path: str, mtime: int) -> Texts:
    return from_data(load_yaml(path).data or {})


def from_data(data: dict[str, Any]) -> Texts:
    """The texts of a parsed sms.yaml."""
    words = {_normal(str(w)) for ws in (data.get("cancel_words") or {}).values() for w in ws or ()}
    return Texts(str(data.get("phone", "")), data.get("texts") or {}, data.get("weekdays") or {},
                 data.get("windows") or {}, frozenset(words))


def language_of(texts: Texts, lang: str) -> str:
    """The caller's language when its texts exist, else German."""
    return lang if lang in texts.texts else "de"


def render(texts: Texts, kind: str, lang: str, day: date | None = None, window: str | None = None,
           reference: str | None = None) -> str:
    """One SMS's text in the caller's language (German when it has none)."""
    lang = language_of(texts, lang)
    words = texts.windows.get(lang, {})
    values = {"weekday": texts.weekdays[lang][day.weekday()] if day else "",
              "date": f"{day.day}.{day.month}." if day else "",
              "window": words.get(window or "any", words.get("any", "")),
              "reference": reference or "", "phone": texts.phone}
    return texts.texts[lang][kind].format(**values)


def encoding(text: str) -> str:
    """GSM-7 when every character is in GSM 03.38, else UCS-2."""
    return "GSM-7" if all(c in GSM7 or c in GSM7_EXTENDED for c in text) else "UCS-2"


def segments(text: str) -> int:
    """How many segments Twilio sends a text in (GSM-7: 160, else 153 a segment; UCS-2: 70, else 67)."""
    if encoding(text) == "GSM-7":
        units, single, multi = sum(2 if c in GSM7_EXTENDED else 1 for c in text), 160, 153
    else:
        units, single, multi = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / multi)


def longest(texts: Texts, kind: str, lang: str) -> str:
    """A kind's text with the longest weekday and window of its language: what `ivr flows check` counts."""
    day_name = max(texts.weekdays.get(lang) or [""], key=len)
    window = max((texts.windows.get(lang) or {"any": ""}).values(), key=len)
    values = {"weekday": day_name, "date": LONGEST_DATE, "window": window, "reference": LONGEST_REFERENCE,
              "phone": texts.phone}
    return texts.texts[lang][kind].format(**values)


def check(texts: Texts, languages: Collection[str], file: str = FILE,
          problem: Callable[[tuple[Any, ...], str], Problem] | None = None) -> tuple[list[Problem], dict[str, dict]]:
    """Problems of the texts (a language or kind missing, a placeholder unknown, more than MAX_SEGMENTS) and
    each text's segments and encoding by language and kind. `problem(path, message)` places a finding in the
    file (default: the file without a line)."""
    where = problem or (lambda path, message: Problem(file, 0, message))
    problems, report = [], {}
    for lang in languages:
        if lang not in texts.texts:
            problems.append(where(("texts",), f"texts.{lang}: no SMS texts for this language"))
            continue
        if len(texts.weekdays.get(lang) or []) != 7:
            problems.append(where(("weekdays",), f"weekdays.{lang}: seven weekday names needed, Monday first"))
            continue
        report[lang] = {}
        for kind in KINDS:
            if kind not in texts.texts[lang]:
                problems.append(where(("texts", lang), f"texts.{lang}.{kind}: missing"))
                continue
            try:
                text = longest(texts, kind, lang)
            except (KeyError, IndexError, ValueError) as exc:
                problems.append(where(("texts", lang, kind), f"texts.{lang}.{kind}: unknown placeholder {exc}"))
                continue
            count = segments(text)
            report[lang][kind] = {"segments": count, "encoding": encoding(text), "characters": len(text)}
            if count > MAX_SEGMENTS:
                problems.append(where(("texts", lang, kind), f"texts.{lang}.{kind}: {count} SMS segments "
                                      f"({encoding(text)}, {len(text)} characters); at most {MAX_SEGMENTS}"))
    return problems, report


def refusal(phone: str | None, allowed_countries: Collection[str]) -> str | None:
    """Why we must not text a number (premium/service, a country outside the allow-list, not a mobile), or None."""
    checked = check_number(phone, allowed_countries)
    if not checked.ok:
        return checked.reason or "invalid"
    kind = phonenumbers.number_type(phonenumbers.parse(checked.e164 or "", None))
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return "not_mobile"
    return None


def clean(body: str) -> str:
    """A reply as we keep it: control characters dropped, at most MAX_BODY characters."""
    return _DROP.sub("", body or "")[:MAX_BODY].strip()


def _normal(text: str) -> str:
    """Case, accents and marks (Turkish İ, Arabic vowel signs) and punctuation do not matter."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if unicodedata.category(c) != "Mn")
    return _PUNCT.sub(" ", unicodedata.normalize("NFKC", bare)).strip()


def is_cancel(texts: Texts, body: str) -> bool:
    """True when a reply is only a cancel word of any language, or the digit 0."""
    word = _normal(body)
    return word in CANCEL_DIGITS or word in texts.cancel_words


def sent_since(conn: Connection, phone: str, since: datetime) -> int:
    """SMS to a number since then (refused ones not counted)."""
    query = sa.select(sa.func.count()).select_from(sms_messages).where(sms_messages.c.phone == phone) \
        .where(sms_messages.c.created_at > since).where(sms_messages.c.status != "refused")
    return conn.execute(query).scalar_one()


def answered_since(conn: Connection, phone: str, since: datetime) -> bool:
    """True when a reply of this number was answered since then (no ping-pong with an auto-responder)."""
    query = sa.select(sms_messages.c.id).where(sms_messages.c.phone == phone) \
        .where(sms_messages.c.created_at > since) \
        .where(sms_messages.c.kind.in_(("received", "cancelled", "neutral"))).limit(1)
    return conn.execute(query).first() is not None


def reserve(conn: Connection, dedupe_key: str, task_id: int | None, kind: str, phone: str | None, language: str,
            now: datetime, refused: str | None = None, daily_limit: int | None = None) -> int | None:
    """Write the record of an SMS to send (pending), or refused when `refused` names why or the number's daily
    limit is reached; None when an SMS with this dedupe key exists already (it is never sent twice)."""
    if refused is None and daily_limit is not None and phone and \
            sent_since(conn, phone, now - timedelta(days=1)) >= daily_limit:
        refused = "daily_limit"
    values = {"callback_id": task_id, "dedupe_key": dedupe_key[:96], "kind": kind, "phone": phone,
              "language": language, "status": "refused" if refused else "pending", "created_at": now,
              "updated_at": now}
    try:
        with conn.begin_nested():
            sms_id = conn.execute(sms_messages.insert().values(**values)).inserted_primary_key[0]
    except IntegrityError:
        return None
    if task_id is not None and refused:
        record_step(conn, task_id, "system", "sms", now, outcome=f"{kind}:refused", note=refused)
    return sms_id


def get(conn: Connection, sms_id: int) -> dict[str, Any] | None:
    """One SMS record."""
    row = conn.execute(sa.select(sms_messages).where(sms_messages.c.id == sms_id)).mappings().first()
    return dict(row) if row else None


def by_key(conn: Connection, dedupe_key: str) -> dict[str, Any] | None:
    """The SMS record of a dedupe key."""
    row = conn.execute(sa.select(sms_messages).where(sms_messages.c.dedupe_key == dedupe_key)).mappings().first()
    return dict(row) if row else None


def claim(conn: Connection, sms_id: int, body: str, now: datetime) -> bool:
    """Take a pending SMS for sending (pending -> sending, with its text); False when another worker has it or
    it was handled already. After this, the SMS is never handed to Twilio again."""
    result = conn.execute(sms_messages.update().where(sms_messages.c.id == sms_id)
                          .where(sms_messages.c.status == "pending")
                          .values(status="sending", body=body, updated_at=now))
    return result.rowcount == 1


def release(conn: Connection, sms_id: int, now: datetime) -> None:
    """Give a claimed SMS back (Twilio was certainly not reached): the next try sends it."""
    conn.execute(sms_messages.update().where(sms_messages.c.id == sms_id).where(sms_messages.c.status == "sending")
                 .values(status="pending", updated_at=now))


def note_state(conn: Connection, sms_id: int, status: str, now: datetime, message_sid: str | None = None,
               why: str | None = None) -> bool:
    """Move an SMS forward to a state (never back), on the task's history; False when nothing changed."""
    row = get(conn, sms_id)
    if row is None or status not in _RANK or _RANK[status] <= _RANK.get(row["status"], 0):
        return False
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if message_sid:
        values["message_sid"] = message_sid
    conn.execute(sms_messages.update().where(sms_messages.c.id == sms_id).values(**values))
    if row["callback_id"] is not None:
        record_step(conn, row["callback_id"], "twilio", "sms", now, outcome=f"{row['kind']}:{status}", note=why)
    return True


def on_status(conn: Connection, message_sid: str, status: str, now: datetime, error: str | None = None) -> bool:
    """Twilio reported an SMS's state (`/sms/status`): forward only, on the task's history."""
    row = conn.execute(sa.select(sms_messages.c.id).where(sms_messages.c.message_sid == message_sid)).first()
    if row is None:
        return False
    return note_state(conn, row.id, status, now, why=f"error {error}" if error else None)


def last_state(conn: Connection, task_id: int) -> str | None:
    """The delivery state of a task's latest SMS (for the API), None without one."""
    query = sa.select(sms_messages.c.status).where(sms_messages.c.callback_id == task_id) \
        .order_by(sms_messages.c.id.desc()).limit(1)
    return conn.execute(query).scalar()


def open_tasks(conn: Connection, phone: str) -> list[dict[str, Any]]:
    """A number's open callbacks, oldest first."""
    query = sa.select(callbacks).where(callbacks.c.phone == phone).where(callbacks.c.status == "open") \
        .order_by(callbacks.c.id)
    return [dict(r) for r in conn.execute(query).mappings()]


def stale(conn: Connection, before: datetime, after: datetime) -> list[int]:
    """Pending SMS written between `after` and `before` (their job was lost: Redis or the worker was down)."""
    query = sa.select(sms_messages.c.id).where(sms_messages.c.status == "pending") \
        .where(sms_messages.c.created_at < before).where(sms_messages.c.created_at > after) \
        .order_by(sms_messages.c.id).limit(500)
    return [r.id for r in conn.execute(query)]
