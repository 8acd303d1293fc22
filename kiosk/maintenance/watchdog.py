"""The systemd watchdog and readiness notifications (sd_notify), without a library: one datagram each.

systemd passes the socket in $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace) when the unit
has ``Type=notify`` / ``WatchdogSec=``. The app pings from its UI loop, so a frozen UI misses the pings and
systemd restarts the kiosk. Without $NOTIFY_SOCKET (a developer's laptop, the tests' own socket aside)
every call does nothing.

    notifier = SystemdNotifier()          # reads NOTIFY_SOCKET and WATCHDOG_USEC
    notifier.ready()                      # READY=1, once the first screen is shown
    Clock.schedule_interval(lambda dt: notifier.ping(), notifier.ping_interval_s or 10)
"""

from __future__ import annotations

import os
import socket

__all__ = ["SystemdNotifier"]


class SystemdNotifier:
    def __init__(self, environ: dict[str, str] | None = None) -> None:
        environ = os.environ if environ is None else environ
        address = environ.get("NOTIFY_SOCKET", "")
        self._address = "\0" + address[1:] if address.startswith("@") else address
        usec = environ.get("WATCHDOG_USEC", "")
        # Ping at half the watchdog period, as sd_watchdog_enabled(3) recommends.
        self.ping_interval_s: float | None = int(usec) / 2_000_000 if usec.isdigit() and int(usec) > 0 else None
        self._socket: socket.socket | None = None

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    def notify(self, message: str) -> bool:
        """Send one state line; False when there is no socket or it cannot be reached (never raises)."""
        if not self._address:
            return False
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self._socket.setblocking(False)   # a datagram to systemd never waits on the UI thread
            self._socket.sendto(message.encode(), self._address)
            return True
        except OSError:
            return False

    def ready(self) -> bool:
        return self.notify("READY=1")

    def ping(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
