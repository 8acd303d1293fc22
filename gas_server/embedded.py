"""The reference gas utility in-process, for the demo profile: the kiosk talks to it over HTTP like to the
gas company's real server.

    utility = start_embedded("/tmp/demo-gas.sqlite3", "demo-gas-terminal-01", b"demo-gas-key")
    client = GasUtilityClient(utility.base_url, "demo-gas-terminal-01", b"demo-gas-key", ...)
    ...
    utility.stop()

A fresh demo database every start (an old file at `db_path` is replaced), served on 127.0.0.1 on a free
port in a daemon thread, with the demo households of gas_server.seed (the simulated gas card's among them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from gas_server.app import GasConfig
from gas_server.server import GasServer

__all__ = ["EmbeddedGasUtility", "start_embedded"]


@dataclass
class EmbeddedGasUtility:
    server: GasServer

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def stop(self) -> None:
        self.server.stop()


def start_embedded(db_path: str, terminal_id: str, terminal_key: bytes | str) -> EmbeddedGasUtility:
    """Start the demo utility on a free loopback port; returns once it accepts connections."""
    key = terminal_key.encode("utf-8") if isinstance(terminal_key, str) else terminal_key
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(db_path + suffix)
        except FileNotFoundError:
            pass
    config = GasConfig(db_path=db_path, terminals={terminal_id: key})
    return EmbeddedGasUtility(GasServer(config, host="127.0.0.1", port=0, demo=True).start())
