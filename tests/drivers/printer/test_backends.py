"""Transports chosen by URL: bounded I/O, lazy opening, and exact bytes for the one part mocked (a USB device)."""

import socket

import pytest
import usb.core

from drivers.printer import PrinterConfigError, PrinterOffline, PrinterSimulator, PrinterState, PrinterWriteFailed, open_printer
from drivers.printer.backends import FileTransport, NetworkTransport, SerialTransport, UsbTransport, transport_for_url
from drivers.printer.demo import demo_ticket
from drivers.printer.escpos_reader import printed_text

STATUS_QUERY = b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"


@pytest.mark.parametrize(
    "url, kind",
    [
        ("usb://0x0416:0x5011", UsbTransport),
        ("serial:///dev/ttyS0?baudrate=115200", SerialTransport),
        ("tcp://192.0.2.50:9100", NetworkTransport),
        ("file:///dev/usb/lp0", FileTransport),
    ],
)
def test_config_urls_choose_their_transport_without_touching_the_device(url, kind):
    assert isinstance(transport_for_url(url), kind)


@pytest.mark.parametrize(
    "url, advice, not_advised",
    [
        ("usb://0x0416:0x5011", ["0416:5011", "VID:PID", "udev"], ["baud", "9100"]),
        ("serial:///dev/ttyS0?baudrate=19200", ["19200 baud", "serial cable"], ["9100", "udev"]),
        ("tcp://192.0.2.50:9101", ["192.0.2.50:9101", "raw ESC/POS port", "9100", "receipt printer"],
         ["baud", "cable", "udev"]),
        ("file:///dev/usb/lp1", ["/dev/usb/lp1", "device file"], ["baud", "9100"]),
    ],
)
def test_each_transport_advises_what_applies_to_how_the_printer_is_connected(url, advice, not_advised):
    """GIVEN a device that does not answer like a printer WHEN the technician reads what to check THEN
    it names the transport's own settings, and none of another transport's."""
    what_to_check = transport_for_url(url).what_to_check
    assert all(part in what_to_check for part in advice), what_to_check
    assert not any(part in what_to_check for part in not_advised), what_to_check


@pytest.mark.parametrize(
    "url, hint",
    [
        ("usb://0x0416", "usb://VENDOR:PRODUCT"),
        ("usb://0x0416:zz", "not a number"),
        ("serial://", "serial:///dev/ttyS0"),
        ("serial:///dev/ttyS0?baudrate=fast", "baudrate"),
        ("lpt://1", "scheme must be"),
        ("sim://100mm", "sim://80mm or sim://58mm"),
    ],
)
def test_bad_printer_urls_are_config_errors_that_say_what_is_expected(url, hint):
    with pytest.raises(PrinterConfigError, match=hint):
        open_printer(url)


def test_bad_paper_width_and_unknown_profile_are_config_errors():
    with pytest.raises(PrinterConfigError, match="58 and 80"):
        open_printer("tcp://127.0.0.1:9100", paper_width_mm=76)
    with pytest.raises(PrinterConfigError, match="known here: "):
        open_printer("tcp://127.0.0.1:9100", profile="TM-NOPE")


def test_the_serial_baud_rate_sets_the_wire_time():
    assert transport_for_url("serial:///dev/ttyS0?baudrate=9600").wire_seconds(960) == pytest.approx(1.0)
    assert transport_for_url("tcp://127.0.0.1:9100").wire_seconds(960) == 0.0


def test_a_missing_serial_port_reads_as_offline_and_the_job_is_refused():
    printer = open_printer("serial:///dev/ttyNOSUCHPORT")   # opening is lazy: the kiosk still starts
    try:
        status = printer.status()
        assert status.state is PrinterState.OFFLINE and "cannot open" in status.message
        with pytest.raises(PrinterOffline):
            printer.print_document(demo_ticket())
    finally:
        printer.close()


def test_a_network_printer_that_refuses_connections_is_offline():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    printer = open_printer(f"tcp://127.0.0.1:{closed_port}", connect_timeout=1.0)
    try:
        with pytest.raises(PrinterOffline, match="cannot open network printer"):
            printer.print_document(demo_ticket())
    finally:
        printer.close()


