"""Error answers as WeChat Pay API v3 gives them: `{"code": "...", "message": "..."}` with an HTTP status.

The table is the one place where this gateway's error codes live (the API document lists the same). The
messages are WeChat's own kind of sentences, for a developer; the kiosk never shows them to a citizen.
"""

from __future__ import annotations

from typing import Any

__all__ = ["WeChatError", "ERRORS"]

# code: (HTTP status, message)
ERRORS: dict[str, tuple[int, str]] = {
    "USERPAYING": (202, "用户支付中，需要输入密码"),
    "PARAM_ERROR": (400, "参数错误"),
    "INVALID_REQUEST": (400, "无效请求"),
    "APPID_MCHID_NOT_MATCH": (400, "appid和mch_id不匹配"),
    "AUTH_CODE_INVALID": (400, "付款码无效，请重新扫码"),
    "OUT_TRADE_NO_USED": (400, "商户订单号重复"),
    "SIGN_ERROR": (401, "签名错误"),
    "NOTENOUGH": (403, "用户余额不足"),
    "AUTH_CODE_EXPIRE": (403, "付款码已过期，请刷新后重新扫码"),
    "TRADE_ERROR": (403, "交易错误"),
    "ORDER_CLOSED": (403, "订单已关闭"),
    "NOT_ENOUGH": (403, "可退金额不足"),
    "ORDER_NOT_EXIST": (404, "订单不存在"),
    "RESOURCE_NOT_EXISTS": (404, "资源不存在"),
    "NOT_FOUND": (404, "接口不存在"),
    "METHOD_NOT_ALLOWED": (405, "请求方法错误"),
    "FREQUENCY_LIMITED": (429, "频率超限"),
    "SYSTEM_ERROR": (500, "系统异常，请用相同参数重新调用"),
}


class WeChatError(Exception):
    def __init__(self, code: str, message: str | None = None, detail: dict[str, Any] | None = None) -> None:
        status, default = ERRORS[code]
        self.code = code
        self.status = status
        self.message = message or default
        self.detail = detail
        super().__init__(f"{code}: {self.message}")

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail:
            body["detail"] = self.detail
        return body
