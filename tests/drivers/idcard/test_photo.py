"""The optional WLT photo hook: decodes through a vendor-style library when configured, never fails without."""

import ctypes
import io
import logging
from ctypes import CFUNCTYPE, POINTER, c_int, c_ubyte
from datetime import date

import pytest
from PIL import Image

from domain.citizen_id import check_digit
from domain.identity import CardType, IdentityCard
from drivers.idcard.photo import PhotoDecodeError, WltUnpackDecoder, decode_photo

NUMBER = "61011319850312004" + check_digit("61011319850312004")


class FakeWltLibrary:
    """`int unpack(char *wlt, char *bgr, int intf)`: paints every pixel B=10 G=20 R=30, or fails."""

    def __init__(self, status: int = 1) -> None:
        self.received = b""

        def unpack(wlt, bgr, interface):
            self.received = bytes(wlt[:3])
            pixels = bytes([10, 20, 30]) * (102 * 126)
            ctypes.memmove(bgr, pixels, len(pixels))
            return status

        self.unpack = CFUNCTYPE(c_int, POINTER(c_ubyte), POINTER(c_ubyte), c_int)(unpack)


def card(photo: bytes = b"WLf" + bytes(1021)) -> IdentityCard:
    return IdentityCard(card_type=CardType.RESIDENT, id_number=NUMBER, name="张测试",
                        birth_date=date(1985, 3, 12), photo_wlt=photo)


def test_a_configured_decoder_turns_the_wlt_photo_into_a_102_by_126_png():
    library = FakeWltLibrary()
    png = decode_photo(card(), WltUnpackDecoder(library=library))
    image = Image.open(io.BytesIO(png))
    assert library.received == b"WLf"
    assert image.size == (102, 126) and image.getpixel((0, 0)) == (30, 20, 10)


def test_without_a_decoder_or_a_photo_there_is_simply_no_picture():
    assert decode_photo(card(), None) is None
    assert decode_photo(card(photo=b""), WltUnpackDecoder(library=FakeWltLibrary())) is None


def test_a_failing_decoder_gives_no_picture_and_logs_without_personal_data(caplog):
    caplog.set_level(logging.WARNING)
    assert decode_photo(card(), WltUnpackDecoder(library=FakeWltLibrary(status=-5))) is None
    assert "WLT decoder returned -5" in caplog.text and NUMBER not in caplog.text


def test_a_library_without_the_function_is_a_typed_error():
    with pytest.raises(PhotoDecodeError, match="no function 'unpack'"):
        WltUnpackDecoder(library=object())
