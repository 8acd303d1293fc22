"""The reference gateway as a Flask application: verification before, signing after, errors as WeChat's.

`create_app(GatewayConfig(...))` returns a WSGI app; `payment_gateway.server` serves it with waitress. Every
/v3 request is signature-checked before its handler runs; every /v3 answer, errors included, is signed
(and, when a behaviour says so, tampered with or held back) after it. The access log line carries method,
path and status only: payment codes travel in bodies, which are never logged.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from importlib import resources

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException

from domain.request_signing import NonceCache
from payment_gateway import db
from payment_gateway.context import GatewayConfig
from payment_gateway.problems import WeChatError
from payment_gateway.routes import control, refunds, transactions
from payment_gateway.security import sign_answer, verify_request

__all__ = ["GatewayConfig", "create_app"]

log = logging.getLogger("payment_gateway.access")

MAX_BODY_BYTES = 64 * 1024


def _error_response(error: WeChatError) -> Response:
    return Response(json.dumps(error.document(), ensure_ascii=False), status=error.status,
                    mimetype="application/json")


def create_app(config: GatewayConfig, *, stopping: threading.Event | None = None) -> Flask:
    """`stopping`, once set, releases answers held back by a behaviour (the server is shutting down)."""
    app = Flask("payment_gateway")
    app.config["GATEWAY"] = config
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.ensure_ascii = False       # type: ignore[attr-defined]
    app.json.sort_keys = False          # type: ignore[attr-defined]
    app.extensions["gateway_nonces"] = NonceCache(config.signature_window_seconds)
    released = stopping or threading.Event()
    connections = threading.local()

    @app.before_request
    def _open() -> None:
        g.started = time.perf_counter()
        g.request_id = uuid.uuid4().hex.upper()
        if getattr(connections, "conn", None) is None:
            connections.conn = db.connect(config.db_path)
        g.conn = connections.conn
        if request.path.startswith("/_control/") and not config.control:
            raise WeChatError("NOT_FOUND")
        if request.path.startswith("/v3/"):
            verify_request()

    @app.after_request
    def _sign(response: Response) -> Response:
        if request.path.startswith("/v3/"):
            sign_answer(response, tamper=g.get("tamper", False))
            if g.get("hold_s", 0.0) > 0:
                released.wait(g.hold_s)         # the client has given up by then: its read timed out
        log.info("%s %s %d %.1fms", request.method, request.path, response.status_code,
                 (time.perf_counter() - g.get("started", time.perf_counter())) * 1000)
        return response

    @app.teardown_request
    def _release(_error: BaseException | None) -> None:
        conn = g.pop("conn", None)
        if conn is not None and conn.in_transaction:
            conn.execute("ROLLBACK")

    @app.errorhandler(WeChatError)
    def _wechat(error: WeChatError) -> Response:
        return _error_response(error)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(error.code or 500, "PARAM_ERROR")
        return _error_response(WeChatError(code))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        # The type only: an exception's text may quote a body, and bodies carry payment codes.
        logging.getLogger("payment_gateway").error("unexpected %s while serving a request", type(error).__name__)
        return _error_response(WeChatError("SYSTEM_ERROR"))

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "schema_version": db.SCHEMA_VERSION}

    @app.get("/openapi.yaml")
    def openapi() -> Response:
        text = (resources.files("payment_gateway") / "openapi.yaml").read_text(encoding="utf-8")
        return Response(text, mimetype="application/yaml")

    for module in (transactions, refunds, control):
        app.register_blueprint(module.blueprint)
    return app
