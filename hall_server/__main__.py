"""`python -m hall_server --host 127.0.0.1 --port 8700 --db PATH|postgresql://… --kiosks-file FILE [--tls-cert …]`.

Kiosk secrets come from a file (one `ID:SECRET` a line, `#` comments; readable by the server's user only),
never from the command line, where `ps` shows them to every user of the machine. Each secret has at least
MIN_SECRET_LENGTH characters (hall_server.kiosk_secrets). Without --kiosks-file the demo kiosk `kiosk-demo-01`
with its published secret `demo-secret` is allowed, and then only on a loopback address: a server reachable
from the network never accepts a secret printed in the documentation.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import signal
import sys
from urllib.parse import urlsplit

from hall_server.app import HallConfig
from hall_server.fleet_feed import FleetBroker
from hall_server.kiosk_secrets import MIN_SECRET_LENGTH, read_kiosks_file
from hall_server.server import HallServer, TlsSettings


def main(argv: list[str] | None = None) -> int:
    args, config, tls = parse_command_line(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    server = HallServer(config, host=args.host, port=args.port, threads=args.threads, demo=not args.no_demo,
                        simulation_interval=args.simulate or None, tls=tls)
    print(f"hall server on {server.base_url} (kiosks: {', '.join(sorted(config.kiosks))})", file=sys.stderr)
    signal.signal(signal.SIGTERM, _interrupt)      # systemd and `kill` stop it like Ctrl-C
    server.serve_forever()
    return 0


def parse_command_line(argv: list[str] | None) -> tuple[argparse.Namespace, HallConfig, TlsSettings | None]:
    """The options, the server's configuration and its TLS settings; exits 2 naming what is wrong."""
    parser = argparse.ArgumentParser(prog="python -m hall_server", description="The reference hall backend.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--db", required=True,
                        help="a SQLite file, or a postgresql://user@host/database URL; created (the file) and "
                             "migrated forward as needed")
    parser.add_argument("--kiosks-file", metavar="FILE",
                        help="the kiosks allowed to call the API: one ID:SECRET a line (mode 0600); without it"
                             " only the demo kiosk, and only on a loopback address")
    parser.add_argument("--public-base-url", metavar="URL",
                        help="the hall's address as citizens' phones reach it (https://hall.example.gov.cn), for"
                             " the review links printed on tickets; default: the address each kiosk calls")
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
                             "(without it, /fleet is closed)")
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
    config, tls = hall_config(parser, args)
    return args, config, tls


DEMO_KIOSKS = {"kiosk-demo-01": b"demo-secret"}


def hall_config(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[HallConfig, TlsSettings | None]:
    """The server's configuration from its command line; parser.error (exit 2) names what is wrong."""
    if args.kiosks_file:
        try:
            kiosks = read_kiosks_file(args.kiosks_file)
        except (OSError, ValueError) as error:
            parser.error(str(error))
    elif _is_loopback(args.host):
        kiosks = dict(DEMO_KIOSKS)
    else:
        parser.error(f"--host {args.host} is reachable from the network: give --kiosks-file (the demo kiosk and its"
                     " published secret are accepted on a loopback address only)")
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    tls = TlsSettings(args.tls_cert, args.tls_key, args.tls_client_ca) if args.tls_cert else None
    fleet_password = args.fleet_password_file.read().strip() if args.fleet_password_file else None
    if fleet_password is not None and len(fleet_password) < 12:
        parser.error("the fleet password must have at least 12 characters")
    if not 1 <= args.review_follow_up_days <= 60:
        parser.error("--review-follow-up-days expects 1 to 60 working days")
    public_base_url = args.public_base_url
    if public_base_url is not None:
        parts = urlsplit(public_base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") or parts.query:
            parser.error("--public-base-url expects http(s)://host[:port], without a path")
        public_base_url = public_base_url.rstrip("/")
    broker = None
    if args.fleet_broker:
        password = args.fleet_broker_password_file.read().strip() if args.fleet_broker_password_file else ""
        broker = FleetBroker(args.fleet_broker, args.fleet_broker_user, password, args.fleet_broker_ca)
    return HallConfig(db_path=args.db, kiosks=kiosks, always_open=args.always_open, fleet_password=fleet_password,
                      review_follow_up_working_days=args.review_follow_up_days,
                      public_base_url=public_base_url, fleet_broker=broker), tls


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
