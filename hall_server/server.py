"""Serving the hall app with waitress on a real socket, in a thread that can be stopped cleanly.

`HallServer` binds (port 0 picks a free port), serves in a daemon thread and stops on `stop()`:
the tests start one per module, the demo profile one per run, `python -m hall_server` one for good.
Production sites put a TLS-terminating reverse proxy (nginx) in front, as waitress expects.
"""

from __future__ import annotations

import threading

from waitress.server import create_server
from waitress import wasyncore

from hall_server import db
from hall_server.app import HallConfig, create_app
from hall_server.seed import seed_demo
from hall_server.simulation import QueueSimulation

__all__ = ["HallServer", "prepare_database"]


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


class HallServer:
    """The reference server on `host`:`port`, with its queue simulation."""

    def __init__(self, config: HallConfig, *, host: str = "127.0.0.1", port: int = 0, threads: int = 8,
                 demo: bool = True, simulation_interval: float | None = None) -> None:
        prepare_database(config, demo=demo)
        self.config = config
        self.app = create_app(config)
        self.simulation = QueueSimulation(config.db_path, config.clock, always_open=config.always_open)
        self._simulation_interval = simulation_interval
        self._server = create_server(self.app, host=host, port=port, threads=threads,
                                     clear_untrusted_proxy_headers=True, ident="hall-server")
        self.host = host
        self.port: int = self._server.effective_port   # type: ignore[union-attr]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"hall-server-{self.port}", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "HallServer":
        self._thread.start()
        if self._simulation_interval:
            self.simulation.start(self._simulation_interval)
        return self

    def _serve(self) -> None:
        server = self._server
        while not self._stopping.is_set():
            wasyncore.poll2(timeout=1.0, map=server._map)   # type: ignore[attr-defined]
        for channel in list(server._map.values()):          # type: ignore[attr-defined]
            channel.close()
        server.task_dispatcher.shutdown()                   # type: ignore[attr-defined]

    def serve_forever(self) -> None:
        """Serve in the calling thread (the command line); Ctrl-C stops."""
        if self._simulation_interval:
            self.simulation.start(self._simulation_interval)
        try:
            self._serve()
        except KeyboardInterrupt:
            pass

    def stop(self) -> None:
        self.simulation.stop()
        self._stopping.set()
        self._server.pull_trigger()                          # type: ignore[union-attr]
        self._thread.join(timeout=10)

    def __enter__(self) -> "HallServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
