"""Serving the hall app on a real socket, in a thread that can be stopped cleanly.

`HallServer` binds (port 0 picks a free port), serves in a daemon thread and stops on `stop()`:
the tests start one per test, the demo profile one per run, `python -m hall_server` one for good.
Plain HTTP is served by waitress (production sites put a TLS-terminating reverse proxy in front,
as waitress expects). With `TlsSettings` the server speaks TLS itself, optionally demanding a
client certificate, through werkzeug's threaded server: for small sites, and for testing the
kiosk's CA bundle and client certificate end to end.

Hostile clients must not keep kiosks out (docs/security.md):

* waitress reads requests in one event loop and hands only complete ones to its threads, so a slow client
  costs a connection, not a thread. Connections are many (`connection_limit`); a request not fully received
  within `request_deadline` seconds of its first byte is dropped, however slowly its bytes keep coming; a
  connection idle for `IDLE_SECONDS` is closed; and at the limit the oldest idle or unfinished connections
  make room, so a flood of slow connections cannot stop a kiosk from connecting.
* The TLS server does every handshake in the connection's own thread, within `request_deadline` seconds
  (werkzeug's did it in its accept loop, where one silent connection froze the whole server), and gives
  every read `request_deadline` seconds.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from waitress import wasyncore
from waitress.server import create_server
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from hall_server import db
from hall_server.app import HallConfig, create_app
from hall_server.fleet_feed import FleetFeed
from hall_server.routes.batch import MAX_BODY_BYTES as MAX_BATCH_BODY_BYTES
from hall_server.seed import seed_demo
from hall_server.simulation import QueueSimulation

__all__ = ["HallServer", "TlsSettings", "prepare_database", "CONNECTION_LIMIT", "REQUEST_DEADLINE_SECONDS"]

CONNECTION_LIMIT = 1000
REQUEST_DEADLINE_SECONDS = 10.0
IDLE_SECONDS = 60.0
# At the limit, connections are closed until this many are free.
_ROOM = 0.1


@dataclass(frozen=True)
class TlsSettings:
    cert_file: str                          # server certificate chain (PEM)
    key_file: str                           # its private key (PEM)
    client_ca_file: str | None = None       # when set, kiosks must present a certificate it signed

    def context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_file, self.key_file)
        if self.client_ca_file:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(self.client_ca_file)
        return context


def prepare_database(config: HallConfig, *, demo: bool) -> None:
    """Migrate the database forward; seed the demo hall into it when it is new and `demo` is set."""
    db.migrate(config.db_path)
    if demo:
        conn = db.connect(config.db_path)
        try:
            if conn.execute("SELECT COUNT(*) FROM queues").fetchone()[0] == 0:
                seed_demo(conn, config.clock.now().date())
        finally:
            conn.close()


class _Listener(Protocol):
    port: int

    def serve(self) -> None: ...

    def stop(self) -> None: ...


class _Waitress:
    """Plain HTTP with waitress's thread pool; `serve` returns once `stop` is called."""

    def __init__(self, app: Any, host: str, port: int, threads: int, *, connection_limit: int,
                 request_deadline: float) -> None:
        # Bodies far over the largest the API takes (a batch) are refused as soon as their size is known, before
        # they are read: waitress otherwise buffers up to 1 GiB to disk before the app can answer 401. Up to
        # twice the batch limit the app answers, with its problem document.
        self._server: Any = create_server(app, host=host, port=port, threads=threads,
                                          clear_untrusted_proxy_headers=True, ident="hall-server",
                                          max_request_body_size=2 * MAX_BATCH_BODY_BYTES,
                                          connection_limit=connection_limit, channel_timeout=IDLE_SECONDS,
                                          cleanup_interval=1)
        self.port = self._server.effective_port
        self._limit = connection_limit
        self._deadline = request_deadline
        self._started: dict[int, tuple[Any, float]] = {}     # channel -> (its unfinished request, first seen)
        self._stopping = threading.Event()
        # Held while stopping is signalled, so the loop cannot close the trigger pipe in between.
        self._stop_lock = threading.Lock()

    def serve(self) -> None:
        while not self._stopping.is_set():
            wasyncore.poll2(timeout=0.5, map=self._server._map)
            self._sweep(time.monotonic())
        with self._stop_lock:
            for channel in list(self._server._map.values()):
                channel.close()
        self._server.task_dispatcher.shutdown()

    def _sweep(self, now: float) -> None:
        """Drop requests past their deadline; at the connection limit, make room (in the event loop's thread)."""
        channels = list(self._server.active_channels.values())
        started: dict[int, tuple[Any, float]] = {}
        idle = []
        for channel in channels:
            if channel.requests:                     # a complete request is being answered: never cut
                continue
            if channel.request is None:
                idle.append((channel.last_activity, channel))
                continue
            request, first_seen = self._started.get(id(channel), (None, now))
            if request is not channel.request:
                first_seen = now
            if now - first_seen > self._deadline:
                channel.handle_close()
                continue
            started[id(channel)] = (channel.request, first_seen)
            idle.append((channel.last_activity, channel))
        self._started = started
        excess = len(self._server._map) - int(self._limit * (1 - _ROOM))
        if excess > 0 and len(self._server._map) >= self._limit - 1:
            for _last_activity, channel in sorted(idle, key=lambda pair: pair[0])[:excess]:
                self._started.pop(id(channel), None)
                channel.handle_close()

    def stop(self) -> None:
        with self._stop_lock:
            if not self._stopping.is_set():
                self._stopping.set()
                self._server.pull_trigger()      # wakes the poll at once


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's handler without its own request log: that writes whole request lines, review tokens and all,
    where the app's access log (hall_server.app) writes each request already, a token by its route."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _TlsServer(ThreadedWSGIServer):
    """werkzeug's threaded server, with the TLS handshake moved out of the accept loop into the connection's
    thread and bounded in time; every read of the connection is bounded too."""

    def __init__(self, host: str, port: int, app: Any, context: ssl.SSLContext, deadline: float) -> None:
        super().__init__(host, port, app, handler=_RequestHandler)
        self.ssl_context = context            # after the plain listening socket is made: the handler reads it
        self._deadline = deadline

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(self._deadline)
        try:
            connection = self.ssl_context.wrap_socket(request, server_side=True)   # the handshake, here
        except (ssl.SSLError, OSError):
            return                            # a silent or failed handshake costs this thread only
        try:
            self.RequestHandlerClass(connection, client_address, self)
        finally:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()


