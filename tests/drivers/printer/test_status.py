"""Status bytes to states. No answer is never "paper OK"."""

import pytest

from drivers.printer.status import PrinterState, parse_status, status_replies


@pytest.mark.parametrize(
    "replies, state",
    [
        ("12 12 12 12", PrinterState.READY),
        ("12 12 12 1e", PrinterState.PAPER_NEAR_END),
        ("1a 32 12 7e", PrinterState.PAPER_OUT),
        ("1a 32 12 72", PrinterState.PAPER_OUT),
        ("1a 16 12 12", PrinterState.COVER_OPEN),
        ("1a 12 12 12", PrinterState.OFFLINE),
        ("1a 52 1a 12", PrinterState.CUTTER_ERROR),
    ],
)
def test_status_bytes_from_printer_manuals_map_to_states(replies, state):
    assert parse_status(bytes.fromhex(replies)).state is state


@pytest.mark.parametrize("replies", [b"", b"\x12", b"\x12\x12\x12"])
def test_missing_answers_are_offline_never_paper_ok(replies):
    status = parse_status(replies)
    assert status.state is PrinterState.OFFLINE
    assert not status.can_print
    assert f"{len(replies)} of 4" in status.message


def test_garbage_is_offline_with_a_hint_about_the_baud_rate():
    status = parse_status(b"\xff\x00\x12\x12")
    assert status.state is PrinterState.OFFLINE
    assert "baud" in status.message


def test_only_ready_and_near_end_may_print():
    printable = {s for s in PrinterState if parse_status(status_replies(s)).can_print}
    assert printable == {PrinterState.READY, PrinterState.PAPER_NEAR_END}


@pytest.mark.parametrize("state", list(PrinterState))
def test_simulator_table_round_trips(state):
    assert parse_status(status_replies(state)).state is state
