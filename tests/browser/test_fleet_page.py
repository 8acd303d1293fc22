"""The hall staff's /fleet page in a real browser: five kiosks of a hall, each in a different state.

Heartbeats and events reach the hall as kiosks send them (signed, through the API), with the hall's clock
moved to when each was sent; the page is then read at 10:00 on the hall's clock.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from hall_server.app import HallConfig
from hall_server.clock import CHINA_STANDARD_TIME, SettableClock
from hall_server.server import HallServer
from kiosk.hall.client import HallClient
from tests.browser.checks import layout_defects, screenshot
from tests.fixtures.hall import STAFF

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=CHINA_STANDARD_TIME)
KIOSKS = ("hall-a-01", "hall-a-02", "hall-a-03", "hall-b-01", "hall-b-02")
HEALTHY = {"printer": {"status": "ok", "message": ""}, "reader": {"status": "ok", "message": ""},
           "hall": {"status": "ok", "message": ""}, "outbox": {"status": "ok", "message": "0 pending, 0 dead"}}
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@pytest.fixture
def fleet_hall(tmp_path: Path) -> Iterator[HallServer]:
    clock = SettableClock(NOW)
    config = HallConfig(db_path=str(tmp_path / "hall.sqlite3"), kiosks={k: k.encode() * 4 for k in KIOSKS},
                        clock=clock, fleet_password=STAFF[1])
    server = HallServer(config, port=0, threads=4).start()
    clients = {k: HallClient(server.base_url, k, k.encode() * 4, retries=0) for k in KIOSKS}

    def at(minutes_before: float) -> str:
        moment = NOW - timedelta(minutes=minutes_before)
        clock.set(moment)
        return moment.isoformat()

    def event(kiosk: str, minutes_before: float, type_: str, severity: str, message: str = "") -> None:
        clients[kiosk].report_events([{"event_id": f"{kiosk}-{type_}-{minutes_before}", "type": type_,
                                       "severity": severity, "message": message, "occurred_at": at(minutes_before)}])

    # In service, all parts well.
    at(0.5)
    clients["hall-a-01"].heartbeat("ok", "0.1.0", 36_000, components=HEALTHY)
    # Says "ok" without a word on its reader, which was lost five minutes ago: a fault.
    event("hall-a-02", 5, "reader.lost", "error", "no reader on /dev/ttyUSB0")
    at(1)
    clients["hall-a-02"].heartbeat("ok", "0.1.0", 7_200, components={"printer": HEALTHY["printer"]})
    # Paper running low.
    at(0.3)
    clients["hall-a-03"].heartbeat("degraded", "0.1.0", 9_000, components={
        **HEALTHY, "printer": {"status": "degraded", "message": "paper roll nearly empty"}})
    # Silent for ten minutes; its last word was a printer out of paper.
    at(10)
    clients["hall-b-01"].heartbeat("error", "0.1.0", 600, components={
        **HEALTHY, "printer": {"status": "error", "message": "paper roll is empty"}})
    # Its reader was lost, then back; it says all is well since.
    event("hall-b-02", 20, "reader.lost", "error", "no reader")
    event("hall-b-02", 15, "reader.connected", "info")
    at(0.2)
    clients["hall-b-02"].heartbeat("ok", "0.1.0", 90_000, components=HEALTHY)
    clock.set(NOW)
    yield server
    for client in clients.values():
        client.close()
    server.stop()


def rows(page: Page) -> list[str]:
    return page.locator("[data-kiosk]").evaluate_all("rows => rows.map(r => r.dataset.kiosk)")


def row(page: Page, kiosk: str):
    return page.locator(f"[data-kiosk='{kiosk}']")


def test_defect_9_the_fleet_page_reads_in_chinese_worst_first_with_counts_and_honest_states(open_page,
                                                                                           fleet_hall):
    """GIVEN five kiosks: one well, one saying "ok" beside a reader lost 5 minutes ago, one low on paper, one
    silent for 10 minutes, one whose reader came back THEN /fleet is in Chinese, counts them at the top (in
    service 2, degraded 2, silent 1), lists the worst first, derives each state from its worst current
    problem, gives times as "N 分钟前" and marks the silent kiosk's last report as stale."""
    page = open_page(fleet_hall.base_url + "/fleet", device="desktop", credentials=STAFF)
    expect(page.get_by_role("heading", name="自助终端运行状态")).to_be_visible()
    summary = page.locator("[data-count]")
    assert dict(zip(summary.evaluate_all("tiles => tiles.map(t => t.dataset.count)"),
                    [int(n) for n in summary.locator(".count").all_inner_texts()])) == {
        "in_service": 2, "degraded": 2, "silent": 1}
    assert rows(page) == ["hall-b-01", "hall-a-02", "hall-a-03", "hall-a-01", "hall-b-02"]
    states = {k: row(page, k).get_attribute("data-state") for k in KIOSKS}
    assert states == {"hall-b-01": "silent", "hall-a-02": "error", "hall-a-03": "degraded", "hall-a-01": "ok",
                      "hall-b-02": "ok"}
    expect(row(page, "hall-b-01").locator(".state")).to_have_text("失联")
    expect(row(page, "hall-a-02").locator(".state")).to_have_text("故障")
    expect(row(page, "hall-a-03").locator(".state")).to_have_text("部分异常")
    expect(row(page, "hall-a-01").locator(".state")).to_have_text("正常")
    expect(row(page, "hall-a-02")).to_contain_text("身份证阅读器断开")
    expect(row(page, "hall-a-02")).to_contain_text("5 分钟前")
    expect(row(page, "hall-b-01")).to_contain_text("10 分钟前")
    expect(row(page, "hall-b-01").locator(".stale").first).to_contain_text("已过时")
    expect(row(page, "hall-b-02").locator(".problems")).not_to_contain_text("身份证阅读器")
    assert not ISO_TIME.search(page.locator("body").inner_text())
    assert layout_defects(page) == []
    screenshot(page, "fleet-zh")


def test_the_fleet_page_switches_to_english_and_back(open_page, fleet_hall):
    page = open_page(fleet_hall.base_url + "/fleet", device="desktop", credentials=STAFF)
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Kiosk fleet")).to_be_visible()
    expect(row(page, "hall-b-01").locator(".state")).to_have_text("Silent")
    expect(row(page, "hall-a-02").locator(".state")).to_have_text("Fault")
    expect(row(page, "hall-a-02")).to_contain_text("5 min ago")
    assert not ISO_TIME.search(page.locator("body").inner_text())
    screenshot(page, "fleet-en")
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="自助终端运行状态")).to_be_visible()


def test_the_fleet_page_reads_on_a_phone(open_page, fleet_hall):
    page = open_page(fleet_hall.base_url + "/fleet", credentials=STAFF)
    expect(row(page, "hall-b-01").locator(".state")).to_have_text("失联")
    assert layout_defects(page) == []
