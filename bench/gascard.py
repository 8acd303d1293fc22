"""Benchmark: gas card inserted → card value ready, and write + read-back, over the virtual reader.

    sudo .venv/bin/python bench/gascard.py [--rounds 30] [--card volume|amount]

Runs the real chain (pyscard → a private pcscd → vsmartcard's vpcd → the project's virtual card; root,
for the private pcscd's namespaces). Each figure stands beside its I/O floor: the same APDUs,
recorded from the driver and replayed straight through pyscard on a fresh connection, with no
driver around them. The difference is the driver's overhead (reader lookup, ATR check, layout
decoding, PSC bookkeeping, read-back comparison); the goal is at most 20 ms.

"Inserted" is the moment PC/SC reports the card: pcscd itself finds a new card by polling its readers
(0.4 s), which no driver can shorten; that delay is printed apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.gas_card import GasQuantity  # noqa: E402
from drivers.gascard import open_reader  # noqa: E402
from drivers.gascard.emulator import MemoryCard, VpcdCardClient, demo_card  # noqa: E402
from drivers.gascard.vpcd import PrivatePcscd  # noqa: E402


def figures(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return (f"median {statistics.median(ordered) * 1000:6.2f} ms  p95 {p95 * 1000:6.2f} ms  "
            f"min {ordered[0] * 1000:6.2f} ms  max {ordered[-1] * 1000:6.2f} ms")


class Recorder:
    """Wraps the link's transmit to note the APDUs the driver sends."""

    def __init__(self, link) -> None:
        self.link = link
        self.genuine = link._transmit
        self.apdus: list[bytes] = []
        link._transmit = self._transmit

    def _transmit(self, apdu: bytes):
        self.apdus.append(bytes(apdu))
        return self.genuine(apdu)


def replay(reader_name: str, apdus: list[bytes]) -> float:
    """The I/O floor: connect and send these APDUs through pyscard, nothing else."""
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert hresult == scard.SCARD_S_SUCCESS
    try:
        started = time.perf_counter()
        hresult, card, protocol = scard.SCardConnect(context, reader_name, scard.SCARD_SHARE_SHARED,
                                                     scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        assert hresult == scard.SCARD_S_SUCCESS, scard.SCardGetErrorMessage(hresult)
        for apdu in apdus:
            hresult, _response = scard.SCardTransmit(card, protocol, list(apdu))
            assert hresult == scard.SCARD_S_SUCCESS
        elapsed = time.perf_counter() - started
        scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
        return elapsed
    finally:
        scard.SCardReleaseContext(context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--card", default="volume", choices=("volume", "amount"))
    args = parser.parse_args()

    with PrivatePcscd() as pcscd:
        slot = VpcdCardClient(pcscd.connector())
        card = demo_card(args.card)
        assert isinstance(card, MemoryCard)
        reader = open_reader("pcsc", reader=pcscd.reader)
        recorder = Recorder(reader.link)
        print(f"gas card ({card.family.value}, {args.card}) over pyscard → private pcscd → vpcd → virtual card, "
              f"{args.rounds} rounds")

        detection, ready, read_floor, read_apdus = [], [], [], []
        for _ in range(args.rounds):
            inserted = time.perf_counter()
            slot.insert(card)
            assert reader.wait_for_card(5)
            reported = time.perf_counter()
            recorder.apdus.clear()
            value = reader.read()
            ready.append(time.perf_counter() - reported)
            detection.append(reported - inserted)
            read_apdus = list(recorder.apdus)
            read_floor.append(replay(pcscd.reader, read_apdus))
            slot.remove()
            assert reader.wait_for_removal(5)
        slot.insert(card)
        assert reader.wait_for_card(5)

        written, write_floor = [], []
        gas = GasQuantity.volume(200) if args.card == "volume" else GasQuantity.amount(5000)
        for _ in range(args.rounds):
            value = reader.read()
            reader.link.disconnect()              # every write starts like a fresh card: connect included
            recorder.apdus.clear()
            started = time.perf_counter()
            value = reader.write(value.next_purchase(gas))
            written.append(time.perf_counter() - started)
            write_apdus = list(recorder.apdus)
            write_floor.append(replay(pcscd.reader, write_apdus))
            card.meter_takes_gas()
        slot.remove()
        reader.close()

    def overhead(samples: list[float], floor: list[float]) -> str:
        return f"{(statistics.median(samples) - statistics.median(floor)) * 1000:+.2f} ms (goal <= +20 ms)"

    rows = [
        ("pcscd notices the card (its reader poll, 0.4 s)", figures(detection)),
        ("card reported -> GasCard ready", figures(ready)),
        (f"  I/O floor: connect + the same {len(read_apdus)} APDUs", figures(read_floor)),
        ("  driver overhead (median)", overhead(ready, read_floor)),
        (f"write + read-back ({len(write_apdus)} APDUs)", figures(written)),
        (f"  I/O floor: connect + the same {len(write_apdus)} APDUs", figures(write_floor)),
        ("  driver overhead (median)", overhead(written, write_floor)),
    ]
    for label, value in rows:
        print(f"  {label:50s}: {value}")


if __name__ == "__main__":
    main()
