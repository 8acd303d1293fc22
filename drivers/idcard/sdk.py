"""Vendor SDK backends via ctypes, for readers sold only with a vendor library.

* `SdtapiCardReader`: the ministry reference "SDT_" API (libsdtapi.so / sdtapi.dll). Its functions
  return the module's own SW3 byte, so each command maps to one call and the base class does the rest
  (same statuses, same typed errors, same parsing) — only the SDK's private codes 0x01/0x02/0x03/0x05
  (port, timeout, transfer, baud) are translated here.
* `TermbCardReader`: the high-level 华视/神思 Termb API (CVR_InitComm, CVR_Authenticate,
  CVR_Read_Content and GBK text getters). It has no raw frames, so it fills an IdentityCard from the
  getters; Termb returns a decoded photo only, so `photo_wlt` stays empty.

Windows DLLs are __stdcall (WinDLL), Linux .so files cdecl (CDLL). Many vendor DLLs are 32-bit only:
run a 32-bit Python for them. Tests pass a ctypes-level fake as `library`.
"""

from __future__ import annotations

import ctypes
import hashlib
import hmac
import os
import sys
from datetime import date
from typing import Any

from domain.identity import NATIONS, CardType, Gender, IdentityCard
from drivers.idcard.cardtext import LONG_TERM, checked_identity
from drivers.idcard.errors import (
    CardDataError,
    CardSelectFailed,
    CommandRejected,
    FrameError,
    IdCardError,
    LibraryUnavailable,
    ReaderTimeout,
    ReaderUnavailable,
)
from drivers.idcard.protocol import BAUD_RATES, Command, Response
from drivers.idcard.reader import CardReader

__all__ = ["SdtapiCardReader", "TermbCardReader", "load_library"]

c_int, c_uint, c_char_p, c_ubyte = ctypes.c_int, ctypes.c_uint, ctypes.c_char_p, ctypes.c_ubyte
P_UINT = ctypes.POINTER(c_uint)
P_INT = ctypes.POINTER(c_int)


def load_library(path: str) -> Any:
    """Load a vendor library with the platform's calling convention, or raise LibraryUnavailable."""
    loader = getattr(ctypes, "WinDLL", None) if sys.platform == "win32" else ctypes.CDLL
    try:
        return loader(path)
    except OSError as error:
        raise LibraryUnavailable(
            f"cannot load the ID card vendor library {path!r}: {error}; check the path in the site config, "
            "that it matches this Python's architecture (many vendor DLLs are 32-bit only) and that its "
            "licence file sits beside it"
        ) from None


def _bind(library: Any, name: str, argtypes: list, restype: Any = c_int) -> Any:
    try:
        function = getattr(library, name)
    except AttributeError:
        raise LibraryUnavailable(f"vendor library has no function {name}; is it the right SDK?") from None
    function.argtypes, function.restype = argtypes, restype
    return function


# SDT_ return codes that never appear as SW3 on the wire (vendor SDK documentation).
_SDK_FAILURES = {
    0x01: (ReaderUnavailable, "the SDK could not open the reader port (illegal port number or port in use)"),
    0x02: (ReaderTimeout, "the SDK timed out talking to the reader"),
    0x03: (FrameError, "the SDK reports a data transfer error with the reader"),
    0x05: (ReaderUnavailable, "the SDK cannot obtain the SAM module's baud rate; the SAM is unusable"),
}

_SDT_SIGNATURES: dict[str, list] = {
    "SDT_OpenPort": [c_int],
    "SDT_ClosePort": [c_int],
    "SDT_GetSAMStatus": [c_int, c_int],
    "SDT_ResetSAM": [c_int, c_int],
    "SDT_GetSAMID": [c_int, c_char_p, c_int],
    "SDT_StartFindIDCard": [c_int, c_char_p, c_int],
    "SDT_SelectIDCard": [c_int, c_char_p, c_int],
    "SDT_ReadBaseMsg": [c_int, c_char_p, P_UINT, c_char_p, P_UINT, c_int],
    "SDT_ReadBaseFPMsg": [c_int, c_char_p, P_UINT, c_char_p, P_UINT, c_char_p, P_UINT, c_int],
    "SDT_ReadNewAppMsg": [c_int, c_char_p, P_UINT, c_int],
    "SDT_SetMaxRFByte": [c_int, c_ubyte, c_int],
    "SDT_SetCOMBaud": [c_int, c_uint, c_uint],
}


