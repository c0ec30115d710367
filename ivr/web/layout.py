"""The shell every people's page shares (base.html): the navigation of a role, the current page, the language switch."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Flask
from flask import current_app
from flask import request
from flask import url_for

from ivr.core.languages import UI_LANGS
from ivr.core.roles import ADMIN_ROLES
from ivr.core.roles import OPERATING_ROLES
from ivr.core.roles import SUPERVISING_ROLES
from ivr.core.roles import WORKBENCH_ROLES
from ivr.hotline.users import User
from ivr.web.auth import current_user
from ivr.web.i18n import ui_lang


@dataclass(frozen=True)
class Entry:
    """One place in the navigation: its page, its text key, the roles that see it, the endpoints it stands for."""

    endpoint: str
    key: str
    roles: tuple[str, ...]
    section: tuple[str, ...] = ()  # endpoint prefixes of the pages below this one (the task page under the desks)


NAV = (
    Entry("staff.home", "my_desks", WORKBENCH_ROLES, ("staff.", "staff_calls.")),
    Entry("oversight.overview", "overview", SUPERVISING_ROLES),
    Entry("oversight.search", "search", SUPERVISING_ROLES),
    Entry("dashboard.index", "dashboard", SUPERVISING_ROLES, ("dashboard.",)),
    Entry("live.page", "live_nav", SUPERVISING_ROLES, ("live.",)),
    Entry("operators.simulator", "simulator", OPERATING_ROLES, ("operators.simulator", "operators.run")),
    Entry("operators.notices", "layout_nav_notices", OPERATING_ROLES, ("operators.",)),
    Entry("jobs.index", "jobs", ADMIN_ROLES, ("jobs.",)),
    Entry("useradmin.index", "ua_nav", ADMIN_ROLES, ("useradmin.",)),
)
"""Every role's navigation in one order; an entry whose page this app lacks is left out."""


@dataclass(frozen=True)
class Link:
    """A link of the navigation as shown: `current` is aria-current's value ("page", "true" below it, or None)."""

    url: str
    key: str
    current: str | None


def _section(endpoint: str, entries: list[Entry]) -> Entry | None:
    """The entry a page belongs to: its own, else the one with the longest matching section prefix."""
    for entry in entries:
        if entry.endpoint == endpoint:
            return entry
    matches = [(len(prefix), entry) for entry in entries for prefix in entry.section if endpoint.startswith(prefix)]
    return max(matches, key=lambda match: match[0])[1] if matches else None


def navigation(user: User | None, endpoint: str | None, endpoints: object) -> list[Link]:
    """The links a person's role sees, the page shown (or the section it is part of) marked as current."""
    if user is None:
        return []
    entries = [e for e in NAV if user.role in e.roles and e.endpoint in endpoints]  # type: ignore[operator]
    here = _section(endpoint or "", entries)
    return [Link(url_for(e.endpoint), e.key,
                 None if e is not here else "page" if e.endpoint == endpoint else "true") for e in entries]


def other_language() -> str:
    """The interface language the switch offers."""
    return UI_LANGS[1] if ui_lang() == UI_LANGS[0] else UI_LANGS[0]


def switch_href(lang: str) -> str:
    """This page in another language: a query-only link, so the path stays and every other argument too."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return "?" + urlencode([*args, ("lang", lang)])


def _context() -> dict:
    return {"navigation": lambda: navigation(current_user(), request.endpoint, current_app.view_functions),
            "other_language": other_language, "switch_href": switch_href}


def init_app(app: Flask) -> None:
    """Make the navigation and the language switch available to every template."""
    app.context_processor(_context)
