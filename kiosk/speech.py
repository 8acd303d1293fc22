"""Spoken prompts on the key steps ("请将身份证放在感应区", "请取走号票") through espeak-ng, an offline
text-to-speech engine that speaks Mandarin, in its own process, so speaking never blocks the UI.

    speaker = Speaker(enabled=settings.speech.enabled)
    speaker.say("请将身份证放在感应区", "zh")     # returns at once; a newer prompt cuts off an older one
    speaker.close()

Without espeak-ng installed the kiosk stays silent and says why in the log; speech is a help, never a
condition. `output_dir` writes each utterance to a WAV file instead of the loudspeaker (tests, and a
technician checking the voice on a machine without speakers).
"""

from __future__ import annotations

import itertools
import logging
import queue
import shutil
import subprocess
import threading
from pathlib import Path

__all__ = ["Speaker", "VOICES"]

log = logging.getLogger(__name__)

VOICES = {"zh": "cmn", "en": "en"}  # espeak-ng voice names: Mandarin, English
_STOP = object()


class Speaker:
    def __init__(self, *, enabled: bool = True, rate_wpm: int = 150, volume: int = 100,
                 command: str = "espeak-ng", output_dir: Path | None = None) -> None:
        self._executable = shutil.which(command) if enabled else None
        if enabled and self._executable is None:
            log.warning("spoken prompts are off: %s is not installed (Debian package espeak-ng)", command)
        self._rate = rate_wpm
        self._volume = volume
        self._output_dir = output_dir
        self._counter = itertools.count(1)
        self._prompts: "queue.Queue[object]" = queue.Queue()
        self._current: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._quiet = threading.Condition()
        self._unspoken = 0  # prompts queued or being spoken
        self._thread: threading.Thread | None = None
        if self._executable is not None:
            self._thread = threading.Thread(target=self._run, name="speaker", daemon=True)
            self._thread.start()

    @property
    def enabled(self) -> bool:
        return self._thread is not None

    def say(self, text: str, language: str) -> None:
        """Queue a prompt and return at once; what is being spoken now is cut off."""
        if self._thread is None or not text.strip():
            return
        self._interrupt()
        with self._quiet:
            self._unspoken += 1
        self._prompts.put((text, VOICES.get(language, VOICES["zh"])))

    def wait_until_quiet(self, timeout: float = 30) -> bool:
        """Wait (bounded) until every queued prompt has been spoken; for tests and an orderly exit."""
        with self._quiet:
            return self._quiet.wait_for(lambda: self._unspoken == 0, timeout)

    def _spoken(self) -> None:
        with self._quiet:
            self._unspoken -= 1
            self._quiet.notify_all()

    def close(self) -> None:
        if self._thread is not None:
            self._interrupt()
            self._prompts.put(_STOP)
            self._thread.join(timeout=5)
            self._thread = None

    def _interrupt(self) -> None:
        while True:  # drop prompts nobody has heard yet: only the newest matters
            try:
                dropped = self._prompts.get_nowait()
            except queue.Empty:
                break
            if dropped is not _STOP:
                self._spoken()
        with self._lock:
            if self._current is not None and self._current.poll() is None:
                self._current.terminate()

    def _run(self) -> None:
        while True:
            prompt = self._prompts.get()
            if prompt is _STOP:
                return
            text, voice = prompt
            arguments = [self._executable, "-v", voice, "-s", str(self._rate), "-a", str(self._volume)]
            if self._output_dir is not None:
                arguments += ["-w", str(self._output_dir / f"prompt-{next(self._counter):04d}.wav")]
            try:
                with self._lock:
                    self._current = subprocess.Popen(arguments + ["--", text], stdin=subprocess.DEVNULL,
                                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                self._current.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired) as error:
                log.warning("spoken prompt failed: %s", type(error).__name__)
            finally:
                self._spoken()