class _Buffers:
    """Output buffers larger than the standard sizes; the lengths the SDK returns decide what is used."""

    def __init__(self, *sizes: int) -> None:
        self.buffers = [ctypes.create_string_buffer(size) for size in sizes]
        self.lengths = [c_uint(0) for _ in sizes]

    def args(self) -> list:
        return [item for pair in zip(self.buffers, (ctypes.byref(n) for n in self.lengths)) for item in pair]

    def parts(self) -> list[bytes]:
        return [buffer.raw[: min(n.value, len(buffer))] for buffer, n in zip(self.buffers, self.lengths)]

    def wipe(self) -> None:
        for buffer in self.buffers:
            ctypes.memset(buffer, 0, len(buffer))


class SdtapiCardReader(CardReader):
    """The SDT_ API. `port`: 1-16 = COM1-16, 1001-1016 = USB readers (1001 the first)."""

    def __init__(self, port: int, *, library_path: str | None = None, library: Any = None,
                 baud: int = 115200) -> None:
        super().__init__()
        if library is None and not library_path:
            raise ValueError("give library_path (the vendor .so/.dll) or a loaded library")
        self.port = port
        self.baud = baud
        self._library_path = library_path
        self._library = library
        self._functions: dict[str, Any] = {}
        self._open = False

    def _function(self, name: str) -> Any:
        if name not in self._functions:
            if self._library is None:
                self._library = load_library(self._library_path)  # type: ignore[arg-type]
            self._functions[name] = _bind(self._library, name, _SDT_SIGNATURES[name])
        return self._functions[name]

    def open(self) -> None:
        with self._lock:
            if self._open:
                return
            status = self._function("SDT_OpenPort")(self.port)
            if status != 0x90:
                raise ReaderUnavailable(
                    f"SDT_OpenPort({self.port}) returned 0x{status:02X}: no reader on that port; "
                    "USB readers are 1001-1016, serial ones 1-16"
                )
            self._open = True

    def close(self) -> None:
        with self._lock:
            if self._open:
                self._open = False
                self._function("SDT_ClosePort")(self.port)

    def _exchange(self, command: Command, data: bytes = b"", para: int | None = None) -> Response:
        with self._lock:
            self.open()
            status, payload = self._call_sdk(command, data, para)
        if status in _SDK_FAILURES:
            error_class, meaning = _SDK_FAILURES[status]
            if error_class is ReaderUnavailable:
                self.close()
            raise error_class(f"{command.name}: {meaning} (SDK code 0x{status:02X})")
        return Response(0, 0, status, payload)

    def _call_sdk(self, command: Command, data: bytes, para: int | None) -> tuple[int, bytes]:
        port, call = self.port, self._function
        if command is Command.SAM_STATUS:
            return call("SDT_GetSAMStatus")(port, 0), b""
        if command is Command.RESET_SAM:
            return call("SDT_ResetSAM")(port, 0), b""
        if command in (Command.SAM_ID, Command.FIND_CARD, Command.SELECT_CARD):
            name, size = {Command.SAM_ID: ("SDT_GetSAMID", 16), Command.FIND_CARD: ("SDT_StartFindIDCard", 4),
                          Command.SELECT_CARD: ("SDT_SelectIDCard", 8)}[command]
            buffer = ctypes.create_string_buffer(size)
            return call(name)(port, buffer, 0), buffer.raw
        if command is Command.READ_APPENDED_ADDRESS:
            buffers = _Buffers(4 * 70)
            status = call("SDT_ReadNewAppMsg")(port, *buffers.args(), 0)
            return status, buffers.parts()[0]
        if command in (Command.READ_BASE, Command.READ_WITH_FINGERPRINT):
            with_fingerprint = command is Command.READ_WITH_FINGERPRINT
            buffers = _Buffers(*((1024, 4096, 2048) if with_fingerprint else (1024, 4096)))
            name = "SDT_ReadBaseFPMsg" if with_fingerprint else "SDT_ReadBaseMsg"
            try:
                status = call(name)(port, *buffers.args(), 0)
                parts = buffers.parts()
                # Re-assemble the wire layout (big-endian lengths, then the parts) for the shared parser.
                lengths = b"".join(len(part).to_bytes(2, "big") for part in parts)
                return status, lengths + b"".join(parts)
            finally:
                buffers.wipe()
        if command is Command.SET_RF_FRAME_SIZE:
            return call("SDT_SetMaxRFByte")(port, data[0], 0), b""
        if command is Command.SET_BAUD:
            new_baud = next(baud for baud, index in BAUD_RATES.items() if index == para)
            return call("SDT_SetCOMBaud")(port, self.baud, new_baud), b""
        raise CommandRejected(0x21, command.name)

    def _baud_changed(self, baud: int) -> None:
        self.baud = baud


