"""The journeys' Protocols say what the real collaborators are: each call a Protocol names exists on the real
class with the same parameters, so a journey typed against the Protocol works with the real thing."""

from __future__ import annotations

import inspect

import pytest

from kiosk.devices.hub import DeviceHub
from kiosk.hall.catalogue import CatalogueCache
from kiosk.hall.client import HallClient
from kiosk.journeys import needs
from kiosk.outbox.store import Outbox

REAL = {
    needs.Printing: DeviceHub, needs.QueueHall: HallClient, needs.RecordsHall: HallClient,
    needs.CasesHall: HallClient, needs.ReviewHall: HallClient, needs.AppointmentHall: HallClient,
    needs.Guides: CatalogueCache, needs.ReviewOutbox: Outbox, needs.ComplaintOutbox: Outbox,
}


def protocol_calls(protocol: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for cls in protocol.__mro__ if cls.__module__ == needs.__name__
            for name, member in vars(cls).items() if callable(member) and not name.startswith("_")}


def parameters(signature: inspect.Signature) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


@pytest.mark.parametrize("protocol", REAL, ids=lambda protocol: protocol.__name__)
def test_every_call_a_journey_needs_is_the_real_ones(protocol):
    calls = protocol_calls(protocol)
    assert calls, protocol
    for name, wanted in calls.items():
        real = inspect.signature(getattr(REAL[protocol], name))
        assert parameters(real)[:len(parameters(wanted))] == parameters(wanted), f"{protocol.__name__}.{name}"
        assert all(p.default is not inspect.Parameter.empty or p.kind is p.VAR_KEYWORD
                   for p in list(real.parameters.values())[len(wanted.parameters):]), f"{protocol.__name__}.{name}"
