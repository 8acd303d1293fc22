"""The reference gateway in-process, for the demo profile: the kiosk's WeChat Pay talks to it over HTTP.

    gateway = start_embedded("/tmp/demo-gateway.sqlite3")
    gateway.base_url, gateway.keys        # where it listens, and the freshly made merchant and platform keys
    ...
    gateway.stop()

A fresh database and fresh keys every start (an old file at `db_path` is replaced), on 127.0.0.1 on a free
port, in a daemon thread, on the real clock, with the demo payment codes (behaviours.DEMO_CODES) and the
control endpoints on. The keys never leave this process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from payment_gateway.clock import GatewayClock, SystemClock
from payment_gateway.context import GatewayConfig, Merchant
from payment_gateway.keys import DemoKeys, demo_keys
from payment_gateway.server import GatewayServer

__all__ = ["EmbeddedGateway", "start_embedded", "gateway_config_for"]


@dataclass
class EmbeddedGateway:
    server: GatewayServer
    keys: DemoKeys

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def stop(self) -> None:
        self.server.stop()


def _fresh(db_path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(db_path + suffix)
        except FileNotFoundError:
            pass


def gateway_config_for(keys: DemoKeys, db_path: str, *, clock: GatewayClock | None = None,
                       control: bool = True) -> GatewayConfig:
    """A gateway that knows one merchant, the keys' own."""
    merchant = Merchant(keys.mchid, keys.appid, {keys.merchant_serial_no: keys.merchant.public_pem})
    return GatewayConfig(db_path=db_path, merchants={keys.mchid: merchant},
                         platform_private_key=keys.platform.private_pem,
                         platform_public_key_id=keys.platform_public_key_id,
                         clock=clock or SystemClock(), control=control)


def start_embedded(db_path: str, *, keys: DemoKeys | None = None, clock: GatewayClock | None = None) -> EmbeddedGateway:
    """Start the demo gateway on a free loopback port; returns once it accepts connections."""
    keys = keys or demo_keys()
    _fresh(db_path)
    server = GatewayServer(gateway_config_for(keys, db_path, clock=clock), host="127.0.0.1", port=0).start()
    return EmbeddedGateway(server, keys)