_TERMB_SIGNATURES: dict[str, list] = {
    "CVR_InitComm": [c_int],
    "CVR_CloseComm": [],
    "CVR_FindCard": [],
    "CVR_SelectCard": [],
    "CVR_Read_Content": [c_int],
    "CVR_GetSAMID": [c_char_p],
}
_TERMB_GETTERS = {
    "name": "GetPeopleName", "chinese_name": "GetPeopleChineseName", "gender": "GetPeopleSex",
    "nation": "GetPeopleNation", "birth_date": "GetPeopleBirthday", "address": "GetPeopleAddress",
    "id_number": "GetPeopleIDCode", "issuing_authority": "GetDepartment", "valid_from": "GetStartDate",
    "valid_until": "GetEndDate", "cert_type": "GetCertType",
}
_TERMB_TYPES = {"": CardType.RESIDENT, "I": CardType.FOREIGN_2017, "Y": CardType.FOREIGN_2023,
                "J": CardType.HK_MACAO_TAIWAN}


class TermbCardReader(CardReader):
    """The 华视/神思 Termb API. All calls return 1 on success; getters give GBK text."""

    def __init__(self, port: int, *, library_path: str | None = None, library: Any = None) -> None:
        super().__init__()
        if library is None and not library_path:
            raise ValueError("give library_path (the vendor Termb library) or a loaded library")
        self.port = port
        self._library_path = library_path
        self._library = library
        self._functions: dict[str, Any] = {}
        self._open = False
        self._key = os.urandom(16)
        self._last_card = b""

    def _function(self, name: str) -> Any:
        if name not in self._functions:
            if self._library is None:
                self._library = load_library(self._library_path)  # type: ignore[arg-type]
            argtypes = _TERMB_SIGNATURES.get(name, [c_char_p, P_INT])
            self._functions[name] = _bind(self._library, name, argtypes)
        return self._functions[name]

    def open(self) -> None:
        with self._lock:
            if self._open:
                return
            status = self._function("CVR_InitComm")(self.port)
            if status != 1:
                raise ReaderUnavailable(
                    f"CVR_InitComm({self.port}) returned {status}: no reader on that port "
                    "(1001-1016 USB, 1-16 serial) or the library is missing its licence file"
                )
            self._open = True

    def close(self) -> None:
        with self._lock:
            if self._open:
                self._open = False
                self._function("CVR_CloseComm")()

    def _exchange(self, command: Command, data: bytes = b"", para: int | None = None) -> Response:
        raise CommandRejected(0x21, f"{command.name} (the Termb library has no raw commands)")

    def _step(self, name: str, *args: Any) -> int:
        with self._lock:
            self.open()
            return self._function(name)(*args)

    def check_sam(self) -> None:
        self.sam_id()

    def sam_id(self) -> str:
        buffer = ctypes.create_string_buffer(128)
        status = self._step("CVR_GetSAMID", buffer)
        if status != 1:
            raise ReaderUnavailable(f"CVR_GetSAMID returned {status}: the reader or its SAM does not answer")
        return buffer.value.decode("ascii", "replace")

    def find_card(self) -> bool:
        return self._step("CVR_FindCard") == 1

    def select_card(self) -> None:
        if self._step("CVR_SelectCard") != 1:
            raise CardSelectFailed(0x81, "CVR_SelectCard")

    def card_still_present(self) -> bool:
        """Termb has no presence probe, and builds differ. Most refuse to find a card already read:
        then the card counts as present until another one is found. Builds that find it again get it
        re-read and compared (by a keyed hash, never the number itself), so one card fires once."""
        with self._lock:
            if not self.find_card():
                return True
            try:
                self.select_card()
                number = self._read_values()["id_number"]
            except IdCardError:
                return False
        return hmac.compare_digest(self._card_key(number), self._last_card)

    def read_appended_addresses(self) -> tuple[str, ...]:
        return ()

    def read_card(self, *, fingerprint: bool = False) -> IdentityCard:
        with self._lock:
            identity = _identity_from_termb(self._read_values())
            self._last_card = self._card_key(identity.id_number)
        identity.register_sensitive()
        return checked_identity(identity)

    def _card_key(self, number: str) -> bytes:
        return hmac.new(self._key, number.encode(), hashlib.sha256).digest()

    def _read_values(self) -> dict[str, str]:
        status = self._step("CVR_Read_Content", 1)
        if status != 1:
            error = ReaderUnavailable if status in (4, 99) else CardDataError
            raise error(f"CVR_Read_Content returned {status}: the card could not be read; replace it")
        return {field: self._text(getter) for field, getter in _TERMB_GETTERS.items()}

    def _text(self, getter: str) -> str:
        buffer = ctypes.create_string_buffer(512)
        length = c_int(len(buffer))
        try:
            if self._function(getter)(buffer, ctypes.byref(length)) != 1:
                return ""
            raw = buffer.raw[: max(0, min(length.value, len(buffer)))]
            return raw.split(b"\x00", 1)[0].decode("gbk", "replace").strip()
        finally:
            ctypes.memset(buffer, 0, len(buffer))


