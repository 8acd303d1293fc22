"""`python -m payment_gateway --port 8720 --db PATH [--keys DIR] [--control]`: the reference WeChat Pay gateway alone.

With --keys DIR, the merchant and platform keys are read from DIR (merchant_public.pem, platform_private.pem
and ids.json with mchid, appid, merchant_serial_no, platform_public_key_id); a DIR without them gets fresh
demo keys written into it (merchant_private.pem and platform_public.pem too, for the kiosk's profile), and
they are reused on the next start. Demo keys are for tests and demonstrations only: never a real merchant's.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path

from payment_gateway.embedded import gateway_config_for
from payment_gateway.keys import DemoKeys, KeyPair, demo_keys
from payment_gateway.server import GatewayServer


def load_or_make_keys(folder: Path) -> DemoKeys:
    ids = folder / "ids.json"
    if ids.exists():
        known = json.loads(ids.read_text(encoding="utf-8"))

        def read(name: str) -> str:
            return (folder / name).read_text(encoding="utf-8") if (folder / name).exists() else ""

        return DemoKeys(mchid=known["mchid"], appid=known["appid"], merchant_serial_no=known["merchant_serial_no"],
                        merchant=KeyPair(read("merchant_private.pem"), read("merchant_public.pem")),
                        platform_public_key_id=known["platform_public_key_id"],
                        platform=KeyPair(read("platform_private.pem"), read("platform_public.pem")))
    keys = demo_keys()
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("merchant_private.pem", keys.merchant.private_pem),
                       ("merchant_public.pem", keys.merchant.public_pem),
                       ("platform_private.pem", keys.platform.private_pem),
                       ("platform_public.pem", keys.platform.public_pem)):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        if "private" in name:
            os.chmod(path, 0o600)
    ids.write_text(json.dumps({"mchid": keys.mchid, "appid": keys.appid,
                               "merchant_serial_no": keys.merchant_serial_no,
                               "platform_public_key_id": keys.platform_public_key_id}, indent=2), encoding="utf-8")
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m payment_gateway", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8720)
    parser.add_argument("--db", required=True, help="SQLite file; created on first use")
    parser.add_argument("--keys", default="payment-gateway-keys", help="folder of the keys (made when empty)")
    parser.add_argument("--control", action="store_true", help="serve /_control (behaviours, orders): tests only")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    keys = load_or_make_keys(Path(args.keys))
    server = GatewayServer(gateway_config_for(keys, args.db, control=args.control), host=args.host, port=args.port,
                           threads=args.threads)
    print(f"payment gateway on {server.base_url} (merchant {keys.mchid}, platform key {keys.platform_public_key_id},"
          f" keys in {args.keys})", file=sys.stderr)
    signal.signal(signal.SIGTERM, _interrupt)
    server.serve_forever()
    return 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
