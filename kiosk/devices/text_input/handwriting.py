"""Handwriting recognition with zinnia and the Tegaki simplified-Chinese model, through ctypes (Debian packages
no Python binding; the C API is six calls). Strokes in, the n best characters out, best first.

    recogniser = ZinniaRecogniser.open()             # InputMethodUnavailable when libzinnia0 or the model is missing
    recogniser.recognise([[(50, 150), (250, 150)], [(150, 40), (150, 260)]], width=300, height=300)
    # (Guess("十", 0.97), Guess("七", -0.32), ...)

Strokes are in writing order, points in the pad's own coordinates with y growing downwards (as on paper).
One classification takes milliseconds, but it is still called off the UI thread (kiosk.devices.text_input.service).
A recogniser is not shared between threads: the service's one thread owns it.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

from kiosk.devices.text_input.errors import InputMethodFailed, InputMethodUnavailable

__all__ = ["Point", "Stroke", "Guess", "Recogniser", "ZinniaRecogniser", "MODEL_PATH", "LIBRARY", "N_BEST"]

Point = tuple[float, float]
Stroke = Sequence[Point]

LIBRARY = "libzinnia.so.0"
MODEL_PATH = Path("/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model")
N_BEST = 10
METHOD = "handwriting"


@dataclass(frozen=True)
class Guess:
    character: str
    score: float    # zinnia's own: higher is likelier; comparable within one result only


class Recogniser(Protocol):
    def recognise(self, strokes: Sequence[Stroke], *, width: int, height: int,
                  n_best: int = N_BEST) -> tuple[Guess, ...]: ...

    def close(self) -> None: ...


def _load_library(name: str) -> ctypes.CDLL:
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        raise InputMethodUnavailable(METHOD, name, "libzinnia0") from None
    handle, size_t, text = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p
    for function, restype, argtypes in (
            ("zinnia_recognizer_new", handle, []),
            ("zinnia_recognizer_open", ctypes.c_int, [handle, text]),
            ("zinnia_recognizer_strerror", text, [handle]),
            ("zinnia_recognizer_destroy", None, [handle]),
            ("zinnia_recognizer_classify", handle, [handle, handle, size_t]),
            ("zinnia_character_new", handle, []),
            ("zinnia_character_destroy", None, [handle]),
            ("zinnia_character_set_width", None, [handle, size_t]),
            ("zinnia_character_set_height", None, [handle, size_t]),
            ("zinnia_character_add", ctypes.c_int, [handle, size_t, ctypes.c_int, ctypes.c_int]),
            ("zinnia_result_size", size_t, [handle]),
            ("zinnia_result_value", text, [handle, size_t]),
            ("zinnia_result_score", ctypes.c_float, [handle, size_t]),
            ("zinnia_result_destroy", None, [handle])):
        getattr(lib, function).restype = restype
        getattr(lib, function).argtypes = argtypes
    return lib


class ZinniaRecogniser:
    """One zinnia recogniser with the model loaded (the model is memory-mapped: opening takes ~10 ms)."""

    def __init__(self, lib: ctypes.CDLL, recogniser: int) -> None:
        self._lib = lib
        self._recogniser: int | None = recogniser

    @classmethod
    def open(cls, model: Path = MODEL_PATH, library: str = LIBRARY) -> "ZinniaRecogniser":
        lib = _load_library(library)
        if not model.is_file():
            raise InputMethodUnavailable(METHOD, str(model), "tegaki-zinnia-simplified-chinese")
        recogniser = lib.zinnia_recognizer_new()
        if not lib.zinnia_recognizer_open(recogniser, str(model).encode()):
            detail = (lib.zinnia_recognizer_strerror(recogniser) or b"").decode(errors="replace")
            lib.zinnia_recognizer_destroy(recogniser)
            raise InputMethodFailed(METHOD, f"model {model} could not be opened: {detail}")
        return cls(lib, recogniser)

    def recognise(self, strokes: Sequence[Stroke], *, width: int, height: int,
                  n_best: int = N_BEST) -> tuple[Guess, ...]:
        """The likeliest characters for `strokes` drawn on a `width` × `height` pad; () for no strokes."""
        if self._recogniser is None:
            raise InputMethodFailed(METHOD, "the recogniser is closed")
        strokes = [stroke for stroke in strokes if len(stroke) > 0]
        if not strokes:
            return ()
        lib = self._lib
        character = lib.zinnia_character_new()
        try:
            lib.zinnia_character_set_width(character, max(1, int(width)))
            lib.zinnia_character_set_height(character, max(1, int(height)))
            for index, stroke in enumerate(strokes):
                for x, y in stroke:
                    lib.zinnia_character_add(character, index, round(x), round(y))
            result = lib.zinnia_recognizer_classify(self._recogniser, character, n_best)
            if not result:
                return ()
            try:
                return tuple(Guess(lib.zinnia_result_value(result, i).decode("utf-8"),
                                   float(lib.zinnia_result_score(result, i)))
                             for i in range(lib.zinnia_result_size(result)))
            finally:
                lib.zinnia_result_destroy(result)
        finally:
            lib.zinnia_character_destroy(character)

    def close(self) -> None:
        if self._recogniser is not None:
            self._lib.zinnia_recognizer_destroy(self._recogniser)
            self._recogniser = None
