"""A private pcscd with one vsmartcard virtual reader, for tests, the bench and `simulate --private`.

Debian's pcscd 1.9.9 always serves /run/pcscd/pcscd.comm (and refuses to start while that holds
another pcscd's pid file), and vpcd's reader listens on every address. So the private instance runs in
mount and network namespaces of its own (`unshare`, as root):

* /run/pcscd is bind-mounted from a private folder: clients reach it with PCSCLITE_CSOCK_NAME set to
  `<folder>/pcscd.comm`, a system pcscd is untouched, and parallel runs do not collide;
* its network namespace has only loopback: the virtual reader's port (35963) is reachable from this
  process alone (a thread enters the namespace to connect), never from the network;
* its reader.conf folder holds only the virtual reader.

    with PrivatePcscd() as pcscd:                     # sets PCSCLITE_CSOCK_NAME for this process
        card_slot = VpcdCardClient(pcscd.connector())
        card_slot.insert(demo_card())
        ...                                           # pyscard sees "Gas Virtual Reader 00 00"

libpcsclite reads PCSCLITE_CSOCK_NAME once per process: start the private pcscd before this process
first talks PC/SC. `restart()` keeps the same folder, so the socket path stays valid.
"""

from __future__ import annotations

import ctypes
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

__all__ = ["PrivatePcscd", "PcscdUnavailable", "READER_NAME", "VPCD_PORT", "vpcd_driver_path"]

READER_NAME = "Gas Virtual Reader"
VPCD_PORT = 35963
CLONE_NEWNET = 0x40000000
SOCKET_ENV = "PCSCLITE_CSOCK_NAME"

# Runs inside the new namespaces, then becomes pcscd (same pid): bind the private folder over
# /run/pcscd, bring loopback up (SIOCGIFFLAGS/SIOCSIFFLAGS), exec pcscd in the foreground.
_LAUNCHER = r"""
import ctypes, fcntl, os, socket, struct, sys
run, conf, pcscd = sys.argv[1:4]
libc = ctypes.CDLL(None, use_errno=True)
os.makedirs("/run/pcscd", exist_ok=True)
if libc.mount(run.encode(), b"/run/pcscd", None, 4096, None) != 0:
    sys.exit("bind-mounting the private folder over /run/pcscd failed: " + os.strerror(ctypes.get_errno()))
probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flags = struct.unpack("16sH", fcntl.ioctl(probe, 0x8913, struct.pack("16sH", b"lo", 0)))[1]
fcntl.ioctl(probe, 0x8914, struct.pack("16sH", b"lo", flags | 1))
os.execv(pcscd, [pcscd, "--foreground", "--config", conf] + sys.argv[4:])
"""


class PcscdUnavailable(RuntimeError):
    """The private pcscd cannot be started here; the message says what is missing."""


def vpcd_driver_path() -> str:
    """Where Debian's vsmartcard-vpcd put its pcscd driver."""
    for pattern in ("/usr/lib/pcsc/drivers/serial/libifdvpcd.so*", "/usr/lib/*/pcsc/drivers/serial/libifdvpcd.so*",
                    "/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so*"):
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    raise PcscdUnavailable("vsmartcard's virtual reader driver (libifdvpcd.so) is not installed: "
                           "run ./bootstrap.sh (apt-get install vsmartcard-vpcd)")


