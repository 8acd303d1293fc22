"""The parsers that read bytes from outside the kiosk, as fuzz targets: each takes any bytes and must end in
its value or one of its typed errors — never another exception, never a hang.

    =================  ===========================================  ===================================
    target             what reads the bytes                         typed errors allowed
    =================  ===========================================  ===================================
    idcard_frames      drivers.idcard.protocol.FrameDecoder, then   FrameError (ChecksumMismatch),
                       cardtext.parse_base_reply /                  CardDataError (InvalidIdNumber)
                       parse_captured_reply / identity_from_reply
    printer_status     drivers.printer.status.parse_status and      (none: always a PrinterStatus, or a
                       escpos_reader.read_commands                   list of commands)
    gas_card_layouts   every drivers.gascard.layouts layout's       LayoutError, and ValueError from
                       recognises / decode / records / card()       card() of an inconsistent card
    config_loader      kiosk.config.settings_from_text (TOML and    ConfigError
                       the settings' validation)
    =================  ===========================================  ===================================

Each target also has seeds (valid inputs built with the encoders and the shipped profiles), from which the
fuzzer mutates. tests/fuzz/test_parsers.py runs each briefly under atheris; bench/fuzz.py runs a million.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from domain.demo_citizens import DEMO_CITIZENS
from domain.gas_card import GasCardType, GasPurchase, GasQuantity
from drivers.idcard.cardtext import (identity_from_reply, parse_appended_addresses, parse_base_reply,
                                     parse_captured_reply)
from drivers.idcard.errors import CardDataError, FrameError
from drivers.idcard.protocol import FrameDecoder, encode_response
from drivers.idcard.simulator import card_from_citizen
from drivers.gascard.layouts import LAYOUTS, CardIdentity, GasRecord, LayoutError
from drivers.printer.escpos_reader import read_commands
from drivers.printer.status import PrinterState, parse_status, status_replies
from kiosk.config import ConfigError, settings_from_text

__all__ = ["FuzzTarget", "TARGETS"]

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class FuzzTarget:
    name: str
    run: Callable[[bytes], None]
    seeds: Callable[[], list[bytes]]


def _idcard_frames(data: bytes) -> None:
    decoder = FrameDecoder()
    half = len(data) // 2
    for chunk in (data[:half], data[half:]):             # a frame split across reads, as a serial line does
        decoder.feed(chunk)
        while True:
            try:
                response = decoder.next_response()
            except FrameError:
                continue
            if response is None:
                break
            _card_text(response.data)
    _card_text(data)


def _card_text(data: bytes) -> None:
    for parse in (lambda: parse_base_reply(data, with_fingerprint=False),
                  lambda: parse_base_reply(data, with_fingerprint=True), lambda: parse_captured_reply(data)):
        try:
            identity_from_reply(parse()).wipe()
        except CardDataError:
            pass
    try:
        parse_appended_addresses(data)
    except CardDataError:
        pass


def _idcard_seeds() -> list[bytes]:
    """READ_BASE replies of the demo cards (text, photo) as the simulator sends them, framed and bare."""
    replies = []
    for citizen in DEMO_CITIZENS:
        card = card_from_citizen(citizen)
        replies.append(len(card.text).to_bytes(2, "big") + len(card.photo).to_bytes(2, "big") + card.text + card.photo)
    return [encode_response(0x90, reply) for reply in replies] + replies + [encode_response(0x80)]


def _printer_status(data: bytes) -> None:
    parse_status(data)
    read_commands(data)


def _printer_seeds() -> list[bytes]:
    return [status_replies(state) for state in PrinterState] + [b"\x1b@\x1da\x01hello\n\x1dV\x00"]


def _gas_card_layouts(data: bytes) -> None:
    for layout in LAYOUTS.values():
        if not layout.recognises(data):
            continue
        try:
            decoded = layout.decode(data)
        except LayoutError:
            continue
        decoded.records
        try:
            decoded.card()
        except ValueError:                              # "the card is not consistent": a typed refusal
            pass


def _gas_seeds() -> list[bytes]:
    identity = CardIdentity(GasCardType.USER, "3101002468", "610113004521", "880020241107")
    seeds = []
    for layout in LAYOUTS.values():
        measure = layout.quantity(0).measure
        record = GasRecord(GasPurchase(3, GasQuantity(measure, 1500)), awaiting_meter=True, sequence=1)
        seeds.append(layout.issue(identity, record))
    return seeds


def _config_loader(data: bytes) -> None:
    try:
        settings_from_text(data.decode("utf-8", "replace"), ROOT / "config" / "fuzzed.toml")
    except ConfigError:
        pass


def _config_seeds() -> list[bytes]:
    return [path.read_bytes() for path in sorted((ROOT / "config").glob("*.toml"))]


TARGETS: dict[str, FuzzTarget] = {target.name: target for target in (
    FuzzTarget("idcard_frames", _idcard_frames, _idcard_seeds),
    FuzzTarget("printer_status", _printer_status, _printer_seeds),
    FuzzTarget("gas_card_layouts", _gas_card_layouts, _gas_seeds),
    FuzzTarget("config_loader", _config_loader, _config_seeds),
)}


def _self_check(data: bytes) -> None:
    """A target that fails on any input with a byte 0x4B: proves the harness reports a crash."""
    if b"K" in data:
        raise KeyError("the harness must report this")


# Not a parser: run by tests/fuzz/test_parsers.py to prove that a crash is caught.
SELF_CHECK = FuzzTarget("self_check", _self_check, lambda: [b"a"])
