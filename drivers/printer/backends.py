"""Transports to a printer, chosen by URL, each built on a python-escpos printer class and bounded in time.

    usb://0x0416:0x5011            python-escpos Usb (pyusb + libusb); write and read timeouts per call
    serial:///dev/ttyS0?baudrate=9600   python-escpos Serial (pyserial); write_timeout and read timeout
    tcp://192.168.1.50:9100        python-escpos Network; socket timeout per call
    file:///dev/usb/lp0            python-escpos File, opened non-blocking so writes and reads have deadlines

python-escpos's own defaults can hang a kiosk (Usb write timeout 0 = forever, Network 60 s, File none), so
every call here takes its own deadline. A transport opens lazily and reopens after a failure: a printer
plugged in after start-up just works. Opening failures are PrinterOffline, with the reason. Each transport
says in `what_to_check` what a technician should check when the device at its address does not answer
like a printer: the baud rate means nothing on a network printer, nor a host and port on a serial one.
"""

from __future__ import annotations

import abc
import errno
import os
import select
import socket
import time
from urllib.parse import parse_qs, urlsplit

from drivers.printer.errors import PrinterConfigError, PrinterOffline, PrinterWriteFailed
from drivers.printer.status import CHECK_THE_DEVICE

__all__ = [
    "Transport",
    "UsbTransport",
    "SerialTransport",
    "NetworkTransport",
    "FileTransport",
    "transport_for_url",
]


class Transport(abc.ABC):
    """Bytes to and from one printer. `write` raises PrinterWriteFailed; `read` returns what came in time."""

    description = "printer"
    what_to_check = CHECK_THE_DEVICE
    can_read = True

    def __init__(self) -> None:
        self._opened = False

    def unavailable_reason(self) -> str | None:
        """Why this kind of transport cannot work on this machine (a missing library), or None."""
        return None

    def _ensure_open(self) -> None:
        if not self._opened:
            try:
                self._open()
            except PrinterOffline:
                raise
            except Exception as e:  # every library has its own exception types for "not there"
                reason = " ".join(str(e).split())
                raise PrinterOffline(f"cannot open {self.description}: {type(e).__name__}: {reason}") from None
            self._opened = True

    def _failed(self) -> None:
        """Drop the connection after an I/O error, so the next call reopens it."""
        try:
            self._close()
        except Exception:
            pass
        self._opened = False

    def write(self, data: bytes, timeout: float) -> None:
        self._ensure_open()
        try:
            self._write(data, timeout)
        except PrinterWriteFailed:
            self._failed()
            raise
        except Exception as e:
            self._failed()
            raise PrinterWriteFailed(f"sending {len(data)} bytes to {self.description} failed: {e}") from None

    def read(self, count: int, timeout: float) -> bytes:
        """Up to `count` bytes, returning as soon as they are all there or `timeout` seconds have passed."""
        self._ensure_open()
        deadline = time.monotonic() + timeout
        got = b""
        try:
            while len(got) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                chunk = self._read(count - len(got), remaining)
                if chunk is None:   # the other end closed
                    self._failed()
                    break
                got += chunk
        except OSError:
            self._failed()
        return got

    def discard_input(self) -> None:
        """Drop late answers to earlier queries, so they are not taken for the next one."""
        self._ensure_open()
        try:
            while self._read(64, 0.0):
                pass
        except OSError:
            self._failed()

    def wire_seconds(self, size: int) -> float:
        """Time the link needs to carry `size` bytes (only serial links are slow enough to matter)."""
        return 0.0

    def close(self) -> None:
        if self._opened:
            self._failed()

    @abc.abstractmethod
    def _open(self) -> None: ...

    @abc.abstractmethod
    def _close(self) -> None: ...

    @abc.abstractmethod
    def _write(self, data: bytes, timeout: float) -> None: ...

    @abc.abstractmethod
    def _read(self, count: int, timeout: float) -> bytes | None: ...