def _termb_date(value: str, field: str) -> date | None:
    digits = "".join(ch for ch in value if ch.isdigit())
    if value == LONG_TERM or not digits:
        return None
    if len(digits) != 8:
        raise CardDataError(f"Termb field {field!r} is not a date")
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise CardDataError(f"Termb field {field!r} is not a valid calendar date") from None


def _identity_from_termb(values: dict[str, str]) -> IdentityCard:
    card_type = _TERMB_TYPES.get(values["cert_type"].upper())
    if card_type is None:
        raise CardDataError(f"Termb reports an unknown card type {values['cert_type']!r}")
    genders = {"男": Gender.MALE, "女": Gender.FEMALE, "未说明": Gender.NOT_STATED}
    nation = values["nation"]
    codes = {name: code for code, name in NATIONS.items()}
    nation_code = nation if nation.isdigit() else codes.get(nation.removesuffix("族"), "")
    foreign = card_type in (CardType.FOREIGN_2017, CardType.FOREIGN_2023)
    return IdentityCard(
        card_type=card_type,
        id_number=values["id_number"],
        # On foreign cards GetPeopleName is the English name and GetPeopleChineseName the Chinese one.
        name=values["chinese_name"] if foreign else values["name"],
        english_name=values["name"] if foreign else "",
        gender=genders.get(values["gender"], Gender.from_code(values["gender"])),
        birth_date=_termb_date(values["birth_date"], "birth_date"),
        nation_code=nation_code if card_type is CardType.RESIDENT else "",
        address=values["address"],
        issuing_authority=values["issuing_authority"],
        valid_from=_termb_date(values["valid_from"], "valid_from"),
        valid_until=_termb_date(values["valid_until"], "valid_until"),
    )
