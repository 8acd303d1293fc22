"""A faithful SAM module simulator on a pseudo-terminal, for the demo profile and the tests.

The real `SerialCardReader` connects to `Simulator.port` (a stable symlink to the current pty) and
runs unchanged. Replies are paced at the configured baud rate, so wire time is real; tests use a
high baud where it does not matter. Everything is scriptable from Python (the demo's hidden
"place a card" control uses the same calls)::

    simulator = Simulator(baud=115200).start()
    simulator.place_card(card_from_citizen(demo_citizen("resident")))
    simulator.inject(Fault.BAD_CHECKSUM)                 # the next READ_BASE reply is corrupt
    simulator.inject(Fault.STATUS, status=0x41)          # ... or answers "read failed"
    simulator.unplug(); simulator.replug()
    simulator.remove_card(); simulator.stop()

`SamModule` is the protocol model without any transport (the vendor-SDK test fake reuses it).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pty
import select
import shutil
import struct
import tempfile
import threading
import time
import tty
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from enum import Enum

from domain.demo_citizens import DemoCitizen
from domain.identity import CardType, Gender
from drivers.idcard.cardtext import encode_appended_addresses, encode_text_block
from drivers.idcard.errors import ChecksumMismatch
from drivers.idcard.protocol import (
    BAUD_RATES,
    MIN_COMMAND_LENGTH,
    Command,
    FrameDecoder,
    encode_response,
    wire_time,
)

__all__ = ["SimulatedCard", "card_from_citizen", "SamModule", "Fault", "Simulator"]

log = logging.getLogger(__name__)

SAM_ID_FIELDS = (5, 1, 20101213, 11024553, 1234567890)   # formats as 05.01-20101213-0011024553-1234567890
# Card-originated failures carry the card's own SW1 SW2 (GA/T 467 shows them as "XX XX").
_CARD_SW = (0x6A, 0x82)
_CARD_ORIGINATED = {0x31, 0x41, 0x47, 0x81}
_SPEED_OF_INDEX = {index: baud for baud, index in BAUD_RATES.items()}
_COMMAND_ERROR = (0, 0, 0x21, b"")


def _ok(payload: bytes = b"") -> tuple[int, int, int, bytes]:
    return 0, 0, 0x90, payload


@dataclass(frozen=True)
class SimulatedCard:
    """What a card's chip holds, as bytes: the 256-byte text block, the WLT photo, fingerprints."""

    text: bytes
    photo: bytes
    fingerprint: bytes = b""
    appended_addresses: tuple[str, ...] = ()
    label: str = "card"


