"""The app tells systemd it is ready once its first screen is up, and pings the watchdog from its UI loop:
a frozen loop stops the pings (and systemd restarts the kiosk)."""

from __future__ import annotations

import socket

from tests.screens.conftest import wait_for


def test_the_ui_loop_sends_ready_then_watchdog_pings(make_app, tmp_path, monkeypatch):
    path = str(tmp_path / "notify")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "20000")   # ping every 10 ms of the UI clock
    received: list[bytes] = []

    def drain() -> list[bytes]:
        try:
            while True:
                received.append(server.recv(64))
        except BlockingIOError:
            return received

    try:
        make_app()
        wait_for(lambda: drain().count(b"WATCHDOG=1") >= 2, lambda: f"pings, got {received}")
        assert received[0] == b"READY=1"
    finally:
        server.close()
