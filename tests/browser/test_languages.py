"""The interface language in Chromium: a page and an error page in English once English is chosen."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_a_page_and_a_404_in_english(login):
    page = login("vera")  # a supervisor, browser locale de-DE: German until English is chosen
    page.goto(page.url.split("/staff")[0] + "/dashboard/")
    assert page.get_by_role("heading", name="Kennzahlen der Hotline").is_visible()
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Hotline figures"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Calls per day and desk").is_visible()
    assert page.get_by_role("link", name="My desks").is_visible()

    response = page.goto(page.url.split("/dashboard")[0] + "/staff/no-such-page")
    assert response.status == 404
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert page.get_by_text("There is no page at this address. The link may be out of date.").is_visible()
    assert page.get_by_role("link", name="My desks").is_visible()  # the hotline's top bar, not Werkzeug's page
    assert page.get_by_role("button", name="Log out").is_visible()
    assert "Not Found" not in page.content()
