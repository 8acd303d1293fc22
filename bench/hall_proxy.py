"""A loopback TCP proxy in front of a hall, whose faults are switched on demand: the soak's hall that goes away,
answers slowly or answers garbage, as a hall behind a site's network does.

Runs as its own process so that its sockets and threads are never counted as the kiosk's. It prints
`PORT <n>` once listening, then reads one command per line on stdin and answers `OK <command>`:

    pass          forward both ways, untouched
    down          accept and close at once (the kiosk sees the connection reset, as with a hall that is down)
    slow <s>      forward, but hold each answer back `s` seconds
    garbage       answer every request with a 200 HTML page (a captive portal) instead of the hall's JSON
    error         answer every request with 503 and an HTML body (a load balancer with no hall behind it)

Every mode change closes the connections that are open, so a kiosk's kept-alive connection meets the new
mode at once instead of when it next reconnects.

    python bench/hall_proxy.py --upstream 127.0.0.1:8700
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time

CAPTIVE_PORTAL = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 52\r\nConnection: close\r\n\r\n"
                  b"<html><body>Please log in to the Wi-Fi</body></html>")
NO_BACKEND = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nContent-Length: 36\r\n"
              b"Connection: close\r\n\r\n<html><body>no backend</body></html>")


class FaultProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.mode, self.delay_s = "pass", 0.0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def set_mode(self, mode: str, delay_s: float = 0.0) -> None:
        with self._lock:
            self.mode, self.delay_s = mode, delay_s
            doomed, self._open = self._open, set()
        for connection in doomed:
            _close(connection)

    def serve_forever(self) -> None:
        while True:
            client, _ = self._listener.accept()
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with self._lock:
            mode, delay_s = self.mode, self.delay_s
        if mode == "down":
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            _close(client)   # linger 0: a reset, not a polite close
            return
        if mode in ("garbage", "error"):
            try:
                client.recv(65536)
                client.sendall(CAPTIVE_PORTAL if mode == "garbage" else NO_BACKEND)
            except OSError:
                pass
            _close(client)
            return
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            _close(client)
            return
        with self._lock:
            self._open.update((client, server))
        threading.Thread(target=_pump, args=(client, server, 0.0), daemon=True).start()
        _pump(server, client, delay_s)

    def close(self) -> None:
        self._listener.close()


def _pump(source: socket.socket, sink: socket.socket, delay_s: float) -> None:
    try:
        while chunk := source.recv(65536):
            if delay_s:
                time.sleep(delay_s)   # a slow hall: the answer is late, whatever it is
            sink.sendall(chunk)
    except OSError:
        pass
    _close(source)
    _close(sink)


def _close(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="the hall's HOST:PORT")
    args = parser.parse_args()
    host, port = args.upstream.rsplit(":", 1)
    proxy = FaultProxy((host, int(port)))
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    print(f"PORT {proxy.port}", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] in ("pass", "down", "garbage", "error"):
            proxy.set_mode(words[0])
        elif words[0] == "slow" and len(words) == 2:
            proxy.set_mode("slow", float(words[1]))
        else:
            print(f"ERROR unknown command {line.strip()!r}", flush=True)
            continue
        print(f"OK {line.strip()}", flush=True)


if __name__ == "__main__":
    main()