class UsbTransport(Transport):
    def __init__(self, vendor_id: int, product_id: int, in_ep: int = 0x82, out_ep: int = 0x01) -> None:
        super().__init__()
        self.description = f"USB printer {vendor_id:04x}:{product_id:04x}"
        self.what_to_check = (
            f"check the USB id {vendor_id:04x}:{product_id:04x} (VID:PID) in the printer URL against `lsusb`, "
            "the cable, and the udev rule that lets the kiosk user open the device"
        )
        self._ids = (vendor_id, product_id)
        self._endpoints = (in_ep, out_ep)
        self._printer = None

    def unavailable_reason(self) -> str | None:
        from escpos.printer import Usb

        if not Usb.is_usable():
            return "pyusb is not installed: run bootstrap.sh"
        import usb.backend.libusb1

        if usb.backend.libusb1.get_backend() is None:
            return "libusb-1.0 is missing: install the Debian package libusb-1.0-0"
        return None

    def _open(self) -> None:
        from escpos.printer import Usb

        if not Usb.is_usable():
            raise PrinterOffline("pyusb is not installed: run bootstrap.sh")
        import usb.core

        # A non-zero timeout: python-escpos's default 0 waits forever for a stuck printer.
        self._printer = Usb(*self._ids, timeout=1000, in_ep=self._endpoints[0], out_ep=self._endpoints[1])
        try:
            self._printer.open()
        except usb.core.NoBackendError:
            raise PrinterOffline("libusb-1.0 is missing: install the Debian package libusb-1.0-0") from None
        if self._printer.device is None:
            raise PrinterOffline(f"{self.description} not found: check the cable and the udev rule (permissions)")

    def _close(self) -> None:
        if self._printer is not None:
            self._printer.close()

    def _write(self, data: bytes, timeout: float) -> None:
        import usb.core

        try:
            self._printer.device.write(self._endpoints[1], data, max(1, int(timeout * 1000)))
        except usb.core.USBTimeoutError:
            raise PrinterWriteFailed(f"{self.description} did not take the job within {timeout:.1f} s") from None

    def _read(self, count: int, timeout: float) -> bytes | None:
        import usb.core

        try:
            return bytes(self._printer.device.read(self._endpoints[0], 64, max(1, int(timeout * 1000))))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as e:
            raise OSError(str(e)) from None


class SerialTransport(Transport):
    def __init__(self, devfile: str, baudrate: int = 9600, dsrdtr: bool = True) -> None:
        super().__init__()
        self.description = f"serial printer on {devfile} at {baudrate} baud"
        self.what_to_check = (
            f"check that the printer is set to {baudrate} baud like the URL's baudrate, "
            "the serial cable, and that the port is the printer's"
        )
        self.baudrate = baudrate
        self._args = dict(devfile=devfile, baudrate=baudrate, dsrdtr=dsrdtr)
        self._printer = None

    def _open(self) -> None:
        from escpos.printer import Serial

        self._printer = Serial(timeout=0.0, **self._args)
        self._printer.open()
        if self._printer.device is None:
            raise PrinterOffline(f"cannot open {self.description}")

    def _close(self) -> None:
        if self._printer is not None and self._printer.device is not None:
            self._printer.device.close()

    def _write(self, data: bytes, timeout: float) -> None:
        import serial

        port = self._printer.device
        port.write_timeout = timeout
        try:
            port.write(data)
        except serial.SerialTimeoutException:
            raise PrinterWriteFailed(
                f"{self.description} did not take {len(data)} bytes within {timeout:.1f} s "
                "(flow control holding: printer offline or paper out?)"
            ) from None

    def _read(self, count: int, timeout: float) -> bytes | None:
        port = self._printer.device
        port.timeout = timeout
        return port.read(count)

    def discard_input(self) -> None:
        self._ensure_open()
        self._printer.device.reset_input_buffer()

    def wire_seconds(self, size: int) -> float:
        return size * 10 / self.baudrate   # 8N1: ten bits per byte


class NetworkTransport(Transport):
    def __init__(self, host: str, port: int = 9100, connect_timeout: float = 2.0) -> None:
        super().__init__()
        self.description = f"network printer {host}:{port}"
        self.what_to_check = (
            f"check the host and port in the printer URL ({host}:{port}): it must be the printer's raw ESC/POS "
            "port (usually 9100), and the device at that address must be a receipt printer, not another service"
        )
        self._address = (host, port)
        self._connect_timeout = connect_timeout
        self._printer = None

    def _open(self) -> None:
        from escpos.printer import Network

        self._printer = Network(*self._address, timeout=self._connect_timeout)
        self._printer.open()

    def _close(self) -> None:
        if self._printer is not None:
            self._printer.close()

    def _write(self, data: bytes, timeout: float) -> None:
        sock: socket.socket = self._printer.device
        sock.settimeout(timeout)
        try:
            sock.sendall(data)
        except TimeoutError:
            raise PrinterWriteFailed(f"{self.description} did not take the job within {timeout:.1f} s") from None

    def _read(self, count: int, timeout: float) -> bytes | None:
        sock: socket.socket = self._printer.device
        if timeout <= 0:
            sock.setblocking(False)
        else:
            sock.settimeout(timeout)
        try:
            data = sock.recv(count)
        except (TimeoutError, BlockingIOError):
            return b""
        return data or None


