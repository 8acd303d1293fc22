"""A real browser for the hall's web pages: Debian's chromium driven by Playwright for Python.

    def test_something(open_page, served_ticket):
        page = open_page(served_ticket.url)                       # a phone, 390×844, zh-CN, JavaScript on
        page = open_page(url, device="desktop")                   # 1280×800
        page = open_page(url, device="small-phone", text_scale=2) # 320×640 with the browser's text at 200 %
        page = open_page(url, javascript=False)

One browser for the whole run (starting chromium is the slow part), a fresh context per page, so no
cookie, cache or history crosses from one test to the next. The browser is the machine's own
`/usr/bin/chromium` (bootstrap.sh installs it), never a build Playwright downloads. Every request a page
makes is recorded on `page.requests_seen`; anything leaving the hall is refused, so a page that reaches
for a font or a script elsewhere breaks visibly. Actions wait at most a few seconds: the hall is on
loopback, and a missing element fails fast instead of after Playwright's default half-minute.

Tickets in every state the phone page knows come from `ticket_links` (`waiting()`, `served()`,
`reviewed()`, `missed()`), made through the hall's real API and its simulated windows.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from tests.fixtures.clock import CHINA

CHROMIUM = "/usr/bin/chromium"
# As the machine notes say: headless as root, no GPU, and none of chromium's own calls home, which the
# closed network here would refuse many at a time. Playwright adds --headless, --no-sandbox and a fresh
# --user-data-dir itself.
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

DEVICES = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "small-phone": {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
ACTION_TIMEOUT_MS = 5_000
# The review link's expiry follows the real clock: frozen here, so that the pages read the same every run.
REAL_TIME = datetime(2026, 11, 23, 10, 0, tzinfo=CHINA)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: ./bootstrap.sh installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    contexts = []

    def open_(url: str | None = None, *, device: str = "phone", javascript: bool = True,
              text_scale: float = 1.0, credentials: tuple[str, str] | None = None) -> Page:
        login = {"http_credentials": {"username": credentials[0], "password": credentials[1]}} if credentials else {}
        context = browser.new_context(**DEVICES[device], locale="zh-CN", java_script_enabled=javascript, **login)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        if text_scale != 1.0:
            # The browser's own text-size setting (Chrome: Settings › Appearance › Font size), not a zoom.
            page.context.new_cdp_session(page).send("Page.setFontSizes", {"fontSizes": {
                "standard": round(16 * text_scale), "fixed": round(13 * text_scale)}})
        seen: list[str] = []
        page.requests_seen = seen       # type: ignore[attr-defined]

        def only_loopback(route: Route) -> None:
            seen.append(route.request.url)
            if route.request.url.startswith(("http://127.0.0.1:", "data:")):
                route.fallback()
            else:
                route.abort()

        context.route("**/*", only_loopback)
        if url is not None:
            page.goto(url)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def real_time(frozen_clock) -> None:
    frozen_clock(REAL_TIME, tick=True)


@dataclass
class TicketLink:
    ticket_id: str
    number: str
    url: str


class _CountingSecrets:
    """Stands in for `secrets` where the hall draws ticket and review ids: the same ids on every run, so that
    the pictures of the pages are too (nothing in them depends on an id being unguessable)."""

    def __init__(self) -> None:
        self._next = itertools.count(1)

    def token_hex(self, nbytes: int) -> str:
        return next(self._next).to_bytes(nbytes, "big").hex()


@pytest.fixture
def ticket_links(hall_server, hall_client, real_time, monkeypatch):
    """Make tickets of the 社保医保 queue in the state a test needs, each with its review link. The hall's
    review key and ids are pinned, so that every page reads the same on every run."""
    monkeypatch.setattr("hall_server.tickets.secrets", _CountingSecrets())
    monkeypatch.setattr("hall_server.routes.reviews.secrets", _CountingSecrets())
    with sqlite3.connect(hall_server.db_path) as db:
        db.execute("UPDATE settings SET value = ? WHERE key = 'review_key'", (hashlib.sha256(b"pictures").hexdigest(),))

    class Factory:
        def waiting(self) -> TicketLink:
            ticket = hall_client.issue_ticket("social")
            return TicketLink(ticket.ticket_id, ticket.number, hall_client.review_link(ticket_id=ticket.ticket_id).url)

        def called(self, window: int = 2) -> TicketLink:
            link = self.waiting()
            assert hall_server.simulation.call_next("social", window) == link.ticket_id
            return link

        def served(self, window: int = 2) -> TicketLink:
            link = self.called(window)
            hall_server.simulation.finish(link.ticket_id)
            return link

        def missed(self) -> TicketLink:
            link = self.called()
            hall_server.simulation.finish(link.ticket_id, served=False)
            return link

        def reviewed(self, level: str = "satisfied") -> TicketLink:
            link = self.served()
            hall_client.submit_review(level, ticket_id=link.ticket_id)
            return link

    return Factory()