class _WerkzeugTls:
    """HTTPS, a thread per connection, with the optional client-certificate check of TlsSettings."""

    def __init__(self, app: Any, host: str, port: int, tls: TlsSettings, *, request_deadline: float) -> None:
        self._server = _TlsServer(host, port, app, tls.context(), request_deadline)
        self.port = self._server.server_port

    def serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class HallServer:
    """The reference server on `host`:`port`, with its queue simulation."""

    def __init__(self, config: HallConfig, *, host: str = "127.0.0.1", port: int = 0, threads: int = 8,
                 demo: bool = True, simulation_interval: float | None = None,
                 simulation_arrivals: tuple[int, ...] = (), tls: TlsSettings | None = None,
                 connection_limit: int = CONNECTION_LIMIT, request_deadline: float = REQUEST_DEADLINE_SECONDS) -> None:
        prepare_database(config, demo=demo)
        self.config = config
        self.app = create_app(config, pool_size=threads)
        self.simulation = QueueSimulation(config.db_path, config.clock, always_open=config.always_open,
                                          arrivals=simulation_arrivals)
        self._simulation_interval = simulation_interval
        self.host = host
        self.scheme = "https" if tls else "http"
        self._listener: _Listener = (
            _WerkzeugTls(self.app, host, port, tls, request_deadline=request_deadline) if tls
            else _Waitress(self.app, host, port, threads, connection_limit=connection_limit,
                           request_deadline=request_deadline))
        self.port = self._listener.port
        self._thread = threading.Thread(target=self._listener.serve, name=f"hall-server-{self.port}", daemon=True)
        self.fleet_feed = (FleetFeed(self.app.extensions["fleet_model"], config.fleet_broker)
                           if config.fleet_broker is not None else None)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self) -> "HallServer":
        if self.fleet_feed is not None:
            self.fleet_feed.start()
        self._thread.start()
        if self._simulation_interval:
            self.simulation.start(self._simulation_interval)
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (the command line) until Ctrl-C."""
        if self._simulation_interval:
            self.simulation.start(self._simulation_interval)
        if self.fleet_feed is not None:
            self.fleet_feed.start()
        try:
            self._listener.serve()
        except KeyboardInterrupt:
            pass
        finally:
            self.simulation.stop()

    def stop(self) -> None:
        self.simulation.stop()
        if self.fleet_feed is not None:
            self.fleet_feed.stop()
        self._listener.stop()
        self._thread.join(timeout=10)
        self.app.extensions["hall_database"].close()

    def __enter__(self) -> "HallServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
