"""Technician CLI for the bank card terminal module (MIS-POS).

    python -m drivers.bankcard status
    python -m drivers.bankcard sale --order ID --amount FEN
    python -m drivers.bankcard query --order ID
    python -m drivers.bankcard void --order ID
    python -m drivers.bankcard refund --order ID

Every command takes --backend vendor|simulator (default vendor), --library PATH, --device NAME and
--timeout S, like `payments.bankcard` in a profile; the simulator takes --outcome (approved, declined,
no_card, card_removed, pin_cancelled, hang, hang_approved) for its sale. Output is JSON on stdout, one line
per progress event and then the result; card numbers are always masked (first 6, last 4) and the PIN is
typed on the module's own pad, never here.

`status` opens the module and tells what is in its slot. `sale` takes real money on a real terminal: use a
test card, then `void` the same order.

Exit status: 0 done (a declined sale is done: the bank answered); 2 bad usage or input; 3 a terminal or
library fault (cannot open the module, the library failed or hung and was killed).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence, TextIO

from domain.payment import PaymentProgress
from drivers.bankcard import BACKENDS, CardTransaction, MisPosTerminal, open_terminal
from drivers.bankcard.errors import BankCardError

EXIT_OK, EXIT_USAGE, EXIT_FAULT = 0, 2, 3


def _print(data: object, out: TextIO) -> None:
    out.write(json.dumps(data, ensure_ascii=False) + "\n")
    out.flush()


def _result(transaction: CardTransaction) -> dict[str, object]:
    return {"result": transaction.status.value, "order": transaction.order_id, "amount_fen": transaction.amount_fen,
            "response_code": transaction.response_code, "card": transaction.card,
            "reference": transaction.reference, "auth_code": transaction.auth_code, "trace": transaction.trace}


def _open(args: argparse.Namespace) -> MisPosTerminal:
    terminal = open_terminal(args.backend, library_path=args.library or "", device=args.device,
                             timeout_s=args.timeout, card_wait_s=args.card_wait, pin_wait_s=args.card_wait)
    if args.backend == "simulator" and args.outcome:
        from drivers.bankcard.simulator import Outcome

        terminal.link.script(Outcome(args.outcome))  # type: ignore[attr-defined]
    return terminal


def run(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as terminal:
        if args.command == "status":
            terminal.link.open()
            _print({"result": "ready", "terminal": terminal.description,
                    "slot": terminal.link.check_card().name.lower()}, out)
            return EXIT_OK
        if args.command == "sale":
            def show(event: PaymentProgress) -> None:
                _print({"progress": event.step.value, "seconds_left": event.seconds_left}, out)

            _print(_result(terminal.sale(args.order, args.amount, progress=show)), out)
        else:
            operation = {"query": terminal.query, "void": terminal.void, "refund": terminal.refund}[args.command]
            _print(_result(operation(args.order)), out)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m drivers.bankcard", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--backend", choices=BACKENDS, default="vendor")
    common.add_argument("--library", help="the terminal module's library, for --backend vendor")
    common.add_argument("--device", default="", help="the module's device as its library names it (/dev/ttyS1)")
    common.add_argument("--timeout", type=float, default=10.0, help="seconds per library call")
    common.add_argument("--card-wait", type=float, default=60.0, help="seconds to insert the card and type the PIN")
    common.add_argument("--outcome", help="the simulator's outcome for the sale")
    order = argparse.ArgumentParser(add_help=False)
    order.add_argument("--order", required=True, help="the merchant order number (6..32 letters and digits)")

    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", parents=[common], help="open the module and tell what is in its slot")
    sale = sub.add_parser("sale", parents=[common, order], help="take an amount from a card (real money!)")
    sale.add_argument("--amount", type=int, required=True, help="in fen")
    sub.add_parser("query", parents=[common, order], help="what the terminal holds for an order")
    sub.add_parser("void", parents=[common, order], help="undo an order's sale (撤销/冲正)")
    sub.add_parser("refund", parents=[common, order], help="refund an order's sale (退货)")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_OK if exit_.code == 0 else EXIT_USAGE
    try:
        return run(args, out)
    except BankCardError as error:
        _print({"result": "error", "code": error.code, "error_type": type(error).__name__, "error": str(error)}, out)
        return EXIT_FAULT
    except (ValueError, TypeError) as error:
        _print({"result": "error", "code": "bad_input", "error_type": type(error).__name__, "error": str(error)},
               out)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
