"""RSA keys of WeChat Pay API v3: the merchant's (signs requests) and the platform's (signs answers).

A site gets its merchant key and certificate serial number from the WeChat Pay merchant platform, and the
platform's public key with its id (PUB_KEY_ID_…). The demo and the tests make fresh ones with `demo_keys()`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = ["KeyPair", "DemoKeys", "new_key_pair", "demo_keys", "load_public_key", "load_private_key"]


@dataclass(frozen=True, repr=False)
class KeyPair:
    private_pem: str
    public_pem: str

    def __repr__(self) -> str:
        return "KeyPair(<private key hidden>)"


def new_key_pair() -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return KeyPair(private, public)


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("expected an RSA public key")
    return key


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("expected an RSA private key")
    return key


@dataclass(frozen=True, repr=False)
class DemoKeys:
    """Everything both sides need, freshly made: ids as WeChat Pay shapes them, keys never reused."""

    mchid: str
    appid: str
    merchant_serial_no: str
    merchant: KeyPair
    platform_public_key_id: str
    platform: KeyPair

    def __repr__(self) -> str:
        return f"DemoKeys(mchid={self.mchid}, appid={self.appid}, platform key {self.platform_public_key_id})"


def demo_keys(mchid: str = "1900000109", appid: str = "wxd930ea5d5a258f4f") -> DemoKeys:
    return DemoKeys(mchid=mchid, appid=appid, merchant_serial_no=secrets.token_hex(20).upper(),
                    merchant=new_key_pair(),
                    platform_public_key_id="PUB_KEY_ID_" + secrets.token_hex(16).upper(),
                    platform=new_key_pair())
