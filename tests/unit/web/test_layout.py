"""The shared layout: each role's navigation with the page (or its section) marked, the language switch that keeps
a page's arguments, the accessibility statement's contact from config.yaml."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ivr.hotline.users import User
from ivr.settings import Accessibility
from ivr.web import i18n
from ivr.web import layout

EVERY = {entry.endpoint for entry in layout.NAV}
ALL = ["my_desks", "overview", "search", "dashboard", "live_nav", "simulator", "layout_nav_notices", "jobs", "ua_nav"]


def _user(role: str) -> User:
    return User(1, "x", "X", role, None, ("de",), "de", ())


def _nav(app, role: str, endpoint: str | None, endpoints=EVERY) -> list[tuple[str, str | None]]:
    with app.test_request_context("/"):
        return [(link.key, link.current) for link in layout.navigation(_user(role), endpoint, endpoints)]


@pytest.mark.parametrize(("role", "keys"), [
    ("staff", ["my_desks"]),
    ("supervisor", ["my_desks", "overview", "search", "dashboard", "live_nav"]),
    ("operator", ["simulator", "layout_nav_notices"]),
    ("admin", ALL),
])
def test_each_role_sees_its_entries_in_one_order(app, role, keys):
    assert [key for key, _current in _nav(app, role, None)] == keys


def test_an_entry_whose_page_the_app_lacks_is_left_out(app):
    assert [key for key, _ in _nav(app, "operator", None, EVERY - {"operators.notices"})] == ["simulator"]
    assert _nav(app, "admin", None, set()) == []
    with app.test_request_context("/"):
        assert layout.navigation(None, "auth.login", EVERY) == []  # nobody logged in: no navigation


@pytest.mark.parametrize(("endpoint", "marked"), [
    ("staff.home", ("my_desks", "page")),
    ("staff.task", ("my_desks", "true")),  # a task is below the desk lists
    ("staff_calls.recording", ("my_desks", "true")),
    ("oversight.search", ("search", "page")),
    ("dashboard.export", ("dashboard", "true")),
    ("operators.run", ("simulator", "true")),
    ("operators.notices", ("layout_nav_notices", "page")),
    ("operators.closure", ("layout_nav_notices", "true")),  # any other operators' page: below the notices
    ("useradmin.edit", ("ua_nav", "true")),
])
def test_the_page_or_its_section_is_marked_current(app, endpoint, marked):
    nav = _nav(app, "admin", endpoint)
    assert [(key, current) for key, current in nav if current] == [marked]


def test_a_page_outside_the_navigation_marks_nothing(app):
    assert [current for _, current in _nav(app, "admin", "statement.page")] == [None] * len(ALL)


@pytest.mark.parametrize(("query", "lang", "href"), [
    ("", "en", "?lang=en"),
    ("?show=now&lang=de", "en", "?show=now&lang=en"),  # the old choice replaced, not repeated
    ("?desk=a&desk=b&q=0176+123", "en", "?desk=a&desk=b&q=0176+123&lang=en"),  # repeated arguments kept
    ("?q=%3Cb%3E", "de", "?q=%3Cb%3E&lang=de"),
])
def test_the_language_switch_keeps_the_pages_arguments(app, query, lang, href):
    with app.test_request_context("/staff/desks/zebera" + query):
        assert layout.switch_href(lang) == href


def test_the_switch_offers_the_other_language(people):
    anna = people("anna")
    assert 'href="?lang=en" lang="en" hreflang="en">English</a>' in anna.get("/barrierefreiheit").get_data(as_text=True)
    anna.get("/barrierefreiheit?lang=en")
    assert 'href="?lang=de" lang="de" hreflang="de">Deutsch</a>' in anna.get("/barrierefreiheit").get_data(as_text=True)


def test_the_statement_contact_defaults_to_a_placeholder_and_refuses_a_bad_one():
    assert Accessibility().contact_email == "barrierefreiheit@stadt.wuppertal.de"
    assert Accessibility().contact_phone is None
    assert Accessibility(contact_phone="+4920274763333").contact_phone == "+4920274763333"
    for bad in ({"contact_email": "nobody"}, {"contact_phone": "0202 747"}):
        with pytest.raises(ValidationError):
            Accessibility(**bad)


def test_every_entry_has_its_text_in_both_languages():
    for lang in i18n.UI_LANGS:
        assert [e.key for e in layout.NAV if not i18n.catalog(lang).get(e.key, "").strip()] == [], lang
