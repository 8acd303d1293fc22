"""`python -m hall_server --host 127.0.0.1 --port 8700 --db PATH|postgresql://… [--kiosk ID:SECRET ...] [--tls-cert …]`.

Without --kiosk, the demo kiosk `kiosk-demo-01` with secret `demo-secret` is allowed: never in production.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from hall_server.app import HallConfig
from hall_server.fleet_feed import FleetBroker
from hall_server.server import HallServer, TlsSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hall_server", description="The reference hall backend.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--db", required=True,
                        help="a SQLite file, or a postgresql://user@host/database URL; created (the file) and "
                             "migrated forward as needed")
    parser.add_argument("--kiosk", action="append", default=[], metavar="ID:SECRET",
                        help="a kiosk allowed to call the API (repeatable)")
    parser.add_argument("--no-demo", action="store_true", help="do not seed the demo hall into a new database")
    parser.add_argument("--always-open", action="store_true", help="ignore business hours (demos at night)")
    parser.add_argument("--simulate", type=float, default=30.0, metavar="SECONDS",
                        help="let the simulated windows call a ticket every SECONDS (0: off)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="INFO logs one access line per request (method, path, status; never bodies)")
    parser.add_argument("--tls-cert", help="serve HTTPS with this certificate chain (PEM)")
    parser.add_argument("--tls-key", help="the certificate's private key (PEM)")
    parser.add_argument("--tls-client-ca", help="require kiosk client certificates signed by this CA (PEM)")
    parser.add_argument("--fleet-password-file", type=argparse.FileType("r", encoding="utf-8"),
                        help="hall staff open /fleet with user 'staff' and the password in this file "
                             "(default: /fleet only from a browser on this server)")
    parser.add_argument("--review-follow-up-days", type=int, default=HallConfig.review_follow_up_working_days,
                        metavar="DAYS",
                        help="working days within which the hall follows up a 差评, as the phone page promises")
    parser.add_argument("--fleet-broker", metavar="URL",
                        help="show the kiosks' MQTT telemetry on /fleet: mqtts://host:8883 (or mqtt:// on loopback)")
    parser.add_argument("--fleet-broker-user", default="hall-fleet", help="the hall's user at the broker")
    parser.add_argument("--fleet-broker-password-file", type=argparse.FileType("r", encoding="utf-8"),
                        help="a file holding that user's password")
    parser.add_argument("--fleet-broker-ca", help="the broker's CA certificate (PEM), for mqtts://")
    args = parser.parse_args(argv)

    kiosks = {}
    for entry in args.kiosk or ["kiosk-demo-01:demo-secret"]:
        kiosk_id, sep, secret = entry.partition(":")
        if not sep or not kiosk_id or not secret:
            parser.error("--kiosk expects ID:SECRET, got an entry without a colon or with an empty part")
        kiosks[kiosk_id] = secret.encode("utf-8")

    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    tls = TlsSettings(args.tls_cert, args.tls_key, args.tls_client_ca) if args.tls_cert else None

    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    fleet_password = args.fleet_password_file.read().strip() if args.fleet_password_file else None
    if fleet_password is not None and len(fleet_password) < 12:
        parser.error("the fleet password must have at least 12 characters")
    if not 1 <= args.review_follow_up_days <= 60:
        parser.error("--review-follow-up-days expects 1 to 60 working days")
    broker = None
    if args.fleet_broker:
        password = args.fleet_broker_password_file.read().strip() if args.fleet_broker_password_file else ""
        broker = FleetBroker(args.fleet_broker, args.fleet_broker_user, password, args.fleet_broker_ca)
    config = HallConfig(db_path=args.db, kiosks=kiosks, always_open=args.always_open, fleet_password=fleet_password,
                        review_follow_up_working_days=args.review_follow_up_days, fleet_broker=broker)
    server = HallServer(config, host=args.host, port=args.port, threads=args.threads, demo=not args.no_demo,
                        simulation_interval=args.simulate or None, tls=tls)
    print(f"hall server on {server.base_url} (kiosks: {', '.join(sorted(kiosks))})", file=sys.stderr)
    signal.signal(signal.SIGTERM, _interrupt)      # systemd and `kill` stop it like Ctrl-C
    server.serve_forever()
    return 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
