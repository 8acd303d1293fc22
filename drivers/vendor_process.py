"""A vendor library (.so / .dll) in a child process, each call bounded by a timeout: parent side and child loop.

Vendor libraries hang (a device that stops answering, a dialog box in a DLL, a lost USB handle), and a hung
ctypes call cannot be interrupted. So each driver that uses one (gas-card readers, the bank card terminal)
loads it in a child process, `python -m <module> ARGS...`, and talks to it in JSON lines: the parent sends
`[function, *arguments]`, the child answers `{"ok": result}` or `{"error": text}`. A call that does not
answer within its timeout gets the child killed; the next call starts a fresh one.

    child = VendorProcess("drivers.bankcard.vendor", [library_path], timeout_s=10,
                          description="libums.so", hung=TerminalHung, failed=VendorLibraryError)
    child.call("init")                       # → the child's answer, or raises hung(...) / failed(...)
    child.close("close")                     # a last polite call, then the process is ended

    # in the child module:
    if __name__ == "__main__":
        serve(library.call)                  # RuntimeError from a call becomes {"error": text}

This module holds no device knowledge and no citizen-facing text; the drivers give it their own typed errors.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
from typing import Any, Callable

__all__ = ["VendorProcess", "serve", "child_environment"]


def child_environment() -> dict[str, str]:
    """This environment, with the project importable by the child wherever it is started from."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


class VendorProcess:
    """The parent's end: starts the child on first use, bounds every call, kills a child that overruns."""

    def __init__(self, module: str, arguments: list[str], *, timeout_s: float, description: str,
                 hung: Callable[[str], Exception], failed: Callable[[str], Exception]) -> None:
        self.module = module
        self.arguments = list(arguments)
        self.timeout_s = timeout_s
        self.description = description
        self._hung = hung
        self._failed = failed
        self._lock = threading.RLock()
        self._child: subprocess.Popen | None = None
        self.starts = 0         # how many child processes were started (a killed one is replaced)

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None and self._child.poll() is None else None

    def _start(self) -> subprocess.Popen:
        if self._child is None or self._child.poll() is not None:
            self._child = subprocess.Popen(
                [sys.executable, "-m", self.module, *self.arguments],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_environment())
            self.starts += 1
        return self._child

    def kill(self) -> None:
        with self._lock:
            child, self._child = self._child, None
            if child is not None:
                child.kill()
                child.wait(timeout=5)
                for stream in (child.stdin, child.stdout, child.stderr):
                    if stream is not None:
                        stream.close()

    def call(self, function: str, *arguments: Any, timeout_s: float | None = None) -> Any:
        """The child's answer to one call; `hung` after the timeout (the child is killed), `failed` when the
        library reports an error or its process dies."""
        limit = self.timeout_s if timeout_s is None else timeout_s
        with self._lock:
            child = self._start()
            try:
                child.stdin.write((json.dumps([function, *arguments]) + "\n").encode())  # type: ignore[union-attr]
                child.stdin.flush()  # type: ignore[union-attr]
            except BrokenPipeError:
                return self._died(function)
            ready, _, _ = select.select([child.stdout], [], [], limit)
            if not ready:
                self.kill()
                raise self._hung(f"{function} in {self.description} did not return within {limit} s; "
                                 "the library's process was killed")
            line = child.stdout.readline()  # type: ignore[union-attr]
            if not line:
                return self._died(function)
            reply = json.loads(line)
            if "error" in reply:
                raise self._failed(f"{function}: {reply['error']}")
            return reply["ok"]

    def _died(self, function: str) -> Any:
        child = self._child
        errors = child.stderr.read().decode(errors="replace")[-500:] if child and child.stderr else ""
        status = child.wait(timeout=5) if child else None
        self.kill()
        raise self._failed(f"the vendor library's process ended during {function} "
                           f"(status {status}): {errors.strip()}")

    def close(self, farewell: str | None = None) -> None:
        """End the child: first `farewell` (the library's own close call) if it is alive, then the process."""
        with self._lock:
            if farewell and self._child is not None and self._child.poll() is None:
                try:
                    self.call(farewell)
                except Exception:   # closing a library that already failed: the kill below ends it anyway
                    pass
            self.kill()


def serve(call: Callable[..., Any], *, errors: tuple[type[BaseException], ...] = (RuntimeError,)) -> None:
    """The child's loop: one JSON line in, one out, until stdin closes. `errors` become {"error": text}."""
    for line in sys.stdin:
        function, *arguments = json.loads(line)
        try:
            reply: dict[str, Any] = {"ok": call(function, *arguments)}
        except errors as error:
            reply = {"error": str(error)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
