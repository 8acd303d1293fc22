"""Serving the gateway on a real socket, in a thread that stops cleanly; with the in-process controls.

    server = GatewayServer(config).start()       # port 0: a free port on loopback
    server.behave(Behaviour(confirm_after_s=12), auth_code="134567890123456789")
    server.order("GT20261123000042")             # the order as the gateway holds it, with its events
    server.stop()

Plain HTTP by waitress, as the reference hall serves (a site's real gateway is WeChat's own, over HTTPS).
"""

from __future__ import annotations

import threading
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

from payment_gateway import db, orders
from payment_gateway.app import create_app
from payment_gateway.behaviours import Behaviour
from payment_gateway.context import GatewayConfig
from payment_gateway.routes.control import order_record

__all__ = ["GatewayServer"]


class GatewayServer:
    def __init__(self, config: GatewayConfig, *, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> None:
        db.prepare(config.db_path)
        self.config = config
        self._stopping = threading.Event()
        self.app = create_app(config, stopping=self._stopping)
        self._server: Any = create_server(self.app, host=host, port=port, threads=threads,
                                          clear_untrusted_proxy_headers=True, ident="payment-gateway")
        self.host = host
        self.port = self._server.effective_port
        self._thread = threading.Thread(target=self.serve_forever, name=f"payment-gateway-{self.port}", daemon=True)
        self._stop_lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "GatewayServer":
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            while not self._stopping.is_set():
                wasyncore.poll2(timeout=1.0, map=self._server._map)
        except KeyboardInterrupt:
            pass
        with self._stop_lock:
            for channel in list(self._server._map.values()):
                channel.close()
        self._server.task_dispatcher.shutdown()

    def stop(self) -> None:
        with self._stop_lock:
            if not self._stopping.is_set():
                self._stopping.set()
                self._server.pull_trigger()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def behave(self, behaviour: Behaviour, *, auth_code: str | None = None, out_trade_no: str | None = None) -> None:
        """Inject a behaviour for a payment code or an order (as POST /_control/behaviours does)."""
        conn = db.connect(self.config.db_path)
        try:
            with db.write(conn):
                orders.save_behaviour(conn, behaviour, auth_code=auth_code, out_trade_no=out_trade_no)
        finally:
            conn.close()

    def order(self, out_trade_no: str) -> dict[str, Any] | None:
        """The order as the gateway holds it now (its clock applied), with its refunds and events."""
        conn = db.connect(self.config.db_path)
        try:
            with db.write(conn):
                row = orders.load(conn, out_trade_no=out_trade_no)
                if row is not None:
                    row = orders.advance(conn, self.config, row, self.config.clock.now())
            return order_record(conn, row) if row is not None else None
        finally:
            conn.close()

    def __enter__(self) -> "GatewayServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
