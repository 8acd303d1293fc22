"""`python -m gas_server --host 127.0.0.1 --port 8710 --db PATH [--terminal ID:KEY ...] [--no-demo]`.

Without --terminal, the demo terminal `demo-gas-terminal-01` with key `demo-gas-key` is allowed: never in
production. Serve plain HTTP behind a TLS-terminating proxy.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from gas_server.app import GasConfig
from gas_server.server import GasServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gas_server", description="The reference gas utility server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8710)
    parser.add_argument("--db", required=True, help="SQLite file; created and migrated forward as needed")
    parser.add_argument("--terminal", action="append", default=[], metavar="ID:KEY",
                        help="a terminal allowed to call the API, with its key (repeatable)")
    parser.add_argument("--no-demo", action="store_true", help="do not seed the demo households into a new database")
    parser.add_argument("--reservation-seconds", type=int, default=120,
                        help="how long a write reservation is exclusive to its terminal")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="INFO logs one access line per request (method, path, status; never bodies)")
    args = parser.parse_args(argv)

    terminals = {}
    for entry in args.terminal or ["demo-gas-terminal-01:demo-gas-key"]:
        terminal_id, sep, key = entry.partition(":")
        if not sep or not terminal_id or not key:
            parser.error("--terminal expects ID:KEY, got an entry without a colon or with an empty part")
        terminals[terminal_id] = key.encode("utf-8")

    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = GasConfig(db_path=args.db, terminals=terminals, reservation_seconds=args.reservation_seconds)
    server = GasServer(config, host=args.host, port=args.port, threads=args.threads, demo=not args.no_demo)
    print(f"gas utility server on {server.base_url} (terminals: {', '.join(sorted(terminals))})", file=sys.stderr)
    signal.signal(signal.SIGTERM, _interrupt)
    server.serve_forever()
    return 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
