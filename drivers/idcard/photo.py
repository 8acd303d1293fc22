"""Optional decoding of the card photo (1024-byte WLT) through a licensed vendor library.

WLT is a proprietary wavelet format; only vendor decoders exist, so the kiosk never depends on one:
without a decoder `decode_photo` returns None, and a failing decoder is logged (never with personal
data) and also gives None. A decoder is any callable WLT bytes -> PNG bytes; `WltUnpackDecoder`
wraps the common `int unpack(char *wlt, char *bgr, int intf)` export (libwlt2bmp.so, IDCUnpack.dll
and similar), which fills 102 x 126 pixels of 24-bit BGR and returns 1.

    decoder = WltUnpackDecoder("/opt/vendor/libwlt2bmp.so")      # from the site config, if licensed
    png = decode_photo(identity, decoder)                        # None when it cannot be decoded
"""

from __future__ import annotations

import ctypes
import io
import logging
from typing import Any, Callable, Optional

from PIL import Image

from domain.identity import IdentityCard
from drivers.idcard.errors import IdCardError
from drivers.idcard.sdk import load_library

__all__ = ["PhotoDecoder", "PhotoDecodeError", "WltUnpackDecoder", "decode_photo", "PHOTO_SIZE"]

log = logging.getLogger(__name__)

PHOTO_SIZE = (102, 126)          # pixels, fixed by the card standard
PhotoDecoder = Callable[[bytes], bytes]


class PhotoDecodeError(IdCardError):
    pass


class WltUnpackDecoder:
    """`unpack(wlt, bgr_out, intf)`; `intf` is 1 for serial readers, 2 for USB in most kits."""

    def __init__(self, library_path: str | None = None, *, library: Any = None, function: str = "unpack",
                 interface: int = 1) -> None:
        self._library = library if library is not None else load_library(library_path)  # type: ignore[arg-type]
        try:
            self._unpack = getattr(self._library, function)
        except AttributeError:
            raise PhotoDecodeError(f"photo library has no function {function!r}") from None
        self._unpack.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        self._unpack.restype = ctypes.c_int
        self._interface = interface

    def __call__(self, wlt: bytes) -> bytes:
        width, height = PHOTO_SIZE
        source = ctypes.create_string_buffer(wlt, len(wlt))
        pixels = ctypes.create_string_buffer(width * height * 3)
        try:
            status = self._unpack(source, pixels, self._interface)
            if status != 1:
                raise PhotoDecodeError(
                    f"WLT decoder returned {status}: check its licence file and the reader interface setting"
                )
            image = Image.frombytes("RGB", PHOTO_SIZE, pixels.raw, "raw", "BGR")
            output = io.BytesIO()
            image.save(output, format="PNG")
            return output.getvalue()
        finally:
            ctypes.memset(source, 0, len(wlt))
            ctypes.memset(pixels, 0, len(pixels))


def decode_photo(identity: IdentityCard, decoder: Optional[PhotoDecoder]) -> bytes | None:
    """The photo as PNG bytes, or None when no decoder is configured, no photo was read, or it fails."""
    wlt = identity.photo_wlt.tobytes()
    if decoder is None or not wlt:
        return None
    try:
        return decoder(wlt)
    except Exception as error:  # a vendor library may fail in any way; the kiosk goes on without a photo
        log.warning("ID card photo not decoded (%s): %s", type(error).__name__, error)
        return None
