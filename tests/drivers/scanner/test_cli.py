"""The technician CLI: read one scan (masked), list devices, simulate; exit 0 / 2 / 3."""

from __future__ import annotations

import io
import json

from drivers.scanner import __main__ as cli
from drivers.scanner.__main__ import EXIT_FAULT, EXIT_OK, EXIT_USAGE, build_parser, command_simulate, main
from drivers.scanner.serial_scanner import SerialScanner
from drivers.scanner.simulator import PtyScanner

CODE = "134567890123456789"


def run(*argv: str) -> tuple[int, list[dict]]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


def test_read_a_payment_code_masked_from_a_serial_scanner(monkeypatch):
    """GIVEN a serial scanner on a pty WHEN a code is scanned once the CLI holds the port (opening a serial port
    flushes what came before) THEN the CLI prints it masked, or whole with --reveal."""
    device = PtyScanner()

    def open_then_scan(backend, *, device: str, baud: int):
        scanner = SerialScanner(device, baud=baud)
        pty_device.scan(scans.pop(0))
        return scanner

    pty_device, scans = device, [CODE, "hello-world"]
    monkeypatch.setattr(cli, "open_scanner", open_then_scan)
    try:
        status, lines = run("read", "--backend", "serial", "--device", device.port, "--wait", "5")
        assert status == EXIT_OK
        assert lines[0] == {"result": "scanned", "text": "13************6789", "length": 18,
                            "wechat_payment_code": True}
        status, lines = run("read", "--backend", "serial", "--device", device.port, "--reveal")
        assert (lines[0]["text"], lines[0]["wechat_payment_code"]) == ("hello-world", False)
    finally:
        device.close()


def test_nothing_scanned_in_time_is_a_fault():
    device = PtyScanner()
    try:
        status, lines = run("read", "--backend", "serial", "--device", device.port, "--wait", "0.05")
        assert (status, lines[0]["code"]) == (EXIT_FAULT, "no_code")
    finally:
        device.close()


def test_devices_lists_what_this_user_can_open():
    status, lines = run("devices")
    assert status == EXIT_OK and isinstance(lines[0]["devices"], list) and "uinput_usable" in lines[0]


def test_simulate_prints_its_port_and_scans_stdin():
    out = io.StringIO()
    args = build_parser().parse_args(["simulate", "--kind", "pty"])
    assert command_simulate(args, out, io.StringIO(CODE + "\n\n")) == EXIT_OK
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0]["port"].startswith("/dev/pts/") and lines[1] == {"result": "scanned", "text": "13************6789"}


def test_bad_usage_exits_2():
    assert run("read", "--backend", "evdev")[0] == EXIT_USAGE
    assert run("frobnicate")[0] == EXIT_USAGE