def _fake_bytes(seed: str, size: int, prefix: bytes = b"") -> bytes:
    stream = b"".join(hashlib.sha256(f"{seed}/{i}".encode()).digest() for i in range(size // 32 + 1))
    return (prefix + stream)[:size]


def card_from_citizen(
    citizen: DemoCitizen,
    *,
    appended_addresses: tuple[str, ...] = (),
    fingerprint_size: int | None = None,
    text_override: bytes | None = None,
) -> SimulatedCard:
    """A demo citizen's card. Fields the demo list lacks are derived: the permit's pass number
    (H/M + birth date), issue/renewal counts ("01"/"00"), the 2017 card version ("01"), a fake WLT
    photo starting "WLf", and fingerprints (none on cards issued before 2013, when they began)."""
    card_type = CardType(citizen.card_type)
    fields: dict[str, object] = dict(
        name=citizen.name, english_name=citizen.english_name, gender=Gender.from_code(citizen.gender),
        birth_date=citizen.birth_date, address=citizen.address, id_number=citizen.id_number,
        issuing_authority=citizen.issuing_authority, valid_from=citizen.valid_from,
        valid_until=citizen.valid_until, nationality=citizen.nationality, nation_code=citizen.nation_code,
        card_version="01", renewal_count="00", issue_count="01",
        pass_number=("M" if citizen.id_number.startswith("82") else "H") + citizen.birth_date.strftime("%Y%m%d"),
    )
    if fingerprint_size is None:
        fingerprint_size = 0 if citizen.valid_from.year < 2013 else 1024
    return SimulatedCard(
        text=text_override if text_override is not None else encode_text_block(card_type, fields),
        photo=_fake_bytes(citizen.key, 1024, prefix=b"WLf\x00~\x002\x00\x00\xff"),
        fingerprint=_fake_bytes(citizen.key + "/fp", fingerprint_size),
        appended_addresses=appended_addresses,
        label=citizen.key,
    )


class _CardState(Enum):
    ABSENT = "absent"
    NEW = "new"            # placed, not yet found
    FOUND = "found"
    SELECTED = "selected"
    READ = "read"          # authenticated: find says 0x80 until re-placed, 30 03 still answers
    SPENT = "spent"        # a read failed: must be removed and re-placed


class SamModule:
    """The SAM module's behaviour (GA/T 467), transport-free and thread-safe."""

    def __init__(self, baud: int = 115200) -> None:
        self._lock = threading.Lock()
        self.baud = baud
        self.card: SimulatedCard | None = None
        self._state = _CardState.ABSENT
        self.sam_fault: int | None = None      # 0x60 self-test failed, 0x66 not authorised
        self.commands_seen: Counter[Command | None] = Counter()   # how often each command arrived

    def place(self, card: SimulatedCard) -> None:
        with self._lock:
            self.card, self._state = card, _CardState.NEW

    def remove(self) -> None:
        with self._lock:
            self.card, self._state = None, _CardState.ABSENT

    def spoil_card(self) -> None:
        """An injected card error happened: like a real module, insist the card is re-placed."""
        with self._lock:
            if self.card is not None:
                self._state = _CardState.SPENT

    def handle(self, code: int, para: int, data: bytes) -> tuple[int, int, int, bytes]:
        """(SW1, SW2, SW3, data) for one command frame body."""
        with self._lock:
            command = Command.lookup(code, para)
            self.commands_seen[command] += 1
            if self.sam_fault is not None:
                return 0, 0, self.sam_fault, b""
            if command is None:
                return _COMMAND_ERROR
            return self._handle(command, para, data)

    def _handle(self, command: Command, para: int, data: bytes) -> tuple[int, int, int, bytes]:
        state, card = self._state, self.card
        if command in (Command.SAM_STATUS, Command.RESET_SAM):
            return _ok()
        if command is Command.SAM_ID:
            return _ok(struct.pack("<HHIII", *SAM_ID_FIELDS))
        if command is Command.SET_BAUD:
            return _ok() if para in _SPEED_OF_INDEX else _COMMAND_ERROR
        if command is Command.SET_RF_FRAME_SIZE:
            return _ok() if len(data) == 1 and 24 <= data[0] <= 255 else _COMMAND_ERROR
        if command is Command.FIND_CARD:
            if state in (_CardState.NEW, _CardState.FOUND, _CardState.SELECTED):
                self._state = _CardState.FOUND
                return 0, 0, 0x9F, bytes(4)
            return 0, 0, 0x80, b""
        if command is Command.SELECT_CARD:
            if state in (_CardState.FOUND, _CardState.SELECTED):
                self._state = _CardState.SELECTED
                return _ok(bytes(8))
            return *_CARD_SW, 0x81, b""
        if command is Command.READ_APPENDED_ADDRESS:
            if state is not _CardState.READ or card is None:
                return *_CARD_SW, 0x41, b""
            if not card.appended_addresses:
                return 0, 0, 0x91, b""
            return _ok(encode_appended_addresses(card.appended_addresses))
        # READ_BASE / READ_WITH_FINGERPRINT
        if state not in (_CardState.SELECTED, _CardState.READ) or card is None:
            return *_CARD_SW, 0x41, b""
        self._state = _CardState.READ
        lengths = len(card.text).to_bytes(2, "big") + len(card.photo).to_bytes(2, "big")
        if command is Command.READ_WITH_FINGERPRINT:
            lengths += len(card.fingerprint).to_bytes(2, "big")
            return _ok(lengths + card.text + card.photo + card.fingerprint)
        return _ok(lengths + card.text + card.photo)

    def apply_baud(self, code: int, para: int) -> None:
        """Take the new speed of an accepted baud change (the caller still replies at the old one)."""
        if code == Command.SET_BAUD.code and para in _SPEED_OF_INDEX:
            self.baud = _SPEED_OF_INDEX[para]


class Fault(Enum):
    """Faults on demand. One-shot faults hit the next reply to one command (READ_BASE unless told)."""

    GARBAGE = "garbage"                      # noise before the reply: the driver must resynchronise
    BAD_CHECKSUM = "bad_checksum"            # the reply's XOR byte is wrong
    TRUNCATED = "truncated"                  # only the first half of the reply arrives
    STALL = "stall"                          # no reply at all
    STATUS = "status"                        # the reply carries error status `status`
    SAM_SELF_TEST = "sam_self_test"          # persistent: every command answers 0x60
    SAM_NOT_AUTHORISED = "sam_not_authorised"  # persistent: every command answers 0x66
    UNPLUGGED = "unplugged"                  # the reader disappears (see replug)


# Noise with partial preambles in it, the hard case for resynchronisation.
GARBAGE = bytes.fromhex("1337aaaa9600ffaaaaaa9668550d0aaa")
_FAULT_STATUS = {Fault.SAM_SELF_TEST: 0x60, Fault.SAM_NOT_AUTHORISED: 0x66}


class Simulator:
    """A SAM module on a pty. `port` stays the same path across unplug/replug (a symlink)."""

    def __init__(self, *, baud: int = 115200, card: SimulatedCard | None = None) -> None:
        if baud <= 0:
            raise ValueError("baud must be positive")
        self.module = SamModule(baud)
        if card is not None:
            self.module.place(card)
        self._directory = tempfile.mkdtemp(prefix="idcard-sim-")
        self.port = os.path.join(self._directory, "ttyIDCARD")
        self._faults: dict[Command, deque[tuple[Fault, int]]] = defaultdict(deque)
        self._faults_lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None
        self._wake_read, self._wake_write = os.pipe()
        self._requests: deque[tuple[str, threading.Event]] = deque()
        self._running = False
        self._thread: threading.Thread | None = None

    # -- scripting API ----------------------------------------------------------------------------

    @property
    def baud(self) -> int:
        return self.module.baud

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def place_card(self, card: SimulatedCard | DemoCitizen) -> None:
        """Put a card on the reader (a DemoCitizen is turned into its card)."""
        self.module.place(card_from_citizen(card) if isinstance(card, DemoCitizen) else card)

    def remove_card(self) -> None:
        self.module.remove()

    def inject(self, fault: Fault, *, on: Command = Command.READ_BASE, status: int = 0x41) -> None:
        """Arm a fault. One-shot faults apply to the next reply to `on`; SAM faults persist until
        `clear_faults()`; UNPLUGGED is `unplug()`."""
        if fault is Fault.UNPLUGGED:
            self.unplug()
        elif fault in _FAULT_STATUS:
            self.module.sam_fault = _FAULT_STATUS[fault]
        else:
            with self._faults_lock:
                self._faults[on].append((fault, status))

    def clear_faults(self) -> None:
        self.module.sam_fault = None
        with self._faults_lock:
            self._faults.clear()

    def unplug(self) -> None:
        """The reader disappears: the pty is closed and the port path vanishes."""
        self._request("unplug")

    def replug(self) -> None:
        """The reader comes back at the same port path (a new pty behind it)."""
        self._request("plug")

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> Simulator:
        self._plug()
        self._running = True
        self._thread = threading.Thread(target=self._serve, name="idcard-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        os.write(self._wake_write, b"x")
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._unplug()
        for fd in (self._wake_read, self._wake_write):
            os.close(fd)
        shutil.rmtree(self._directory, ignore_errors=True)

    def __enter__(self) -> Simulator:
        return self.start() if not self._running else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the serving thread -----------------------------------------------------------------------

    def _request(self, what: str) -> None:
        done = threading.Event()
        self._requests.append((what, done))
        os.write(self._wake_write, b"x")
        if not done.wait(timeout=5):
            raise RuntimeError(f"simulator did not {what} within 5 s")

    def _plug(self) -> None:
        if self._master is not None:
            return
        master, slave = pty.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        link = self.port + ".new"
        os.symlink(os.ttyname(slave), link)
        os.replace(link, self.port)

    def _unplug(self) -> None:
        try:
            os.unlink(self.port)
        except FileNotFoundError:
            pass
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    def _serve(self) -> None:
        decoder = FrameDecoder(min_length=MIN_COMMAND_LENGTH)
        while self._running:
            watched = [self._wake_read] + ([self._master] if self._master is not None else [])
            readable, _, _ = select.select(watched, [], [])
            if self._wake_read in readable:
                os.read(self._wake_read, 64)
                self._serve_requests(decoder)
                continue
            try:
                chunk = os.read(self._master, 4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                # A broken pty behaves like a pulled cable; the script can replug().
                self._unplug()
                decoder.clear()
                continue
            decoder.feed(chunk)
            self._answer_frames(decoder)
        self._serve_requests(decoder)

    def _serve_requests(self, decoder: FrameDecoder) -> None:
        while self._requests:
            what, done = self._requests.popleft()
            if what == "unplug":
                self._unplug()
                decoder.clear()
            else:
                self._plug()
            done.set()

    def _answer_frames(self, decoder: FrameDecoder) -> None:
        while True:
            try:
                body = decoder.next_body()
            except ChecksumMismatch:
                self._send(encode_response(0x10), self.module.baud)
                continue
            if body is None:
                return
            # The command took its wire time to arrive; answer no earlier than a real module could.
            self._pause(wire_time(len(body) + 8, self.module.baud))
            code, para, data = body[0], body[1], bytes(body[2:])
            sw1, sw2, sw3, payload = self.module.handle(code, para, data)
            command = Command.lookup(code, para)
            fault, status = self._take_fault(command)
            if fault is Fault.STATUS:
                self.module.spoil_card()
                sw1, sw2 = _CARD_SW if status in _CARD_ORIGINATED else (0, 0)
                sw3, payload = status, b""
            reply = encode_response(sw3, payload, sw1=sw1, sw2=sw2)
            if fault is Fault.STALL:
                continue
            if fault is Fault.GARBAGE:
                reply = GARBAGE + reply
            elif fault is Fault.BAD_CHECKSUM:
                reply = reply[:-1] + bytes([reply[-1] ^ 0x5A])
            elif fault is Fault.TRUNCATED:
                reply = reply[: len(reply) // 2]
            reply_baud = self.module.baud
            if sw3 == 0x90:
                self.module.apply_baud(code, para)   # switch now; the reply still goes out at the old speed
            self._send(reply, reply_baud)

    def _take_fault(self, command: Command | None) -> tuple[Fault | None, int]:
        with self._faults_lock:
            pending = self._faults.get(command) if command is not None else None
            return pending.popleft() if pending else (None, 0)

    def _pause(self, seconds: float) -> None:
        if seconds > 0.0005:
            time.sleep(seconds)

    def _send(self, data: bytes, baud: int) -> None:
        """Write at the wire speed: each ~10 ms chunk leaves when its last byte would have arrived."""
        chunk = max(1, baud // 1000)
        start = time.monotonic()
        for offset in range(0, len(data), chunk):
            piece = data[offset : offset + chunk]
            self._pause(start + wire_time(offset + len(piece), baud) - time.monotonic())
            if not self._write_all(piece):
                return

    def _write_all(self, data: bytes) -> bool:
        while data:
            if self._master is None or not self._running:
                return False
            _, writable, _ = select.select([], [self._master], [], 0.2)
            if not writable:
                if self._requests:
                    return False
                continue
            try:
                data = data[os.write(self._master, data) :]
            except BlockingIOError:
                continue
            except OSError:
                return False
        return True
