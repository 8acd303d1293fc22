"""WeChat Pay API v3 signatures: requests verified with the merchant's public key, answers signed by the platform.

A request carries

    Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"

where `signature` is base64 SHA256withRSA, by the merchant's API key, over the five lines
`METHOD\\nURL\\ntimestamp\\nnonce\\nbody\\n` (URL: path and query as sent). The gateway refuses an unknown
merchant or serial number, a bad signature, a timestamp outside its window and a nonce seen in it (401
SIGN_ERROR). Every answer, errors included, carries

    Wechatpay-Timestamp, Wechatpay-Nonce, Wechatpay-Serial (the platform public key id),
    Wechatpay-Signature-Type: WECHATPAY2-SHA256-RSA2048, Wechatpay-Signature

where the signature, by the platform key, covers `timestamp\\nnonce\\nbody\\n`: the SDK checks it on every
2xx answer with the platform public key it was given.
"""

from __future__ import annotations

import base64
import functools
import re
import secrets
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import Response, current_app, g, request

from domain.request_signing import NonceCache
from payment_gateway.context import gateway_config
from payment_gateway.keys import load_private_key, load_public_key
from payment_gateway.problems import WeChatError

__all__ = ["SCHEME", "NonceCache", "verify_request", "sign_answer", "rsa_sign", "rsa_verify"]

SCHEME = "WECHATPAY2-SHA256-RSA2048"
_FIELD = re.compile(r'(\w+)="([^"]*)"')


@functools.lru_cache(maxsize=16)
def _public_key(pem: str) -> rsa.RSAPublicKey:
    return load_public_key(pem)


@functools.lru_cache(maxsize=4)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    return load_private_key(pem)


def rsa_sign(key: rsa.RSAPrivateKey, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(key: rsa.RSAPublicKey, message: str, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_request() -> None:
    """Refuse a request not signed by a known merchant key, stale, or replayed (Flask before_request)."""
    config = gateway_config()
    header = request.headers.get("Authorization", "")
    scheme, _, rest = header.partition(" ")
    fields = dict(_FIELD.findall(rest))
    if scheme != SCHEME or not {"mchid", "nonce_str", "signature", "timestamp", "serial_no"} <= fields.keys():
        raise WeChatError("SIGN_ERROR", "Authorization 头缺失或格式错误")
    merchant = config.merchants.get(fields["mchid"])
    public_pem = merchant.public_keys.get(fields["serial_no"]) if merchant else None
    if public_pem is None:
        raise WeChatError("SIGN_ERROR", "商户号或商户证书序列号无效")
    try:
        stale = abs(time.time() - int(fields["timestamp"])) > config.signature_window_seconds
    except ValueError:
        stale = True
    if stale:
        raise WeChatError("SIGN_ERROR", "请求时间戳与当前时间相差过大")
    url = request.path + ("?" + request.query_string.decode("latin-1") if request.query_string else "")
    body = request.get_data(cache=True).decode("utf-8", errors="replace")
    message = f"{request.method}\n{url}\n{fields['timestamp']}\n{fields['nonce_str']}\n{body}\n"
    if not rsa_verify(_public_key(public_pem), message, fields["signature"]):
        raise WeChatError("SIGN_ERROR", "签名验证失败")
    nonces: NonceCache = current_app.extensions["gateway_nonces"]
    if not nonces.first_use(fields["mchid"], fields["nonce_str"], time.time()):
        raise WeChatError("SIGN_ERROR", "重复的请求随机串")
    g.mchid = fields["mchid"]


def sign_answer(response: Response, *, tamper: bool = False) -> Response:
    """Sign the answer as the platform; with `tamper`, change its body afterwards, as a man in the middle would
    (a claim of SUCCESS where there is a trade_state, else one more field), so the signature no longer fits."""
    config = gateway_config()
    body = response.get_data(as_text=True)
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16).upper()
    signature = rsa_sign(_private_key(config.platform_private_key), f"{timestamp}\n{nonce}\n{body}\n")
    response.headers["Wechatpay-Timestamp"] = timestamp
    response.headers["Wechatpay-Nonce"] = nonce
    response.headers["Wechatpay-Serial"] = config.platform_public_key_id
    response.headers["Wechatpay-Signature-Type"] = SCHEME
    response.headers["Wechatpay-Signature"] = signature
    response.headers["Request-ID"] = g.get("request_id", "")
    if tamper:
        forged = re.sub(r'"trade_state": ?"[A-Z]+"', '"trade_state":"SUCCESS"', body, count=1)
        if forged == body:
            forged = body[:-1] + ',"forged":true}' if body.endswith("}") else body + " "
        response.set_data(forged)
    return response
