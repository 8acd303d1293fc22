"""The reference gas utility server as a Flask application: configuration, wiring, request life cycle.

`create_app(GasConfig(...))` returns a WSGI app; `gas_server.server` serves it with waitress. Every /v1
request is signature-checked (gas_server.security) before its handler runs and uses its server thread's
SQLite connection. The access log line carries method, path, status, terminal id and time only: card
numbers travel in JSON bodies and bodies are never logged.
"""

from __future__ import annotations

import logging
import threading
import time
from importlib import resources

from flask import Flask, Response, g, request

from domain.request_signing import NonceCache
from gas_server import db, problems
from gas_server.context import GasConfig
from gas_server.routes import accounts, orders, quotes, reconciliation, utility
from gas_server.security import GAS_SIGNING, verify_request

__all__ = ["GasConfig", "create_app", "MAX_BODY_BYTES"]

log = logging.getLogger("gas_server.access")

MAX_BODY_BYTES = 16 * 1024          # the largest real body (a write confirmation) is under 400 bytes


def create_app(config: GasConfig) -> Flask:
    app = Flask("gas_server")
    app.config["GAS"] = config
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.ensure_ascii = False       # type: ignore[attr-defined]
    app.json.sort_keys = False          # type: ignore[attr-defined]
    app.extensions["gas_nonces"] = NonceCache(config.signature_window_seconds)
    problems.install(app)
    connections = threading.local()     # one connection per server thread, kept between requests

    @app.before_request
    def _open() -> None:
        g.started = time.perf_counter()
        g.terminal_id = None
        if getattr(connections, "conn", None) is None:
            connections.conn = db.connect(config.db_path, config.db_busy_timeout_seconds)
        g.conn = connections.conn
        if request.path.startswith("/v1/"):
            verify_request()

    @app.after_request
    def _log(response: Response) -> Response:
        if response.status_code == 503 and g.get("terminal_id"):
            # Refused before taking effect: the client's automatic retry may reuse its nonce.
            app.extensions["gas_nonces"].forget(g.terminal_id, request.headers.get(GAS_SIGNING.nonce_header, ""))
        elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("%s %s %d terminal=%s %.1fms", request.method, request.path, response.status_code,
                 g.get("terminal_id") or "-", elapsed_ms)
        return response

    @app.teardown_request
    def _release(_error: BaseException | None) -> None:
        conn = g.pop("conn", None)
        if conn is not None and conn.in_transaction:
            conn.execute("ROLLBACK")

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "schema_version": db.schema_version(g.conn)}

    @app.get("/openapi.yaml")
    def openapi() -> Response:
        text = (resources.files("gas_server") / "openapi.yaml").read_text(encoding="utf-8")
        return Response(text, mimetype="application/yaml")

    for module in (utility, accounts, quotes, orders, reconciliation):
        app.register_blueprint(module.blueprint)
    return app
