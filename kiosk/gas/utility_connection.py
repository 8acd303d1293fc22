"""The gas terminal's connection to its gas utility: the signed client, and in the demo profile the reference
utility server embedded in this process (like the embedded hall; see kiosk/hall/connection.py).

Starting the embedded server imports Flask and seeds a database: call `connect_gas_utility` from a worker
thread, never before the first frame. An unreachable utility is not an error here: the client's calls
raise `GasUtilityUnavailable` until it answers.

    connection = connect_gas_utility(settings, secrets)
    account = connection.client.account(card.card_number, card.purchase_count)
    connection.close()
"""

from __future__ import annotations

import secrets as random_secrets
from dataclasses import dataclass
from typing import Any

from kiosk.config import Secrets, Settings
from kiosk.gas.utility import GasUtilityClient

__all__ = ["GasUtilityConnection", "connect_gas_utility"]


@dataclass
class GasUtilityConnection:
    client: GasUtilityClient
    embedded: Any = None      # gas_server.embedded.EmbeddedGasUtility when the utility runs in this process

    def close(self) -> None:
        self.client.close()
        if self.embedded is not None:
            self.embedded.stop()


def connect_gas_utility(settings: Settings, secrets: Secrets) -> GasUtilityConnection:
    """The started client for the profile's gas utility (and the embedded server in embedded mode)."""
    utility = settings.gas_utility
    key = secrets.gas_utility_secret
    embedded = None
    base_url = utility.base_url
    if utility.mode == "embedded":
        from gas_server.embedded import start_embedded  # the server's dependencies only when embedded

        # The demo's key may be missing from a secrets file: any key does for a server that lives as long as we do.
        key = key or random_secrets.token_urlsafe(32)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        embedded = start_embedded(str(settings.data_dir / "embedded-gas-utility.sqlite3"), utility.terminal_id, key)
        base_url = embedded.base_url
    client = GasUtilityClient(base_url, utility.terminal_id, key, connect_timeout=utility.connect_timeout_s,
                              read_timeout=utility.read_timeout_s, retries=utility.retries,
                              ca_bundle=utility.ca_bundle or None)
    return GasUtilityConnection(client, embedded)
