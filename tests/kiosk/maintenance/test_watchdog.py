"""sd_notify without a library: readiness and watchdog pings as datagrams on a real Unix socket."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from kiosk.maintenance.watchdog import SystemdNotifier


@pytest.fixture
def systemd_socket(tmp_path: Path):
    """Stands in for systemd's notification socket: a real AF_UNIX datagram socket."""
    path = str(tmp_path / "notify")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(5)
    yield path, server
    server.close()


def test_ready_and_pings_arrive_as_systemd_expects(systemd_socket) -> None:
    path, server = systemd_socket
    notifier = SystemdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"})
    assert notifier.enabled and notifier.ping_interval_s == 15.0   # half the watchdog period
    assert notifier.ready() and notifier.ping() and notifier.stopping()
    assert [server.recv(64) for _ in range(3)] == [b"READY=1", b"WATCHDOG=1", b"STOPPING=1"]
    notifier.close()


def test_an_abstract_socket_name_is_understood() -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"kiosk-watchdog-test-{id(server)}"
    server.bind("\0" + name)
    server.settimeout(5)
    try:
        notifier = SystemdNotifier({"NOTIFY_SOCKET": "@" + name})
        assert notifier.ping()
        assert server.recv(64) == b"WATCHDOG=1"
        notifier.close()
    finally:
        server.close()


def test_outside_systemd_nothing_is_sent_and_nothing_fails() -> None:
    notifier = SystemdNotifier({})
    assert not notifier.enabled and notifier.ping_interval_s is None
    assert notifier.ping() is False


def test_a_vanished_socket_is_reported_not_raised(tmp_path: Path) -> None:
    notifier = SystemdNotifier({"NOTIFY_SOCKET": str(tmp_path / "gone"), "WATCHDOG_USEC": "0"})
    assert notifier.ping() is False and notifier.ping_interval_s is None
