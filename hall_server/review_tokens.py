"""Short signed review tokens, for the QR code printed on a ticket or a case receipt.

A token names what is being reviewed and until when, and carries a truncated HMAC-SHA256 with the
hall's own key (kept in the database, never sent to kiosks), so a phone can open `/r/<token>`
without any login and nobody can forge a token for someone else's ticket. A ticket's token is
28 URL-safe ASCII characters, small enough for a low-density QR code on 58 mm paper.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass

__all__ = ["ReviewTarget", "make_token", "read_token"]

_TICKET, _CASE = 1, 2
_MAC_BYTES = 8
_HEADER = struct.Struct(">BI")   # kind, expiry in Unix minutes


@dataclass(frozen=True)
class ReviewTarget:
    kind: str          # "ticket" | "case"
    target_id: str
    expires_at: int    # Unix seconds


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:_MAC_BYTES]


def make_token(key: bytes, kind: str, target_id: str, expires_at: int) -> str:
    if kind == "ticket":
        payload = _HEADER.pack(_TICKET, expires_at // 60) + bytes.fromhex(target_id[1:])
    else:
        payload = _HEADER.pack(_CASE, expires_at // 60) + target_id.encode("ascii")
    return base64.urlsafe_b64encode(payload + _mac(key, payload)).rstrip(b"=").decode("ascii")


def read_token(key: bytes, token: str, now: float) -> ReviewTarget | None:
    """The target of a genuine, unexpired token; None for anything else."""
    if not (8 <= len(token) <= 96) or not token.isascii():
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if len(payload) <= _HEADER.size or not hmac.compare_digest(mac, _mac(key, payload)):
        return None
    kind_byte, expiry_minutes = _HEADER.unpack_from(payload)
    expires_at = expiry_minutes * 60
    if now > expires_at:
        return None
    body = payload[_HEADER.size:]
    if kind_byte == _TICKET:
        return ReviewTarget("ticket", "t" + body.hex(), expires_at)
    if kind_byte == _CASE:
        return ReviewTarget("case", body.decode("ascii", "replace"), expires_at)
    return None
