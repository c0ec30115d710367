"""Staff accounts: roles, hashed passwords, desk memberships and the languages each person speaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from ivr.core.roles import ROLES
from ivr.hotline import staff_sessions
from ivr.store.db import desk_members
from ivr.store.db import users

MIN_PASSWORD = 10
"""Shortest password the CLI and the admins' page accept."""
_DUMMY_HASH = generate_password_hash("timing-equaliser")


class UserError(ValueError):
    """A user could not be created or changed; the message says why, `key` and `params` name it for the pages."""

    def __init__(self, message: str, key: str = "", **params: object):
        super().__init__(message)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class User:
    """A logged-in person as the views see them."""

    id: int
    username: str
    display_name: str
    role: str
    phone: str | None
    languages: tuple[str, ...]
    ui_lang: str
    desks: tuple[str, ...]
    active: bool = True

    @property
    def name(self) -> str:
        """The name shown in pages and history."""
        return self.display_name or self.username

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def works(self, desk: str) -> bool:
        """True when this person may work (claim, call, log) tasks of the desk."""
        return self.is_admin or (self.role == "staff" and desk in self.desks)

    def sees(self, desk: str) -> bool:
        """True when this person may see personal data of the desk's tasks."""
        return self.is_admin or (self.role in ("staff", "supervisor") and desk in self.desks)


def validate(role: str, password: str | None) -> None:
    """Refuse an unknown role and (when given) a password shorter than MIN_PASSWORD."""
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; use one of {', '.join(ROLES)}", "role")
    if password is not None and len(password) < MIN_PASSWORD:
        raise UserError(f"password must have at least {MIN_PASSWORD} characters", "password_short", n=MIN_PASSWORD)


def create(
    conn: Connection,
    username: str,
    password: str,
    role: str,
    now: datetime,
    display_name: str = "",
    phone: str | None = None,
    languages: tuple[str, ...] = ("de",),
    ui_lang: str = "de",
) -> int:
    """Create a user; return the id. Raises UserError on a bad role, short password or taken name."""
    validate(role, password)
    if conn.execute(sa.select(users.c.id).where(users.c.username == username)).first():
        raise UserError(f"user {username!r} exists", "exists", username=username)
    result = conn.execute(
        users.insert().values(
            username=username,
            display_name=display_name,
            password_hash=generate_password_hash(password),
            role=role,
            phone=phone,
            languages=",".join(languages),
            ui_lang=ui_lang,
            active=True,
            created_at=now,
            updated_at=now,
        )
    )
    return result.inserted_primary_key[0]


def user_id(conn: Connection, username: str) -> int:
    """Return the id of a user, active or not; UserError when there is none."""
    row = conn.execute(sa.select(users.c.id).where(users.c.username == username)).first()
    if row is None:
        raise UserError(f"no user {username!r}", "no_user", username=username)
    return row[0]


def set_password(conn: Connection, username: str, password: str, now: datetime) -> None:
    """Replace a user's password and end all of their sessions (whoever knew the old one is logged out)."""
    validate("staff", password)
    member = user_id(conn, username)
    conn.execute(
        users.update().where(users.c.id == member).values(password_hash=generate_password_hash(password),
                                                          updated_at=now)
    )
    staff_sessions.end_all(conn, member)


def update(conn: Connection, username: str, now: datetime, **values: object) -> None:
    """Change profile fields (display_name, phone, languages, ui_lang, role, active); a change of role or of
    the active flag ends all of the user's sessions."""
    if "role" in values:
        validate(str(values["role"]), None)
    if isinstance(values.get("languages"), tuple | list):
        values["languages"] = ",".join(values["languages"])  # type: ignore[arg-type]
    member = user_id(conn, username)
    conn.execute(users.update().where(users.c.id == member).values(updated_at=now, **values))
    if "role" in values or "active" in values:
        staff_sessions.end_all(conn, member)


def add_desk(conn: Connection, username: str, desk: str) -> bool:
    """Add a desk membership; False when the user already had it."""
    member = user_id(conn, username)
    exists = conn.execute(
        sa.select(desk_members.c.desk)
        .where(desk_members.c.user_id == member)
        .where(desk_members.c.desk == desk)
    ).first()
    if exists:
        return False
    conn.execute(desk_members.insert().values(user_id=member, desk=desk))
    return True


def remove_desk(conn: Connection, username: str, desk: str) -> bool:
    """Remove a desk membership; False when there was none."""
    result = conn.execute(
        desk_members.delete()
        .where(desk_members.c.user_id == user_id(conn, username))
        .where(desk_members.c.desk == desk)
    )
    return result.rowcount > 0


def load(conn: Connection, user_id: int, inactive: bool = False) -> User | None:
    """Return an active user by id (also an inactive one with `inactive`), or None."""
    query = sa.select(users).where(users.c.id == user_id)
    row = conn.execute(query if inactive else query.where(users.c.active.is_(True))).mappings().first()
    if row is None:
        return None
    desks = (
        conn.execute(
            sa.select(desk_members.c.desk)
            .where(desk_members.c.user_id == user_id)
            .order_by(desk_members.c.desk)
        )
        .scalars()
        .all()
    )
    return User(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        phone=row["phone"],
        languages=tuple(x for x in row["languages"].split(",") if x),
        ui_lang=row["ui_lang"],
        desks=tuple(desks),
        active=row["active"],
    )


def authenticate(conn: Connection, username: str, password: str) -> User | None:
    """Return the user when the password matches an active account; same work either way."""
    # a NUL names no account, and PostgreSQL would refuse it as a query parameter (a 500 at the login)
    row = None if "\x00" in username else conn.execute(
        sa.select(users.c.id, users.c.password_hash)
        .where(users.c.username == username)
        .where(users.c.active.is_(True))
    ).first()
    if row is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return load(conn, row[0]) if check_password_hash(row[1], password) else None


def listing(conn: Connection, inactive: bool = False) -> list[User]:
    """Return every active user (and the inactive ones with `inactive`), by name."""
    query = sa.select(users.c.id).order_by(users.c.username)
    ids = conn.execute(query if inactive else query.where(users.c.active.is_(True))).scalars()
    return [u for u in (load(conn, i, inactive) for i in ids.all()) if u is not None]


def display_names(conn: Connection, usernames: set[str]) -> dict[str, str]:
    """Return display names by username (the username where none is set)."""
    if not usernames:
        return {}
    query = sa.select(users.c.username, users.c.display_name).where(users.c.username.in_(usernames))
    return {name: display or name for name, display in conn.execute(query)}
