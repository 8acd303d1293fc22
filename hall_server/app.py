"""The reference hall server as a Flask application: configuration, wiring, request life cycle.

`create_app(HallConfig(...))` returns a WSGI app; `hall_server.server` serves it with waitress.
Every /v1 request is signature-checked before its handler runs and uses a connection leased from the
hall's database (hall_server.db). The access log line carries method, path, status and kiosk id only: paths
never hold personal data (lookups send identity numbers in JSON bodies) and bodies are never logged. A path that holds
a token (the phone review page's /r/<token>, an eight-hour permission) is logged as its route instead.
"""

from __future__ import annotations

import json
import logging
import time
from importlib import resources
from urllib.parse import quote

from flask import Flask, Response, g, request

from domain.hall_signing import HEADER_NONCE
from hall_server import db, problems
from hall_server.context import HallConfig, hall_now
from hall_server.fleet_feed import FleetModel
from hall_server.routes import (appointments, batch, catalogue, citizens, devices, feedback, fleet, queues, review_page,
                                reviews)
from hall_server.rate_limits import LookupLimiter
from hall_server.security import NonceLedger, verify_request

__all__ = ["HallConfig", "create_app"]

log = logging.getLogger("hall_server.access")

MAX_BODY_BYTES = 64 * 1024


def create_app(config: HallConfig, *, pool_size: int = 8) -> Flask:
    """The app; `pool_size`: at most this many database connections at once (PostgreSQL), one per server thread."""
    app = Flask("hall_server")
    app.config["HALL"] = config
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.ensure_ascii = False       # type: ignore[attr-defined]
    app.json.sort_keys = False          # type: ignore[attr-defined]
    app.extensions["hall_nonces"] = NonceLedger(config.signature_window_seconds)
    app.extensions["hall_lookups"] = LookupLimiter(config.lookup_limits)
    problems.install(app)
    app.extensions["fleet_model"] = FleetModel(config.clock.now)

    database = app.extensions["hall_database"] = db.open_database(
        config.db_path, busy_timeout=config.db_busy_timeout_seconds, pool_size=pool_size)

    @app.before_request
    def _open() -> None:
        g.started = time.perf_counter()
        g.kiosk_id = None
        g.conn = database.lease()
        if request.path == "/v1/batch":
            request.max_content_length = batch.MAX_BODY_BYTES
        if request.path.startswith("/v1/"):
            verify_request()

    @app.after_request
    def _log(response: Response) -> Response:
        if response.status_code == 503 and g.get("kiosk_id"):
            # Refused before taking effect: the identical request may come again (an older kiosk's retry).
            try:
                app.extensions["hall_nonces"].forget(g.kiosk_id, request.headers.get(HEADER_NONCE, ""))
            except Exception:       # the database may still be busy: then only that retry is refused
                log.warning("a busy request's nonce could not be forgotten; its identical retry is refused")
        elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("%s %s %d kiosk=%s %.1fms", request.method, _logged_path(), response.status_code,
                 g.get("kiosk_id") or "-", elapsed_ms)
        return response

    @app.teardown_request
    def _release(_error: BaseException | None) -> None:
        conn = g.pop("conn", None)
        if conn is not None:
            database.release(conn)

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "schema_version": db.schema_version(g.conn)}

    @app.get("/openapi.yaml")
    def openapi() -> Response:
        text = (resources.files("hall_server") / "openapi.yaml").read_text(encoding="utf-8")
        return Response(text, mimetype="application/yaml")

    @app.get("/v1/hall")
    def hall_info() -> dict:
        row = g.conn.execute("SELECT value FROM settings WHERE key = 'hall_info'").fetchone()
        info = json.loads(row["value"])
        return {**info, "server_time": hall_now().isoformat(timespec="seconds")}

    for module in (catalogue, queues, appointments, citizens, reviews, review_page, feedback, batch, devices, fleet):
        app.register_blueprint(module.blueprint)
    return app


def _logged_path() -> str:
    """The request's path as the access log writes it: a route whose path holds a token, by its route; any
    other path percent-encoded again beyond printable ASCII, so that a %0a in it cannot start a forged log line
    (nor ESC, a bidi override or anything else that is not what it seems)."""
    rule = request.url_rule
    if rule is not None and "<token>" in rule.rule:
        return rule.rule
    return quote(request.path, safe="/:@!$&'()*+,;=-._~")
