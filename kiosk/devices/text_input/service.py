"""The kiosk's Chinese input, run on a thread of its own: the handwriting recogniser and librime's session are
owned by that one thread (librime's sessions are not thread-safe; zinnia's recogniser is not shared), set up
there at start-up (librime's deploy, 0.4 s the first time), and every result comes back through `deliver`
(the app's "run this on the UI thread"), so the screens never wait and never touch the libraries.

    service = TextInputService(settings.data_dir, deliver=app.deliver)
    service.start(on_ready=...)                            # once, at first use: a missing method is only reported
    service.recognise(strokes, width=300, height=300, on_result=pad.show_guesses)
    service.pinyin(lambda session: session.type_letters("tousu"), on_result=keyboard.show)
    service.methods()                                      # ("handwriting", "pinyin"): what works here
    service.reset()                                        # the session ended: drop any half-typed pinyin

A method whose library or data is missing is `unavailable` (with the Debian package to install) and the
screens offer what remains — the phrase chips and the letter keyboard that need neither. No text is logged.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from kiosk.devices.text_input.errors import InputMethodUnavailable, TextInputError
from kiosk.devices.text_input.handwriting import N_BEST, Guess, Recogniser, Stroke, ZinniaRecogniser
from kiosk.devices.text_input.pinyin import PinyinSession, PinyinState, Rime

__all__ = ["TextInputService", "MethodStatus", "METHODS", "append_within", "probe_methods"]

log = logging.getLogger(__name__)

METHODS = ("handwriting", "pinyin")
RIME_FOLDER = "rime"      # in the data folder: librime's compiled schema (nothing the citizen typed)


@dataclass(frozen=True)
class MethodStatus:
    state: str              # "starting" | "ready" | "unavailable" (not installed) | "failed"
    detail: str = ""        # for the technician: what is missing and which package provides it

    @property
    def usable(self) -> bool:
        return self.state in ("starting", "ready")


def append_within(text: str, addition: str, max_length: int) -> str:
    """`text` with as much of `addition` as the limit allows (a candidate longer than the room left is cut)."""
    return text + addition[:max(0, max_length - len(text))]


def probe_methods(open_recogniser: Callable[[], Recogniser] = ZinniaRecogniser.open,
                  load_rime: Callable[[], Rime] = Rime.load) -> dict[str, MethodStatus]:
    """Whether each method's library and data are installed, for the maintenance diagnostics. Opens the
    recogniser briefly (10 ms) and loads librime without starting it: safe beside a running kiosk."""
    statuses = {}
    for method, probe in (("handwriting", lambda: open_recogniser().close()), ("pinyin", load_rime)):
        try:
            probe()
            statuses[method] = MethodStatus("ready")
        except TextInputError as error:
            state = "unavailable" if isinstance(error, InputMethodUnavailable) else "failed"
            statuses[method] = MethodStatus(state, str(error))
    return statuses


class TextInputService:
    def __init__(self, data_dir: Path, deliver: Callable[[Callable[[], None]], None], *,
                 open_recogniser: Callable[[], Recogniser] = ZinniaRecogniser.open,
                 load_rime: Callable[[], Rime] = Rime.load, page_size: int = 6) -> None:
        self._rime_dir = Path(data_dir) / RIME_FOLDER
        self._deliver = deliver
        self._open_recogniser = open_recogniser
        self._load_rime = load_rime
        self._page_size = page_size
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="text-input")
        self._recogniser: Recogniser | None = None
        self._session: PinyinSession | None = None
        self._statuses = {method: MethodStatus("starting") for method in METHODS}
        self._errors: dict[str, TextInputError] = {}
        self._lock = threading.Lock()
        self._started = False
        self._stopped = False
        self._opened: Future | None = None

    # --- life cycle ---------------------------------------------------------------------------------

    def start(self, on_ready: Callable[[], None] | None = None) -> Future:
        """Open the recogniser and deploy librime on the input thread (the first call only; the screens call
        it when an input is first shown). `on_ready` is delivered on the UI thread once `methods()` is known."""
        with self._lock:
            first, self._started = not self._started, True
            if first:
                self._opened = self._thread.submit(self._open)
        if on_ready is not None:
            self._opened.add_done_callback(lambda _done: self._deliver(on_ready))
        return self._opened

    def _open(self) -> None:
        try:
            self._recogniser = self._open_recogniser()
            self._set("handwriting", MethodStatus("ready"))
        except TextInputError as error:
            self._report("handwriting", error)
        try:
            rime = self._load_rime()
            rime.deploy(self._rime_dir)
            self._session = rime.open_session(self._page_size)
            self._set("pinyin", MethodStatus("ready"))
        except TextInputError as error:
            self._report("pinyin", error)

    def _report(self, method: str, error: TextInputError) -> None:
        self._errors[method] = error
        state = "unavailable" if isinstance(error, InputMethodUnavailable) else "failed"
        self._set(method, MethodStatus(state, str(error)))
        log.warning("Chinese input by %s is not offered: %s", method, error)

    def _set(self, method: str, status: MethodStatus) -> None:
        with self._lock:
            self._statuses[method] = status

    def status(self, method: str) -> MethodStatus:
        with self._lock:
            return self._statuses[method]

    def methods(self) -> tuple[str, ...]:
        """The input methods the screens may offer now: those still starting too (their calls queue behind
        the start), so a screen offers both until `start`'s `on_ready` says otherwise."""
        return tuple(method for method in METHODS if self.status(method).usable)

    def stop(self) -> None:
        """Close both on their own thread, then end it."""
        def close() -> None:
            if self._session is not None:
                self._session.close()
                self._session = None
            if self._recogniser is not None:
                self._recogniser.close()
                self._recogniser = None

        with self._lock:
            stopping, self._stopped = not self._stopped, True
        if not stopping:
            return
        if self._started:
            self._thread.submit(close)
        self._thread.shutdown(wait=True, cancel_futures=False)

    # --- work ---------------------------------------------------------------------------------------

    def recognise(self, strokes: Sequence[Stroke], *, width: int, height: int,
                  on_result: Callable[[tuple[Guess, ...]], None],
                  on_error: Callable[[BaseException], None] | None = None, n_best: int = N_BEST) -> Future:
        """The likeliest characters for `strokes`, delivered to `on_result` on the UI thread."""
        strokes = tuple(tuple(stroke) for stroke in strokes)    # the pad goes on drawing meanwhile

        def task() -> tuple[Guess, ...]:
            if self._recogniser is None:
                raise self._missing("handwriting")
            return self._recogniser.recognise(strokes, width=width, height=height, n_best=n_best)

        return self._run(task, on_result, on_error)

    def pinyin(self, action: Callable[[PinyinSession], PinyinState], *, on_result: Callable[[PinyinState], None],
               on_error: Callable[[BaseException], None] | None = None) -> Future:
        """Run `action` on the one pinyin session (type, page, select, ...); its new state to `on_result`."""
        def task() -> PinyinState:
            if self._session is None:
                raise self._missing("pinyin")
            return action(self._session)

        return self._run(task, on_result, on_error)

    def reset(self) -> Future | None:
        """Forget any half-typed pinyin (the session ended or the keyboard was cleared)."""
        if not self._started or self._stopped:
            return None     # nothing was typed, or nothing is left to forget
        return self._thread.submit(lambda: self._session.clear() if self._session is not None else None)

    def _missing(self, method: str) -> TextInputError:
        return self._errors.get(method) or TextInputError(method, "not started")

    def _run(self, task: Callable[[], Any], on_result: Callable[[Any], None],
             on_error: Callable[[BaseException], None] | None) -> Future:
        self.start()
        future = self._thread.submit(task)

        def finished(done: Future) -> None:
            if done.cancelled():
                return
            error = done.exception()
            if error is None:
                result = done.result()
                self._deliver(lambda: on_result(result))
            elif on_error is not None:
                self._deliver(lambda: on_error(error))
            else:
                log.error("Chinese input failed: %s", type(error).__name__)   # never the text: it is personal

        future.add_done_callback(finished)
        return future
