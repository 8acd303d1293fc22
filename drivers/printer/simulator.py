"""A thermal printer simulator on a pseudo-terminal or on loopback TCP, for the demo, maintenance mode and tests.

It is a peer on the real wire: the real SerialTransport (pty) or NetworkTransport (TCP) talks to it. It keeps
exactly the bytes a printer would receive, answers DLE EOT at once from a settable state, answers GS r 1 in
buffer order (and, like a real printer, not while stopped), and can save what it got as .bin and .png.

    sim = PrinterSimulator(paper_width_mm=80)
    port = sim.start_pty()                  # or: host, port = sim.start_tcp()
    sim.set_state(PrinterState.PAPER_NEAR_END)
    sim.set_answer_delay(2.0)               # "slow": answers later than a status timeout
    sim.set_silent(True)                    # switched off / unplugged: never answers
    sim.set_answers_paper_sensor(False)     # a model without GS r 1: jobs cannot be confirmed
    sim.run_out_of_paper_after(200)         # the roll ends in the middle of the next job
    sim.wait_for_cuts(1, timeout=5)
    sim.received(); sim.save("out/ticket")  # out/ticket.bin and out/ticket.png
    sim.close()
"""

from __future__ import annotations

import os
import pty
import select
import socket
import threading
import tty
from pathlib import Path

from PIL import Image

from drivers.printer.escpos_reader import CommandStream, blocks_from_bytes
from drivers.printer.preview import render_blocks
from drivers.printer.profiles import paper_for_width
from drivers.printer.status import PrinterState, status_replies

__all__ = ["PrinterSimulator"]

_PRINTING_STATES = (PrinterState.READY, PrinterState.PAPER_NEAR_END)


