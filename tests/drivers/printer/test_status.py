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


def test_garbage_is_offline_with_the_advice_of_the_printers_transport():
    """GIVEN replies that are no status bytes WHEN parsed for a transport THEN offline, and the message
    ends with what that transport says to check (the baud rate only makes sense on a serial line)."""
    status = parse_status(b"\xff\x00\x12\x12", "check the baud rate")
    assert status.state is PrinterState.OFFLINE
    assert status.message == "status replies ff 00 12 12 are not ESC/POS status bytes: check the baud rate"
    assert "baud" not in parse_status(b"\xff\x00\x12\x12").message


def test_only_ready_and_near_end_may_print():
    printable = {s for s in PrinterState if parse_status(status_replies(s)).can_print}
    assert printable == {PrinterState.READY, PrinterState.PAPER_NEAR_END}


@pytest.mark.parametrize("state", list(PrinterState))
def test_simulator_table_round_trips(state):
    assert parse_status(status_replies(state)).state is state
