"""The rules for staff accounts that `ivr users` and the admins' page share: desks, bodies, phone, last admin."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ivr.core.languages import UI_LANGS
from ivr.hotline import users
from ivr.hotline.users import User
from ivr.hotline.users import UserError
from ivr.settings import Settings
from ivr.store.db import users as users_table

PROFILE = ("display_name", "role", "phone", "languages", "ui_lang", "active")
"""Fields `update` changes besides the desks."""
RESERVED = ("new",)
"""User names that are paths of the admins' page (/admin/users/new)."""
_USERNAME = re.compile(r"[\w.@-]{1,64}")
_E164 = re.compile(r"\+[1-9]\d{6,14}")


def check_username(username: str) -> str:
    """Refuse empty, over-long or path-breaking user names (letters, digits, . @ _ - only)."""
    if not _USERNAME.fullmatch(username):
        raise UserError("user name: 1-64 letters, digits, '.', '@', '_' or '-'", "username")
    if username in RESERVED:
        raise UserError(f"user name {username!r} is reserved", "reserved", username=username)
    return username


def check_display_name(name: str) -> str:
    """Refuse a display name longer than its column."""
    if len(name) > 128:
        raise UserError("display name: at most 128 characters", "display_name")
    return name


def check_desk(settings: Settings, desk: str) -> str:
    """Refuse a desk id that is not a key of `desks:` in config.yaml."""
    if desk not in settings.desks:
        raise UserError(f"unknown desk {desk!r}; desks: {', '.join(settings.desks)}", "unknown_desk", desk=desk)
    return desk


def check_one_body(settings: Settings, role: str, desks: Iterable[str]) -> None:
    """Refuse desks of two public bodies for anyone but admins: personal data stays within one body."""
    bodies = sorted({settings.desks[d].body for d in desks if d in settings.desks})
    if role != "admin" and len(bodies) > 1:
        raise UserError(
            f"desks of one body only (stadt, jobcenter or ba), not {', '.join(bodies)}",
            "one_body",
            bodies=tuple(bodies),
        )


def check_desks(settings: Settings, role: str, desks: Iterable[str]) -> tuple[str, ...]:
    """Return the desks without repeats after refusing unknown ones and desks of two bodies (admins excepted)."""
    checked = tuple(dict.fromkeys(check_desk(settings, d) for d in desks))
    check_one_body(settings, role, checked)
    return checked


def check_languages(settings: Settings, languages: str | Iterable[str]) -> tuple[str, ...]:
    """Return the languages (a list or "de,ar") after refusing none and ids the hotline does not offer."""
    items = languages.split(",") if isinstance(languages, str) else languages
    checked = tuple(dict.fromkeys(x.strip() for x in items if x.strip()))
    known = settings.config.languages
    for lang in checked:
        if lang not in known:
            raise UserError(f"unknown language {lang!r}; languages: {', '.join(known)}", "language", language=lang)
    if not checked:
        raise UserError("give at least one language", "no_language")
    return checked


def check_phone(phone: str | None) -> str | None:
    """Return the person's own phone in E.164 (None when empty); refuse anything that is not a valid number."""
    text = (phone or "").strip().replace(" ", "")
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, None) if _E164.fullmatch(text) else None
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise UserError("phone must be a valid number in E.164 form (+49...)", "phone")  # never echo the number
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_ui_lang(ui_lang: str) -> str:
    """Refuse an interface language the pages do not have."""
    if ui_lang not in UI_LANGS:
        raise UserError(f"unknown interface language {ui_lang!r}; use {' or '.join(UI_LANGS)}", "ui_lang")
    return ui_lang


def check_passwords(password: str, again: str) -> str:
    """Refuse two different entries of a new password, then a short one."""
    if password != again:
        raise UserError("the two passwords differ", "password_mismatch")
    users.validate("staff", password)
    return password