class PrinterSimulator:
    def __init__(self, paper_width_mm: int = 80) -> None:
        self.paper = paper_for_width(paper_width_mm)
        self._lock = threading.Condition()
        self._state = PrinterState.READY
        self._answer_delay = 0.0
        self._silent = False
        self._answers_gs_r = True
        self._paper_left: int | None = None
        self._received = bytearray()
        self._cuts = 0
        self._stream = CommandStream()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._timers: list[threading.Timer] = []
        self._late_answers = 0
        self._fds: list[int] = []
        self._sockets: list[socket.socket] = []
        self._send = None
        self.address: str | tuple[str, int] | None = None

    # State, settable by the demo app, maintenance mode and tests ---------------------------------------
    @property
    def state(self) -> PrinterState:
        return self._state

    def set_state(self, state: PrinterState) -> None:
        with self._lock:
            self._state = PrinterState(state)

    def set_answer_delay(self, seconds: float) -> None:
        """A slow printer: every answer comes `seconds` late."""
        with self._lock:
            self._answer_delay = max(0.0, seconds)

    def set_silent(self, silent: bool = True) -> None:
        """A printer that never answers (off, wrong port, broken cable): bytes still arrive."""
        with self._lock:
            self._silent = silent

    def set_answers_paper_sensor(self, answers: bool) -> None:
        """False: a model that ignores GS r 1, so jobs are never confirmed (its profile needs confirm_job=false)."""
        with self._lock:
            self._answers_gs_r = answers

    def run_out_of_paper_after(self, byte_count: int) -> None:
        """The roll ends once `byte_count` more bytes have arrived: the job in progress stops half-printed."""
        with self._lock:
            self._paper_left = byte_count

    # What was received ---------------------------------------------------------------------------------
    def received(self) -> bytes:
        with self._lock:
            return bytes(self._received)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()
            self._cuts = 0

    def wait_for_cuts(self, count: int, timeout: float) -> bool:
        """Block until `count` cuts (finished jobs) arrived; False at the deadline."""
        with self._lock:
            return self._lock.wait_for(lambda: self._cuts >= count, timeout)

    def wait_for_bytes(self, size: int, timeout: float) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: len(self._received) >= size, timeout)

    def wait_for_late_answers(self, timeout: float) -> bool:
        """Block until every answer delayed by set_answer_delay has been sent; False at the deadline."""
        with self._lock:
            return self._lock.wait_for(lambda: self._late_answers == 0, timeout)

    def preview(self) -> Image.Image:
        """What the paper would look like after everything received so far."""
        return render_blocks(blocks_from_bytes(self.received()), self.paper)

    def save(self, path_stem: str | os.PathLike) -> tuple[Path, Path]:
        """Write the received bytes to STEM.bin and their rendering to STEM.png."""
        stem = Path(path_stem)
        stem.parent.mkdir(parents=True, exist_ok=True)
        binary, png = stem.with_suffix(".bin"), stem.with_suffix(".png")
        binary.write_bytes(self.received())
        self.preview().save(png)
        return binary, png

    # The wire -----------------------------------------------------------------------------------------
    def start_pty(self) -> str:
        """Listen on a new pseudo-terminal; returns the device path to open as a serial port."""
        master, slave = pty.openpty()
        tty.setraw(slave)      # no echo, no newline translation: a plain 8-bit line like a real UART
        self._fds += [master, slave]
        wake_r, wake_w = os.pipe()
        self._fds += [wake_r, wake_w]
        self._wake = wake_w
        self._send = lambda data: os.write(master, data)
        self.address = os.ttyname(slave)
        self._spawn(self._pty_loop, master, wake_r)
        return self.address

    def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen on loopback TCP like a network printer's port 9100 (port 0: any free port)."""
        server = socket.create_server((host, port))
        server.settimeout(0.1)
        self._sockets.append(server)
        self.address = server.getsockname()[:2]
        self._spawn(self._accept_loop, server)
        return self.address

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, name="printer-simulator", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _pty_loop(self, master: int, wake: int) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([master, wake], [], [])
            if master in ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    return
                self._handle(data)

    def _accept_loop(self, server: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(0.1)
            self._sockets.append(conn)
            self._send = conn.sendall
            self._stream = CommandStream()
            while not self._stop.is_set():
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                self._handle(data)
            conn.close()

    def _handle(self, data: bytes) -> None:
        with self._lock:
            self._received += data
            if self._paper_left is not None:
                self._paper_left -= len(data)
                if self._paper_left <= 0:
                    self._state, self._paper_left = PrinterState.PAPER_OUT, None
            for command in self._stream.feed(data):
                if command.name == "DLE EOT" and 1 <= command.arg <= 4:
                    self._answer(status_replies(self._state)[command.arg - 1])
                elif command.name == "GS r" and command.arg in (1, 49) and self._answers_gs_r \
                        and self._state in _PRINTING_STATES:
                    self._answer(0x03 if self._state is PrinterState.PAPER_NEAR_END else 0x00)
                elif command.name == "GS V":
                    self._cuts += 1
            self._lock.notify_all()

    def _answer(self, value: int) -> None:
        if self._silent or self._send is None:
            return
        send, reply = self._send, bytes((value,))
        if self._answer_delay:
            self._late_answers += 1
            timer = threading.Timer(self._answer_delay, self._send_late, (send, reply))
            timer.daemon = True
            self._timers.append(timer)
            timer.start()
        else:
            self._safe_send(send, reply)

    def _send_late(self, send, reply: bytes) -> None:
        with self._lock:
            self._safe_send(send, reply)
            self._late_answers -= 1
            self._lock.notify_all()

    def _safe_send(self, send, reply: bytes) -> None:
        try:
            send(reply)
        except OSError:
            pass   # the client went away; a real printer's answer would be lost too

    def close(self) -> None:
        self._stop.set()
        for timer in self._timers:
            timer.cancel()
        if hasattr(self, "_wake"):
            os.write(self._wake, b"x")
        for sock in self._sockets:
            sock.close()
        for thread in self._threads:
            thread.join(timeout=5)
        for fd in self._fds:
            os.close(fd)
        self._fds.clear()

    def __enter__(self) -> "PrinterSimulator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
