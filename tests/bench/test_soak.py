"""The soak (bench/soak.py) in miniature: a handful of citizens through the real app, offscreen, with the
hall behind the fault proxy; and proof that its checks bite: a screen left standing and personal data left
after a session are both reported."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bench.soak import JOURNEYS, Soak, SoakOptions, build_app, open_world, stop_app
from tests.fixtures.hall import HALL_MONDAY_10AM
from tests.screens.conftest import kivy_window  # noqa: F401  (the offscreen window the app draws in)

QUICK = {kind: JOURNEYS[kind] for kind in ("ticket", "one_card", "complaint", "progress")}


@pytest.fixture
def soak_of(kivy_window, tmp_path: Path):  # noqa: F811
    """Run a soak of `journeys` (a dict of scripts) on a fresh app; the report comes back."""
    worlds = []

    def run(journeys, count: int, **options):
        options = SoakOptions(journeys=count, seed=7, fault_every=options.pop("fault_every", 1e9), sample_every=1,
                              watchdog_s=8,
                              disk_fault=False, start=datetime.fromisoformat(HALL_MONDAY_10AM.isoformat()),
                              **options)
        world_context = open_world(tmp_path / f"soak-{len(worlds)}", options)
        world = world_context.__enter__()
        worlds.append(world_context)
        app = build_app(world, journeys)
        try:
            return Soak(app, world, options, journeys=journeys, mix={kind: 1 for kind in journeys}).run()
        finally:
            stop_app(app)

    yield run
    for world_context in reversed(worlds):
        world_context.__exit__(None, None, None)


def test_a_few_citizens_with_a_fault_each_end_at_rest_with_nothing_left(soak_of):
    """GIVEN the kiosk behind the fault proxy WHEN four citizens of four kinds come, with faults on
    THEN each is back at attract with nothing personal kept, the outbox drains, and every figure is sampled."""
    report = soak_of(QUICK, 4, fault_every=1.0)

    assert report.failures() == []
    assert report.kinds == {kind: 1 for kind in QUICK}
    assert sum(report.faults.values()) >= 1
    assert report.outbox_pending_end == 0 and report.watchdog_pings >= 1
    assert len(report.samples) == 6 and all(s.rss_mib > 0 and s.fds > 0 and s.threads > 0 for s in report.samples)
    assert len(report.journey_ms) == 4 and sum(report.outcomes.values()) == 4


def left_standing(soak) -> str:
    """A journey that opens 办事指南 and leaves it up, as a screen that never returns would."""
    soak.open("guide")
    return "left on the guide"


def left_behind(soak) -> str:
    """A journey whose citizen's phone number stays in the session and whose name stays on screen."""
    from domain.demo_citizens import demo_citizen

    soak.app.visit.end()
    soak.citizen = demo_citizen("resident")
    soak.app.session.remember("phone", "13912345678")
    label = next(w for w in soak.screen("home").walk() if hasattr(w, "text") and w.text)
    label.text = soak.citizen.name
    return "left data"


def test_a_stuck_screen_and_personal_data_left_are_reported(soak_of):
    report = soak_of({"guide": left_standing, "review": left_behind}, 2, deadline_s=2.0)

    assert [failure.split(":")[0] for failure in report.failures()] == ["stuck", "personal data left"]
    assert "journey 1 (guide): back at rest (screen guide" in report.stuck[0]
    assert report.leaks == ["journey 2 (review): the session holds data; 张… on screen"]
