"""The gateway's configuration, as seen from inside a request (kept apart so route modules import it freely)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app

from payment_gateway.clock import GatewayClock, SystemClock

__all__ = ["Merchant", "GatewayConfig", "gateway_config", "gateway_now"]


@dataclass(frozen=True)
class Merchant:
    """A merchant allowed to call: its appid, and its API certificates' public keys by serial number."""

    mchid: str
    appid: str
    public_keys: dict[str, str]          # serial_no -> PEM


@dataclass(frozen=True)
class GatewayConfig:
    db_path: str
    merchants: dict[str, Merchant]
    platform_private_key: str            # PEM: signs every answer
    platform_public_key_id: str          # sent as Wechatpay-Serial
    clock: GatewayClock = field(default_factory=SystemClock)
    signature_window_seconds: int = 300
    # WeChat Pay closes a payment-code order the user has not confirmed after about 45 s.
    unpaid_close_seconds: float = 45.0
    control: bool = False                # the /_control endpoints (tests, demo): never on a shared network


def gateway_config() -> GatewayConfig:
    return current_app.config["GATEWAY"]


def gateway_now() -> datetime:
    return gateway_config().clock.now()
