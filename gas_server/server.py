"""Serving the gas app on a real socket with waitress, in a thread that can be stopped cleanly.

`GasServer` binds (port 0 picks a free port), serves in a daemon thread and stops on `stop()`: the tests
start one per test, the demo profile one per run, `python -m gas_server` one for good. It speaks plain
HTTP: a utility puts a TLS-terminating reverse proxy (nginx) in front, as waitress expects, and the
terminal's client checks the proxy's certificate against its `ca_bundle`.
"""

from __future__ import annotations

import threading
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

from gas_server import db
from gas_server.app import GasConfig, create_app
from gas_server.seed import seed_demo

__all__ = ["GasServer", "prepare_database"]


def prepare_database(config: GasConfig, *, demo: bool) -> None:
    """Migrate the database forward; seed the demo utility into it when it is new and `demo` is set."""
    db.migrate(config.db_path)
    if demo:
        conn = db.connect(config.db_path)
        try:
            if conn.execute("SELECT COUNT(*) FROM accounts").fetchone()[0] == 0:
                seed_demo(conn, config.clock.now())
        finally:
            conn.close()


class GasServer:
    """The reference gas utility on `host`:`port`."""

    def __init__(self, config: GasConfig, *, host: str = "127.0.0.1", port: int = 0, threads: int = 8,
                 demo: bool = True) -> None:
        prepare_database(config, demo=demo)
        self.config = config
        self.app = create_app(config)
        self.host = host
        self._server: Any = create_server(self.app, host=host, port=port, threads=threads,
                                          clear_untrusted_proxy_headers=True, ident="gas-server")
        self.port: int = self._server.effective_port
        self._stopping = threading.Event()
        self._stop_lock = threading.Lock()      # so the loop cannot close the trigger pipe while stop() pulls it
        self._thread = threading.Thread(target=self.serve_forever, name=f"gas-server-{self.port}", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "GasServer":
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until `stop()` (or Ctrl-C on the command line)."""
        try:
            while not self._stopping.is_set():
                wasyncore.poll2(timeout=1.0, map=self._server._map)
        except KeyboardInterrupt:
            pass
        finally:
            with self._stop_lock:
                self._stopping.set()
                for channel in list(self._server._map.values()):
                    channel.close()
            self._server.task_dispatcher.shutdown()

    def stop(self) -> None:
        with self._stop_lock:
            if not self._stopping.is_set():
                self._stopping.set()
                self._server.pull_trigger()      # wakes the poll at once
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def __enter__(self) -> "GasServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