def _keep_an_admin(conn: Connection, user: User, role: str, active: bool) -> None:
    """Refuse to demote or deactivate the last active admin: nobody could manage accounts in the browser."""
    if not (user.is_admin and user.active) or (role == "admin" and active):
        return
    # FOR UPDATE: two admins demoting each other at once wait for each other, so one of them stays (PostgreSQL)
    query = (
        sa.select(users_table.c.id)
        .where(users_table.c.role == "admin")
        .where(users_table.c.active.is_(True))
        .with_for_update()
    )
    if set(conn.execute(query).scalars()) <= {user.id}:
        raise UserError(
            f"{user.username} is the last active admin; make another account admin first",
            "last_admin",
            username=user.username,
        )


def account(conn: Connection, username: str) -> User:
    """Return an account, active or not; UserError when there is none."""
    user = users.load(conn, users.user_id(conn, username), inactive=True)
    assert user is not None
    return user


def create(
    conn: Connection,
    settings: Settings,
    username: str,
    password: str,
    role: str,
    now: datetime,
    display_name: str = "",
    desks: Iterable[str] = (),
    languages: str | Iterable[str] = ("de",),
    phone: str | None = None,
    ui_lang: str = "de",
) -> int:
    """Check every rule, then create the account with its desks; return the id."""
    check_username(username)
    users.validate(role, password)
    desks = check_desks(settings, role, desks)
    user_id = users.create(
        conn,
        username,
        password,
        role,
        now,
        display_name=check_display_name(display_name),
        phone=check_phone(phone),
        languages=check_languages(settings, languages),
        ui_lang=check_ui_lang(ui_lang),
    )
    for desk in desks:
        users.add_desk(conn, username, desk)
    return user_id


def update(conn: Connection, settings: Settings, username: str, now: datetime, **values: object) -> tuple[str, ...]:
    """Check, then apply changes to PROFILE fields and `desks`; return the names of the fields that changed."""
    unknown = set(values) - {*PROFILE, "desks"}
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    user = account(conn, username)
    role = str(values.get("role", user.role))
    users.validate(role, None)
    new: dict[str, object] = {"role": role, "active": bool(values.get("active", user.active))}
    if "display_name" in values:
        new["display_name"] = check_display_name(str(values["display_name"]))
    if "phone" in values:
        new["phone"] = check_phone(values["phone"])  # type: ignore[arg-type]
    if "languages" in values:
        new["languages"] = check_languages(settings, values["languages"])  # type: ignore[arg-type]
    if "ui_lang" in values:
        new["ui_lang"] = check_ui_lang(str(values["ui_lang"]))
    desks = user.desks
    if "desks" in values:
        desks = check_desks(settings, role, values["desks"])  # type: ignore[arg-type]
    elif role != user.role:
        check_one_body(settings, role, desks)  # the new role must fit the desks the person already has
    _keep_an_admin(conn, user, role, bool(new["active"]))
    changed = {k: v for k, v in new.items() if v != getattr(user, k)}
    names = sorted(changed) + (["desks"] if set(desks) != set(user.desks) else [])
    if not names:
        return ()
    users.update(conn, username, now, **changed)
    for desk in sorted(set(desks) - set(user.desks)):
        users.add_desk(conn, username, desk)
    for desk in sorted(set(user.desks) - set(desks)):
        users.remove_desk(conn, username, desk)
    return tuple(names)


def add_desk(conn: Connection, settings: Settings, username: str, desk: str) -> bool:
    """Add a known desk that keeps the person within one body; False when they already had it."""
    check_desk(settings, desk)
    user = account(conn, username)
    check_one_body(settings, user.role, (*user.desks, desk))
    return users.add_desk(conn, username, desk)


def remove_desk(conn: Connection, settings: Settings, username: str, desk: str) -> bool:
    """Remove a known desk; False when the person did not have it."""
    check_desk(settings, desk)
    return users.remove_desk(conn, username, desk)
