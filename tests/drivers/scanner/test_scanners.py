"""Scanners over real devices: a pty read by the serial backend, and a uinput keyboard read by the evdev backend.

The uinput tests need /dev/uinput (CONFIG_INPUT_UINPUT, root or the uinput group); on a kernel built
without it they are skipped with that reason, and the simulator falls back to the pty.
"""

from __future__ import annotations

import threading

import pytest

from domain.payment import PaymentCode
from drivers.scanner import NotAPaymentCode, ScannerLost, ScannerUnavailable, open_scanner
from drivers.scanner.serial_scanner import SerialScanner
from drivers.scanner.simulator import PtyScanner, SimulatedScanner, UinputKeyboard, uinput_usable

CODE = "134567890123456789"
DEADLINE_S = 5.0

needs_uinput = pytest.mark.skipif(not uinput_usable(), reason="no writable /dev/uinput on this machine "
                                  "(kernel without CONFIG_INPUT_UINPUT): the simulator uses the pty instead")


@pytest.fixture
def pty_scanner():
    device = PtyScanner()
    reader = SerialScanner(device.port)
    yield device, reader
    reader.close()
    device.close()


@pytest.mark.parametrize("terminator", [b"\r\n", b"\r", b"\n"])
def test_a_serial_scanner_ends_codes_with_cr_lf_or_both(pty_scanner, terminator):
    device, reader = pty_scanner
    device.scan(CODE, terminator)
    device.scan("104567890123456789", terminator)
    assert reader.read_payment_code(DEADLINE_S) == PaymentCode(CODE)
    assert reader.read_payment_code(DEADLINE_S) == PaymentCode("104567890123456789")


def test_a_code_arriving_in_pieces_is_read_whole(pty_scanner):
    device, reader = pty_scanner
    device.scan(CODE[:7], b"")
    assert reader.read(0.01) is None
    device.scan(CODE[7:])
    assert reader.read(DEADLINE_S) == CODE


def test_codes_scanned_before_the_prompt_are_forgotten(pty_scanner):
    """GIVEN a code scanned before the kiosk asked WHEN it drains and asks THEN only the code scanned after counts."""
    device, reader = pty_scanner
    device.scan("104567890123456789")
    reader.drain()
    device.scan(CODE)
    assert reader.read_payment_code(DEADLINE_S) == PaymentCode(CODE)


def test_something_else_scanned_is_no_payment_code_and_stays_masked(pty_scanner):
    device, reader = pty_scanner
    device.scan("286543210987654321")       # an Alipay code
    with pytest.raises(NotAPaymentCode) as refused:
        reader.read_payment_code(DEADLINE_S)
    assert refused.value.code == "not_a_payment_code" and "286543210987654321" not in str(refused.value)
    assert refused.value.masked == "28************4321"


def test_a_cancelled_wait_returns_at_once(pty_scanner):
    _, reader = pty_scanner
    cancel = threading.Event()
    cancel.set()
    assert reader.read_payment_code(60, cancel) is None


def test_a_scanner_that_goes_away(pty_scanner):
    device, reader = pty_scanner
    device.close()
    with pytest.raises(ScannerLost):
        reader.read(DEADLINE_S)


def test_a_missing_port():
    with pytest.raises(ScannerUnavailable) as missing:
        SerialScanner("/dev/does-not-exist")
    assert missing.value.code == "scanner_unavailable"


def test_the_simulator_backend_scans_what_the_demo_shows():
    with open_scanner("simulator") as scanner:
        assert isinstance(scanner, SimulatedScanner)
        assert scanner.kind == ("uinput" if uinput_usable() else "pty")
        scanner.scan(CODE)
        assert scanner.read_payment_code(DEADLINE_S) == PaymentCode(CODE)


def test_the_pty_simulator_can_be_chosen():
    with open_scanner("simulator", device="pty") as scanner:
        assert "pty" in scanner.description
        scanner.scan(CODE)
        assert scanner.read(DEADLINE_S) == CODE


@needs_uinput
def test_a_keyboard_wedge_scanner_read_through_evdev_and_grabbed():
    """GIVEN a virtual USB keyboard typing a code WHEN the evdev backend reads it THEN the code arrives whole;
    and while it is grabbed, nobody else can take the device."""
    keyboard = UinputKeyboard()
    try:
        with open_scanner("evdev", device=keyboard.path) as scanner:
            with pytest.raises(ScannerUnavailable):
                open_scanner("evdev", device=keyboard.path)
            keyboard.scan(CODE)
            assert scanner.read_payment_code(DEADLINE_S) == PaymentCode(CODE)
        with open_scanner("evdev", device=keyboard.name) as by_name:
            keyboard.scan("Mixed-Case_9")
            assert by_name.read(DEADLINE_S) == "Mixed-Case_9"
    finally:
        keyboard.close()


def test_unknown_backends_and_missing_devices_are_bad_input():
    for backend, device in (("laser", ""), ("evdev", ""), ("serial", ""), ("simulator", "bluetooth")):
        with pytest.raises(ValueError):
            open_scanner(backend, device=device)
