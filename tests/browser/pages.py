"""Helpers for browser tests: screenshots into test-artifacts/ and the axe-core accessibility check."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Browser
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
"""axe-core 4.14.1 (MPL-2.0), vendored so the tests need no network."""


PASSWORD = "browser test password"
"""Every browser test account's password."""
VIEWPORT = {"width": 1366, "height": 768}
"""A common laptop screen."""


def signed_in(browser: Browser, base: str, username: str, then: str = "") -> tuple[BrowserContext, Page]:
    """A fresh German context at 1366x768, logged in through the form as `username`, on `then` (or the person's
    start page); the caller closes the context."""
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
    page = context.new_page()
    page.goto(base + "/login" + (f"?next={then}" if then else ""))
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(lambda address: "/login" not in address)
    return context, page


def shoot(page: Page, name: str) -> Path:
    """Save a full-page screenshot into test-artifacts/browser/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page, impacts: tuple[str, ...] = ("minor", "moderate", "serious", "critical")) -> list[dict]:
    """Run axe-core (WCAG 2.1 A/AA rules and best practice) in the page; return its violations of any impact."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})""")
    bad = [v for v in result["violations"] if v["impact"] in impacts]
    if bad:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "axe-violations.json").write_text(json.dumps(bad, indent=2))
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]} for v in bad]


def zoomed(page: Page, factor: float = 2.0) -> None:
    """Show the page as at browser zoom `factor` (200 %: a 1366 px window lays out as 683 CSS px), reloaded."""
    size = page.viewport_size or {"width": 1366, "height": 768}
    page.set_viewport_size({"width": round(size["width"] / factor), "height": round(size["height"] / factor)})
    page.reload()


def open_tasks(stack, desk: str) -> list[dict]:
    response = stack.api("/api/callbacks", params={"desk": desk, "status": "open"})
    return response.json()["callbacks"]
