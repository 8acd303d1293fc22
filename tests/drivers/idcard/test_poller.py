"""The poller over the simulator: one read per placement, removal, failures, unplug/replug, SAM faults."""

from dataclasses import replace

import pytest

from domain.demo_citizens import demo_citizen
from drivers.idcard.errors import CardFault, InvalidIdNumber
from drivers.idcard.poller import (
    CardPoller,
    CardRead,
    CardRemoved,
    ReaderState,
    ReaderStateChanged,
    ReadFailed,
)
from drivers.idcard.protocol import Command
from drivers.idcard.serial_reader import SerialCardReader
from drivers.idcard.simulator import Fault, card_from_citizen


@pytest.fixture
def poller(reader, events):
    card_poller = CardPoller(reader, events, poll_interval=0.3, reconnect_backoff=(0.05, 0.2))
    yield card_poller
    card_poller.stop()


def expect(events, event_type):
    event = events.next()
    assert isinstance(event, event_type), f"expected {event_type.__name__}, got {event!r}"
    return event


def test_a_card_left_on_the_reader_is_read_once_then_removal_is_reported(simulator, poller, events, until):
    simulator.place_card(demo_citizen("resident"))
    poller.start()
    assert expect(events, ReaderStateChanged).state is ReaderState.CONNECTED
    assert expect(events, CardRead).identity.id_number == demo_citizen("resident").id_number
    # Several presence checks pass while the card stays: none of them may fire another read.
    seen = simulator.module.commands_seen[Command.READ_APPENDED_ADDRESS]
    until(lambda: simulator.module.commands_seen[Command.READ_APPENDED_ADDRESS] >= seen + 3)
    assert events.pending() == []
    simulator.remove_card()
    expect(events, CardRemoved)
    simulator.place_card(demo_citizen("elder"))
    assert expect(events, CardRead).identity.name == "李演示"


def test_a_failed_read_is_reported_and_the_replaced_card_is_read(simulator, poller, events):
    simulator.place_card(demo_citizen("resident"))
    simulator.inject(Fault.STATUS, status=0x41)
    poller.start()
    expect(events, ReaderStateChanged)
    failure = expect(events, ReadFailed)
    assert isinstance(failure.error, CardFault) and failure.error.sw3 == 0x41
    simulator.remove_card()
    simulator.place_card(demo_citizen("resident"))
    expect(events, CardRead)


def test_a_card_with_a_bad_check_digit_is_a_read_failure_that_keeps_the_card(simulator, poller, events):
    citizen = demo_citizen("hk-permit")
    wrong = citizen.id_number[:17] + ("1" if citizen.id_number[17] != "1" else "2")
    text = bytearray(card_from_citizen(citizen).text)
    text[122 + 34 : 122 + 36] = wrong[17].encode("utf-16-le")
    simulator.place_card(card_from_citizen(citizen, text_override=bytes(text)))
    poller.start()
    expect(events, ReaderStateChanged)
    failure = expect(events, ReadFailed)
    assert isinstance(failure.error, InvalidIdNumber) and failure.error.identity.name == "陈样例"


def test_unplug_and_replug_are_reported_and_reading_resumes(simulator, poller, events):
    simulator.place_card(demo_citizen("resident"))
    poller.start()
    expect(events, ReaderStateChanged)
    expect(events, CardRead)
    simulator.unplug()
    expect(events, CardRemoved)
    lost = expect(events, ReaderStateChanged)
    assert lost.state is ReaderState.NO_READER and "ID card reader" in lost.detail
    simulator.replug()
    assert expect(events, ReaderStateChanged).state is ReaderState.CONNECTED
    simulator.place_card(demo_citizen("foreign-2017"))
    assert expect(events, CardRead).identity.english_name == "SAMPLE JOHN TEST"


def test_a_reader_missing_at_start_is_reported_then_found(simulator, reader, events):
    simulator.unplug()
    with CardPoller(reader, events, poll_interval=0.3, reconnect_backoff=(0.05, 0.2)):
        assert expect(events, ReaderStateChanged).state is ReaderState.NO_READER
        simulator.replug()
        assert expect(events, ReaderStateChanged).state is ReaderState.CONNECTED


def test_a_reader_that_stops_answering_card_polls_is_reconnected(simulator, events, timeouts):
    """GIVEN a find-card poll that gets no reply THEN the reader is reported lost, reopened and
    reported connected again, and cards are read as before."""
    with SerialCardReader(simulator.port, timeouts=replace(timeouts, find=0.3)) as reader, \
            CardPoller(reader, events, poll_interval=0.3, reconnect_backoff=(0.05, 0.2)):
        assert expect(events, ReaderStateChanged).state is ReaderState.CONNECTED
        simulator.inject(Fault.STALL, on=Command.FIND_CARD)
        assert expect(events, ReaderStateChanged).state is ReaderState.NO_READER
        assert expect(events, ReaderStateChanged).state is ReaderState.CONNECTED
        simulator.place_card(demo_citizen("resident"))
        expect(events, CardRead)


def test_noise_on_a_card_poll_is_not_reported_to_the_citizen(simulator, poller, events, until):
    simulator.inject(Fault.BAD_CHECKSUM, on=Command.FIND_CARD)
    poller.start()
    expect(events, ReaderStateChanged)
    until(lambda: simulator.module.commands_seen[Command.FIND_CARD] >= 2)
    assert events.pending() == []
    simulator.place_card(demo_citizen("resident"))
    expect(events, CardRead)


def test_a_sam_fault_is_a_reader_state_until_it_clears(simulator, poller, events):
    simulator.inject(Fault.SAM_SELF_TEST)
    poller.start()
    fault = expect(events, ReaderStateChanged)
    assert fault.state is ReaderState.SAM_FAULT and "0x60" in fault.detail
    simulator.clear_faults()
    assert expect(events, ReaderStateChanged).state is ReaderState.CONNECTED


def test_an_exception_in_the_handler_does_not_stop_the_poller(simulator, reader, events):
    def handler(event):
        events(event)
        if isinstance(event, CardRead):
            raise RuntimeError("bug in the app's handler")

    with CardPoller(reader, handler, poll_interval=0.3):
        simulator.place_card(demo_citizen("resident"))
        expect(events, ReaderStateChanged)
        expect(events, CardRead)
        simulator.remove_card()
        expect(events, CardRemoved)


def test_stop_ends_the_thread(poller):
    poller.start()
    assert poller.running
    poller.stop()
    assert not poller.running


def test_polling_faster_than_the_module_allows_is_refused(reader):
    with pytest.raises(ValueError, match="at least 0.3 s"):
        CardPoller(reader, print, poll_interval=0.1)
    with pytest.raises(ValueError, match="reconnect_backoff"):
        CardPoller(reader, print, reconnect_backoff=(2.0, 1.0))
