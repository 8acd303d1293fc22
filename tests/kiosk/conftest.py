"""Shared fixtures for the journey state machines tested without Kivy: a worker that hands results back
at once, a session, and a recorder of the views a journey shows."""

from __future__ import annotations

import queue
import random

import pytest

from domain.demo_citizens import DemoCitizen
from domain.identity import CardType, IdentityCard
from kiosk.background import BackgroundWorker
from kiosk.session import Session

DEADLINE_S = 20


class Views:
    """Collects the views a journey shows; `until` waits (with a deadline, no sleep) for a step."""

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue()
        self.steps: list = []

    def __call__(self, view) -> None:
        self._queue.put(view)

    def until(self, step):
        while True:
            view = self._queue.get(timeout=DEADLINE_S)
            self.steps.append(view.step)
            if view.step is step:
                return view


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def identity_of(citizen: DemoCitizen) -> IdentityCard:
    """The identity a reader would produce for a demo citizen's card."""
    return IdentityCard(card_type=CardType(citizen.card_type), id_number=citizen.id_number, name=citizen.name,
                        english_name=citizen.english_name, birth_date=citizen.birth_date, address=citizen.address,
                        valid_from=citizen.valid_from, valid_until=citizen.valid_until)


def deliver_all(outbox, client) -> None:
    """Run the real sender's rounds, moving its clock to each due time, until it is idle."""
    from kiosk.outbox.sender import OutboxSender

    clock = Clock()
    sender = OutboxSender(outbox, client, clock=clock, rng=random.Random(7))
    for _ in range(20):
        result = sender.run_once()
        if result.next_due is None:
            return
        clock.now = max(clock.now, result.next_due)
    raise AssertionError("the sender did not become idle")


@pytest.fixture
def worker():
    worker = BackgroundWorker(deliver=lambda callback: callback())
    yield worker
    worker.shutdown()


@pytest.fixture
def devices(worker, tmp_path):
    """The app's device hub with the demo profile's printer simulator (over a real pseudo-terminal) and no
    card reader: journeys are handed identities directly."""
    from kiosk.config import PROFILE_DIR, load_settings
    from kiosk.devices.hub import DeviceHub

    demo = load_settings(PROFILE_DIR / "demo.toml")
    settings = demo.model_copy(update={"data_dir": tmp_path, "devices": demo.devices.model_copy(update={
        "idcard": demo.devices.idcard.model_copy(update={"enabled": False})})})
    hub = DeviceHub(settings, worker, deliver=lambda callback: callback(), on_card_event=lambda event: None)
    hub.start()
    yield hub
    hub.stop()


@pytest.fixture
def session():
    session = Session("zh", False)
    session.start()
    yield session
    session.wipe()


@pytest.fixture
def views():
    return Views()