class PrivatePcscd:
    def __init__(self, *, debug: bool = False) -> None:
        self.debug = debug
        self.folder: Path | None = None
        self._process: subprocess.Popen | None = None
        self._log = None

    def __enter__(self) -> "PrivatePcscd":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop(remove_folder=True)

    @property
    def socket_path(self) -> Path:
        assert self.folder is not None, "start() first"
        return self.folder / "run" / "pcscd.comm"

    @property
    def environment(self) -> dict[str, str]:
        """What another process needs to talk to this pcscd."""
        return {SOCKET_ENV: str(self.socket_path)}

    @property
    def reader(self) -> str:
        return f"{READER_NAME} 00 00"

    @property
    def log_path(self) -> Path:
        assert self.folder is not None
        return self.folder / "pcscd.log"

    def start(self, timeout: float = 15.0) -> "PrivatePcscd":
        pcscd = shutil.which("pcscd") or "/usr/sbin/pcscd"
        unshare = shutil.which("unshare")
        if not os.path.exists(pcscd):
            raise PcscdUnavailable("pcscd is not installed: run ./bootstrap.sh (apt-get install pcscd)")
        if unshare is None:
            raise PcscdUnavailable("unshare (util-linux) is missing")
        driver = vpcd_driver_path()
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="gascard-pcscd-"))
            (self.folder / "run").mkdir()
            (self.folder / "conf").mkdir()
            (self.folder / "conf" / "vpcd").write_text(
                f'FRIENDLYNAME "{READER_NAME}"\nDEVICENAME   /dev/null:{VPCD_PORT}\n'
                f"LIBPATH      {driver}\nCHANNELID    {VPCD_PORT}\n")
        # This process waits for the reader through PC/SC, so it must talk to this pcscd.
        current = os.environ.get(SOCKET_ENV)
        if current not in (None, str(self.socket_path)):
            raise PcscdUnavailable(f"this process already talks to the pcscd at {current}; libpcsclite "
                                   "reads PCSCLITE_CSOCK_NAME once, so start the private pcscd first")
        os.environ[SOCKET_ENV] = str(self.socket_path)
        self._log = open(self.log_path, "ab")
        arguments = [unshare, "--mount", "--net", "--propagation", "private", "--",
                     sys.executable, "-c", _LAUNCHER, str(self.folder / "run"), str(self.folder / "conf"), pcscd]
        if self.debug:
            arguments.append("--debug")
        self._process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=self._log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        from smartcard import scard

        deadline = time.monotonic() + timeout
        while True:
            if self._process is not None and self._process.poll() is not None:
                log = self.log_path.read_text(errors="replace")[-2000:]
                raise PcscdUnavailable(
                    f"the private pcscd exited with status {self._process.returncode} "
                    f"(private pcscd needs root for its namespaces, as on CI):\n{log}")
            hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hresult == scard.SCARD_S_SUCCESS:
                hresult, names = scard.SCardListReaders(context, [])
                scard.SCardReleaseContext(context)
                if hresult == scard.SCARD_S_SUCCESS and self.reader in names:
                    return
            if time.monotonic() > deadline:
                self.stop()
                raise PcscdUnavailable(f"the private pcscd did not list {self.reader!r} within {timeout} s; "
                                       f"see {self.log_path}")
            time.sleep(0.01)   # polling the reader list with a deadline

    def connector(self) -> Callable[[], socket.socket]:
        """Connects to the virtual reader's port inside this pcscd's network namespace."""
        def connect() -> socket.socket:
            if self._process is None or self._process.poll() is not None:
                raise ConnectionRefusedError("the private pcscd is not running")
            path = f"/proc/{self._process.pid}/ns/net"
            outcome: dict[str, object] = {}

            def inside() -> None:
                # Namespaces are per thread: this short-lived thread joins pcscd's and makes the socket,
                # which stays in that namespace for whoever uses it afterwards.
                try:
                    descriptor = os.open(path, os.O_RDONLY)
                    try:
                        if ctypes.CDLL(None, use_errno=True).setns(descriptor, CLONE_NEWNET) != 0:
                            raise OSError(ctypes.get_errno(), f"setns {path}")
                    finally:
                        os.close(descriptor)
                    outcome["socket"] = socket.create_connection(("127.0.0.1", VPCD_PORT), timeout=5)
                except OSError as error:
                    outcome["error"] = error

            thread = threading.Thread(target=inside, name="vpcd-connect")
            thread.start()
            thread.join()
            if "error" in outcome:
                raise outcome["error"]  # type: ignore[misc]
            return outcome["socket"]  # type: ignore[return-value]

        return connect

    def stop(self, *, remove_folder: bool = False) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None
        if remove_folder and self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def restart(self, timeout: float = 15.0) -> None:
        self.stop()
        self.start(timeout)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None