def test_device_file_transport_prints_and_reads_status_through_a_tty():
    """file:// on a tty device (the simulator's pty) works like usblp's /dev/usb/lp0: write and read back."""
    with PrinterSimulator(80) as sim:
        printer = open_printer(f"file://{sim.start_pty()}", status_timeout=0.5)
        try:
            sim.set_state(PrinterState.PAPER_NEAR_END)
            result = printer.print_document(demo_ticket())
            assert result.confirmed and result.paper_near_end
            assert "A023" in printed_text(sim.received()).splitlines()
        finally:
            printer.close()


# --- USB: the physical device is the one thing that cannot exist here, so pyusb's device is faked. ---


class _FakeBackend:
    pass


class _FakeContext:
    def dispose(self, device):
        pass


class FakeUsbPrinter:
    """Stands in for the usb.core.Device pyusb would find: records writes and, like the printer's firmware,
    answers each DLE EOT with a status byte and GS r 1 with a paper-sensor byte."""

    def __init__(self, status: bytes = b"\x12\x12\x12\x12", paper_sensor: int = 0x00):
        self.backend = _FakeBackend()
        self._ctx = _FakeContext()
        self.status = status
        self.paper_sensor = paper_sensor
        self.writes: list[tuple[int, bytes, int]] = []
        self.pending = b""

    def set_configuration(self):
        pass

    def reset(self):
        pass

    def write(self, endpoint, data, timeout):
        data = bytes(data)
        self.writes.append((endpoint, data, timeout))
        for n in range(1, 5):
            if b"\x10\x04" + bytes((n,)) in data:
                self.pending += self.status[n - 1:n]
        if data.endswith(b"\x1dr\x01"):
            self.pending += bytes((self.paper_sensor,))
        return len(data)

    def read(self, endpoint, size, timeout):
        assert endpoint == 0x82 and 0 < timeout <= 5000
        if not self.pending:
            raise usb.core.USBTimeoutError("Operation timed out", 110, 110)
        reply, self.pending = self.pending[:size], self.pending[size:]
        return bytearray(reply)


@pytest.fixture
def fake_usb(monkeypatch):
    def install(device):
        found = []

        def find(**match):
            found.append(match)
            return device

        monkeypatch.setattr(usb.core, "find", find)
        return found

    return install


def test_usb_job_sends_exactly_status_query_then_job_then_confirmation(fake_usb):
    device = FakeUsbPrinter(paper_sensor=0x03)
    found = fake_usb(device)
    printer = open_printer("usb://0x0416:0x5011", write_timeout=5.0)
    result = printer.print_document(demo_ticket())
    assert found == [{"idVendor": 0x0416, "idProduct": 0x5011}]
    job = printer.render(demo_ticket())
    assert [(ep, data) for ep, data, _ in device.writes] == [(0x01, STATUS_QUERY), (0x01, job + b"\x1dr\x01")]
    assert all(0 < timeout <= 5000 for _, _, timeout in device.writes)   # never python-escpos's "0 = forever"
    assert result.confirmed and result.paper_near_end     # GS r 1 answered "near end"


def test_usb_printer_that_stops_taking_data_fails_with_a_typed_error(fake_usb):
    device = FakeUsbPrinter()
    fake_usb(device)
    printer = open_printer("usb://0x0416:0x5011")
    original_write = device.write

    def stall_after_status(endpoint, data, timeout):
        if data.startswith(b"\x10\x04"):
            return original_write(endpoint, data, timeout)
        raise usb.core.USBTimeoutError("Operation timed out", 110, 110)

    device.write = stall_after_status
    with pytest.raises(PrinterWriteFailed, match="did not take the job"):
        printer.print_document(demo_ticket())


def test_usb_without_libusb_is_offline_with_the_package_to_install(monkeypatch):
    def no_backend(**match):
        raise usb.core.NoBackendError("No backend available")

    monkeypatch.setattr(usb.core, "find", no_backend)
    status = open_printer("usb://0x0416:0x5011").status()
    assert status.state is PrinterState.OFFLINE
    assert "libusb-1.0-0" in status.message


def test_usb_transport_says_when_libusb_is_missing(monkeypatch):
    import usb.backend.libusb1

    transport = transport_for_url("usb://0x0416:0x5011")
    monkeypatch.setattr(usb.backend.libusb1, "get_backend", lambda: None)
    assert "libusb-1.0-0" in transport.unavailable_reason()
    monkeypatch.setattr(usb.backend.libusb1, "get_backend", lambda: object())
    assert transport.unavailable_reason() is None
    assert transport_for_url("tcp://127.0.0.1:9100").unavailable_reason() is None
