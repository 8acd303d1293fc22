"""Personal data sealed at rest: AES-256-GCM under a key derived from a site secret, each sealed value bound
to the record it belongs to. The outbox (kiosk/outbox/store.py) and the gas top-up journal
(kiosk/gas/journal.py) seal with this; nothing here does I/O or knows where the bytes are kept.

    key = derive_key(secrets.outbox_key, purpose=b"gov-service-kiosk outbox v1")    # 32 bytes, never stored
    sealer = Sealer(key)
    sealed = sealer.seal(b'{"card_number": "..."}', bound_to=b"GT0001")   # nonce || ciphertext || tag
    sealer.open(sealed, bound_to=b"GT0001")        # the plaintext; SealBroken for another record or key
    check = sealer.key_check(b"kiosk-outbox-key-check")   # kept beside the data: tells a wrong key at open
    sealer.verify_key_check(check, b"kiosk-outbox-key-check")    # SealBroken when the key is not the one

`bound_to` is the associated data: a sealed value copied into another record does not open there. One key
per purpose (the HKDF `info`), so the outbox's key can never open the journal's values or the reverse, even
when both come from the same secret. A fresh random 96-bit nonce per seal (NIST SP 800-38D's limit of 2**32
random nonces per key is far beyond what one kiosk seals).
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["Sealer", "SealBroken", "WeakSecret", "derive_key", "NONCE_BYTES", "MIN_SECRET_CHARACTERS"]

NONCE_BYTES = 12
MIN_SECRET_CHARACTERS = 16
_KEY_CHECK_PLAIN = b"key check v1"


class WeakSecret(ValueError):
    """The site secret is missing or too short to derive a key from."""


class SealBroken(ValueError):
    """A sealed value does not open: damaged, bound to another record, or sealed with another key."""


def derive_key(secret: str | bytes, *, purpose: bytes) -> bytes:
    """The 256-bit key for `purpose` from a site secret of at least 16 characters (HKDF-SHA256)."""
    material = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if len(material.strip()) < MIN_SECRET_CHARACTERS:
        raise WeakSecret(f"the secret is missing or shorter than {MIN_SECRET_CHARACTERS} characters")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(material)


class Sealer:
    """Seals and opens values with one 32-byte key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a sealing key is 32 bytes: derive it with derive_key()")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, *, bound_to: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, bound_to)

    def open(self, sealed: bytes, *, bound_to: bytes) -> bytes:
        if len(sealed) < NONCE_BYTES + 16:
            raise SealBroken("too short to be a sealed value")
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], bound_to)
        except InvalidTag:
            raise SealBroken("does not open: damaged, moved from another record, or sealed with another key") from None

    def key_check(self, label: bytes, plaintext: bytes = _KEY_CHECK_PLAIN) -> bytes:
        """A value to keep beside the sealed data, so that opening with a wrong key is told apart from damage."""
        return self.seal(plaintext, bound_to=label)

    def verify_key_check(self, check: bytes, label: bytes) -> None:
        """SealBroken unless `check` was made by `key_check(label)` with this key (the tag proves it)."""
        self.open(check, bound_to=label)