class FileTransport(Transport):
    """A printer device file (usblp's /dev/usb/lp0, or a tty). Opened O_NONBLOCK: python-escpos's File has no
    timeouts and no read, and a device file blocks forever when the printer stalls."""

    def __init__(self, devfile: str) -> None:
        super().__init__()
        self.description = f"printer device {devfile}"
        self.what_to_check = (
            f"check that {devfile} is the printer's device file (e.g. /dev/usb/lp0, `ls -l /dev/usb`) "
            "and that the printer is on"
        )
        self._devfile = devfile
        self._printer = None

    def _open(self) -> None:
        from escpos.printer import File

        fd = os.open(self._devfile, os.O_RDWR | os.O_NONBLOCK | os.O_NOCTTY)
        self._printer = File(self._devfile)
        self._printer.device = os.fdopen(fd, "r+b", buffering=0)

    def _close(self) -> None:
        if self._printer is not None and self._printer.device is not None:
            self._printer.device.close()

    def _write(self, data: bytes, timeout: float) -> None:
        fd = self._printer.device.fileno()
        deadline = time.monotonic() + timeout
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [fd], [], remaining)[1]:
                raise PrinterWriteFailed(
                    f"{self.description} took {len(data) - len(view)} of {len(data)} bytes in {timeout:.1f} s"
                )
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                continue

    def _read(self, count: int, timeout: float) -> bytes | None:
        fd = self._printer.device.fileno()
        if not select.select([fd], [], [], max(0.0, timeout))[0]:
            return b""
        try:
            data = os.read(fd, count)
        except BlockingIOError:
            return b""
        except OSError as e:
            if e.errno == errno.EIO:   # tty hung up
                return None
            raise
        return data or None


def _int(value: str, what: str) -> int:
    try:
        return int(value, 0)
    except ValueError:
        raise PrinterConfigError(f"{what} {value!r} is not a number") from None


def transport_for_url(url: str, *, connect_timeout: float = 2.0) -> Transport:
    """The transport a config URL names (`sim://` is handled by open_printer, which starts the simulator)."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme == "usb":
        ids = parts.netloc.split(":")
        if len(ids) != 2:
            raise PrinterConfigError(f"printer URL {url!r}: expected usb://VENDOR:PRODUCT, e.g. usb://0x0416:0x5011")
        return UsbTransport(
            _int(ids[0], "USB vendor id"),
            _int(ids[1], "USB product id"),
            in_ep=_int(query.get("in_ep", "0x82"), "in_ep"),
            out_ep=_int(query.get("out_ep", "0x01"), "out_ep"),
        )
    if parts.scheme == "serial":
        if not parts.path:
            raise PrinterConfigError(f"printer URL {url!r}: expected serial:///dev/ttyS0?baudrate=9600")
        return SerialTransport(
            parts.path,
            baudrate=_int(query.get("baudrate", "9600"), "baudrate"),
            dsrdtr=query.get("dsrdtr", "1").lower() not in ("0", "false", "no"),
        )
    if parts.scheme == "tcp":
        if not parts.hostname:
            raise PrinterConfigError(f"printer URL {url!r}: expected tcp://HOST:9100")
        return NetworkTransport(parts.hostname, parts.port or 9100, connect_timeout=connect_timeout)
    if parts.scheme == "file":
        if not parts.path:
            raise PrinterConfigError(f"printer URL {url!r}: expected file:///dev/usb/lp0")
        return FileTransport(parts.path)
    raise PrinterConfigError(
        f"printer URL {url!r}: scheme must be usb, serial, tcp, file or sim (e.g. sim://80mm)"
    )
