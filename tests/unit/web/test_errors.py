"""Error answers by room: the hotline's own page in the reader's language with the top bar; JSON under /api/;
Werkzeug's answers for Twilio's webhooks under /voice/ as before."""

from __future__ import annotations

import re

import pytest

from ivr.web import errors

PAGES = {  # code: (German title, German text, English title, English text)
    403: ("Kein Zugriff", "Diese Seite ist für Ihr Konto nicht freigegeben.",
          "Access denied", "Your account may not open this page."),
    404: ("Seite nicht gefunden", "Diese Adresse gibt es hier nicht. Vielleicht ist der Link veraltet.",
          "Page not found", "There is no page at this address. The link may be out of date."),
    405: ("Aktion nicht möglich", "Diese Adresse nimmt diese Art von Anfrage nicht an.",
          "Method not allowed", "This address does not accept this kind of request."),
}


def _page(response) -> tuple[str, str, str, str]:
    """The page's language, <h1>, first paragraph of <main> and the text of its top bar."""
    html = response.get_data(as_text=True)
    lang = re.search(r'<html lang="(\w+)">', html).group(1)
    main = html[html.index('<main id="content">'):]
    title = re.search(r"<h1>(.*?)</h1>", main).group(1)
    text = re.search(r"<p>(.*?)</p>", main).group(1)
    return lang, title, text, html[html.index('<header class="top">'):html.index("</header>")]


def _requests(people):
    anna = people("anna")  # staff at zebera
    return anna, {403: lambda: anna.get("/dashboard/"), 404: lambda: anna.get("/staff/nowhere"),
                  405: lambda: anna.get("/staff/tasks/1/claim")}


@pytest.mark.parametrize("code", sorted(PAGES))
def test_error_pages_in_german_then_english_with_the_top_bar(people, code):
    anna, send = _requests(people)
    de_title, de_text, en_title, en_text = PAGES[code]
    response = send[code]()
    assert response.status_code == code and response.mimetype == "text/html"
    lang, title, text, top = _page(response)
    assert (lang, title, text) == ("de", de_title, de_text)
    assert "Meine Stellen" in top and "Abmelden" in top and ">Anna</span>" in top
    assert f"<title>{de_title} · Haus der Integration</title>" in response.get_data(as_text=True)
    anna.get("/staff/desks/zebera?lang=en")  # the choice is remembered for the session
    response = send[code]()
    lang, title, text, top = _page(response)
    assert (response.status_code, lang, title, text) == (code, "en", en_title, en_text)
    assert "My desks" in top and "Log out" in top
    assert "Werkzeug" not in response.get_data(as_text=True)
    if code == 405:
        assert set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}  # Werkzeug's order varies


def test_a_crash_is_the_hotline_page_in_the_readers_language(app, people):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the handler answers, the traceback is logged

    def crash():
        raise RuntimeError("boom")

    app.add_url_rule("/staff/crash", "crash", crash)
    anna = people("anna")
    response = anna.get("/staff/crash?lang=en")
    assert response.status_code == 500
    assert _page(response)[:3] == ("en", "Internal error",
                                   "Something went wrong. The error has been logged; please try again later.")
    assert "boom" not in response.get_data(as_text=True)


def test_a_layout_that_fails_too_gives_the_bare_page(app, people, monkeypatch):
    anna = people("anna")

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(errors, "render_template", broken)
    response = anna.get("/staff/nowhere")
    assert response.status_code == 404
    assert response.get_data(as_text=True) == (
        '<!doctype html><html lang="de"><meta charset="utf-8"><title>Seite nicht gefunden</title>'
        "<h1>Seite nicht gefunden</h1><p>Diese Adresse gibt es hier nicht. Vielleicht ist der Link veraltet.</p>"
        '<p><a href="/">Zur Startseite</a></p></html>')


def test_too_large_a_form_is_the_413_page(client):
    response = client.post("/login?lang=en", data={"username": "x" * 70_000})
    assert response.status_code == 413
    assert _page(response)[:3] == ("en", "Too much data", "The data sent is too large.")


def test_a_views_own_reason_is_shown_as_the_detail(people):
    response = people("boss", role="supervisor").get("/dashboard/export.csv?month=2026-13")
    assert response.status_code == 400
    lang, title, text, _top = _page(response)
    assert (lang, title, text) == ("de", "Ungültige Anfrage", "Die Anfrage war unvollständig oder ungültig.")
    assert "Fehlercode 400: <code>month=YYYY-MM</code>" in response.get_data(as_text=True)


def test_api_errors_stay_json(client):
    for response, code in ((client.get("/api/nowhere"), 404), (client.put("/api/desks"), 405)):
        assert response.status_code == code and response.is_json
        assert set(response.get_json()) == {"error", "message"}


def test_voice_webhooks_keep_werkzeugs_answers(client):
    response = client.post("/voice/nowhere")
    assert response.status_code == 404
    assert "<title>404 Not Found</title>" in response.get_data(as_text=True)
    assert client.post("/voice/incoming").status_code == 403  # unsigned: refused as before, not a page


def _ways(response) -> list[tuple[str, str]]:
    """The links of an error page's way back: (href, text)."""
    html = response.get_data(as_text=True)
    actions = html[html.index('<p class="actions">'):]
    return re.findall(r'<a class="button" href="([^"]*)">([^<]*)</a>', actions[:actions.index("</p>")])


@pytest.mark.parametrize(("referrer", "ways"), [
    ("http://localhost/staff/desks/zebera?show=now", [("/staff/desks/zebera?show=now", "← Zurück zur vorigen Seite"),
                                                      ("/staff/", "Zur Startseite")]),
    (None, [("/staff/", "Zur Startseite")]),  # anna's start page (it opens her one desk's list)
    ("https://evil.example/staff/desks/zebera", [("/staff/", "Zur Startseite")]),  # another site
    ("http://localhost//evil.example/x", [("/staff/", "Zur Startseite")]),  # a path that leaves the site
    ("http://localhost/admin/users/?lang=de", [("/staff/", "Zur Startseite")]),  # the failing page itself
])
def test_an_error_page_offers_the_page_before_and_the_start_page(people, referrer, ways):
    anna = people("anna")
    headers = {"Referer": referrer} if referrer else {}
    response = anna.get("/admin/users/", headers=headers)
    assert response.status_code == 403
    assert [(href.replace("&amp;", "&"), text) for href, text in _ways(response)] == ways


def test_an_operators_start_page_is_the_simulator_and_a_strangers_the_login(people, client):
    olga = people("olga", role="operator", desks=())
    assert _ways(olga.get("/staff/nowhere")) == [("/operator/simulator", "Zur Startseite")]
    response = client.get("/static/nothing.css?lang=en")  # a public path: no login needed to get its 404
    assert response.status_code == 404
    assert _page(response)[:2] == ("en", "Page not found")
    assert _ways(response) == [("/login", "To the login page")]


def test_a_crash_offers_the_way_back_in_the_readers_language(app, people):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def crash():
        raise RuntimeError("boom")

    app.add_url_rule("/staff/crash", "crash", crash)
    anna = people("anna")
    response = anna.get("/staff/crash?lang=en", headers={"Referer": "http://localhost/staff/desks/zebera"})
    assert response.status_code == 500
    assert _page(response)[:2] == ("en", "Internal error")
    assert _ways(response) == [("/staff/desks/zebera", "← Back to the previous page"),
                               ("/staff/", "To the start page")]
    assert 'aria-current="true">My desks</a>' not in response.get_data(as_text=True)  # no endpoint: none is current
