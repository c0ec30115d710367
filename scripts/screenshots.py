#!/usr/bin/env python3
"""Screenshots of every page of the interface, in German and English, into docs/screenshots/<page>-<lang>.png.

A real web server as the browser tests run it — gunicorn serving the app on a temporary SQLite database and a private
Redis, its clock fixed at Tuesday 24 November 2026, 10:00 (no worker: its sweeps run on the real clock and would
release the seeded claims) — holds a seeded working day
(tests/support/showcase.py: 38 open callbacks on zebera, claims, attempts, voice messages, a closure and an
announcement, a month of calls); headless Chromium (Debian's /usr/bin/chromium) logs in as each role and shoots
each page at 1366x768 (the window, not the whole page). Pages not built yet are named and left out.

Usage:
    .venv/bin/python scripts/screenshots.py                       # every page into docs/screenshots/
    .venv/bin/python scripts/screenshots.py --only desk-list task-free --out /tmp/shots
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the showcase and the stack live in tests/ (this is a developer's tool)

from playwright.sync_api import sync_playwright  # noqa: E402

from ivr.store import db  # noqa: E402
from ivr.store.redisserver import RedisServer  # noqa: E402
from tests.browser.conftest import CHROMIUM  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.browser.conftest import VIEWPORT  # noqa: E402
from tests.support import showcase  # noqa: E402

LANGS = ("de", "en")


def shoot_all(base: str, ids: dict[str, int], out: Path, only: set[str], logs: Path) -> list[str]:
    """Shoot the pages; return the names of those left out (not built: a status other than the expected one)."""
    missing = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        states = {role: showcase.log_in(browser, base, name) for role, name in showcase.LOGIN.items()}
        for page in showcase.PAGES:
            if only and page.name not in only:
                continue
            for lang in LANGS:
                context = browser.new_context(viewport=VIEWPORT, locale="de-DE",
                                              storage_state=states[page.role] if page.role else None)
                tab = context.new_page()
                response = tab.goto(base + showcase.url(page, ids, lang))
                if response is None or response.status != page.status:
                    missing.append(f"{page.name} ({page.path}: {response.status if response else 'no answer'})")
                    if response is not None and response.status >= 500:
                        print((logs / "web.out").read_text()[-3000:], file=sys.stderr)
                    context.close()
                    break
                showcase.prepare(tab, page)
                tab.screenshot(path=str(out / f"{page.name}-{lang}.png"))
                context.close()
        browser.close()
    return missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", nargs="*", default=[], help="page names (tests/support/showcase.py PAGES)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ivr-shots-") as folder:
        tmp = Path(folder)
        redis = RedisServer(directory=tmp / "redis").start()
        url = f"sqlite:///{tmp / 'shots.sqlite3'}"
        db.upgrade(url)
        stack = showcase.WebStack(tmp, url, redis.url)
        engine = db.make_engine(url)
        try:
            ids = showcase.seed(engine, tmp / "instance")
            stack.start()
            missing = shoot_all(stack.base, ids, args.out, set(args.only), stack.logs)
        finally:
            stack.stop()
            engine.dispose()
            redis.stop()
    shots = sorted(args.out.glob("*.png"))
    size = sum(p.stat().st_size for p in shots) / 1e6
    print(f"{len(shots)} screenshots in {args.out} ({size:.1f} MB) in {time.monotonic() - started:.0f} s")
    for name in missing:
        print(f"left out (not built yet?): {name}")


if __name__ == "__main__":
    main()
