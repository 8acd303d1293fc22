"""Vendor SDK backends through real ctypes marshalling, against ctypes-level fakes of the libraries.

Buffers in the fakes' prototypes are POINTER(c_ubyte): a c_char_p callback argument would be a copy.

The SDT_ fake forwards to the simulator's SamModule, so cards, statuses and faults behave exactly as
on the wire; the Termb fake reports a demo citizen through GBK getters as the vendor library does.
"""

import ctypes
from ctypes import CFUNCTYPE, POINTER, c_int, c_ubyte, c_uint

import pytest

from domain.demo_citizens import DemoCitizen, demo_citizen
from domain.identity import CardType, Gender
from drivers.idcard import open_reader
from drivers.idcard.errors import (
    CardFault,
    CardSelectFailed,
    InvalidIdNumber,
    LibraryUnavailable,
    ReaderTimeout,
    ReaderUnavailable,
    SamFault,
)
from drivers.idcard.poller import CardPoller, CardRemoved, ReaderStateChanged
from drivers.idcard.sdk import SdtapiCardReader, TermbCardReader
from drivers.idcard.simulator import SamModule, card_from_citizen

BUFFER = POINTER(c_ubyte)
LENGTH = POINTER(c_uint)


def fill(buffer, data: bytes) -> None:
    ctypes.memmove(buffer, data, len(data))


class FakeSdtapi:
    """libsdtapi.so as C function pointers; keeps references so ctypes does not free them."""

    def __init__(self, module: SamModule, port: int = 1001) -> None:
        self.module, self.port, self.sdk_code = module, port, None
        self.opened = 0

        def command(code, para):
            return lambda: self.sdk_code or self.module.handle(code, para, b"")[2]

        def with_data(code, para, size):
            def call(port, buffer, if_open):
                if self.sdk_code:
                    return self.sdk_code
                _, _, sw3, data = self.module.handle(code, para, b"")
                fill(buffer, data[:size])
                return sw3
            return call

        def read(port, *args):
            *pairs, if_open = args
            if self.sdk_code:
                return self.sdk_code
            _, _, sw3, data = self.module.handle(0x30, 0x10 if len(pairs) == 6 else 0x01, b"")
            count = len(pairs) // 2
            sizes = [int.from_bytes(data[2 * i : 2 * i + 2], "big") for i in range(count)] if data else [0] * count
            offset = 2 * count
            for (buffer, length), size in zip(zip(pairs[::2], pairs[1::2]), sizes):
                fill(buffer, data[offset : offset + size])
                length[0] = size
                offset += size
            return sw3

        def appended(port, buffer, length, if_open):
            _, _, sw3, data = self.module.handle(0x30, 0x03, b"")
            fill(buffer, data)
            length[0] = len(data)
            return sw3

        def open_port(port):
            self.opened += 1
            return 0x90 if port == self.port else 0x01

        self.SDT_OpenPort = CFUNCTYPE(c_int, c_int)(open_port)
        self.SDT_ClosePort = CFUNCTYPE(c_int, c_int)(lambda port: 0x90)
        self.SDT_GetSAMStatus = CFUNCTYPE(c_int, c_int, c_int)(lambda port, o: command(0x11, 0xFF)())
        self.SDT_ResetSAM = CFUNCTYPE(c_int, c_int, c_int)(lambda port, o: command(0x10, 0xFF)())
        self.SDT_GetSAMID = CFUNCTYPE(c_int, c_int, BUFFER, c_int)(with_data(0x12, 0xFF, 16))
        self.SDT_StartFindIDCard = CFUNCTYPE(c_int, c_int, BUFFER, c_int)(with_data(0x20, 0x01, 4))
        self.SDT_SelectIDCard = CFUNCTYPE(c_int, c_int, BUFFER, c_int)(with_data(0x20, 0x02, 8))
        self.SDT_ReadBaseMsg = CFUNCTYPE(c_int, c_int, BUFFER, LENGTH, BUFFER, LENGTH, c_int)(read)
        self.SDT_ReadBaseFPMsg = CFUNCTYPE(c_int, c_int, BUFFER, LENGTH, BUFFER, LENGTH, BUFFER, LENGTH,
                                           c_int)(read)
        self.SDT_ReadNewAppMsg = CFUNCTYPE(c_int, c_int, BUFFER, LENGTH, c_int)(appended)
        self.SDT_SetMaxRFByte = CFUNCTYPE(c_int, c_int, c_ubyte, c_int)(
            lambda port, size, o: self.module.handle(0x61, 0xFF, bytes([size]))[2])
        self.SDT_SetCOMBaud = CFUNCTYPE(c_int, c_int, c_uint, c_uint)(lambda port, old, new: 0x90)


@pytest.fixture
def sam():
    return SamModule()


@pytest.fixture
def sdtapi(sam):
    return FakeSdtapi(sam)


@pytest.fixture
def sdt_reader(sdtapi):
    with SdtapiCardReader(1001, library=sdtapi) as reader:
        yield reader


def test_sdtapi_reads_a_card_through_the_shared_parser(sam, sdt_reader):
    sam.place(card_from_citizen(demo_citizen("resident"), appended_addresses=("陕西省西安市灞桥区新家路2号",)))
    identity = sdt_reader.read_present_card(fingerprint=True)
    assert identity.id_number == demo_citizen("resident").id_number
    assert identity.current_address == "陕西省西安市灞桥区新家路2号"
    assert len(identity.photo_wlt) == 1024 and len(identity.fingerprint) == 1024
    assert sdt_reader.card_still_present() and not sdt_reader.find_card()


def test_sdtapi_sam_operations(sdt_reader):
    sdt_reader.check_sam()
    sdt_reader.reset_sam()
    sdt_reader.set_rf_frame_size(80)
    sdt_reader.set_baud(57600)
    assert sdt_reader.sam_id() == "05.01-20101213-0011024553-1234567890"


def test_sdtapi_statuses_become_the_same_typed_errors(sam, sdt_reader):
    assert sdt_reader.read_present_card() is None
    with pytest.raises(CardSelectFailed):
        sdt_reader.select_card()
    sam.place(card_from_citizen(demo_citizen("elder")))
    assert sdt_reader.find_card()
    sam.spoil_card()
    with pytest.raises(CardFault) as caught:
        sdt_reader.select_card()
    assert caught.value.sw3 == 0x81
    sam.sam_fault = 0x60
    with pytest.raises(SamFault):
        sdt_reader.check_sam()


@pytest.mark.parametrize("code, error", [(0x01, ReaderUnavailable), (0x02, ReaderTimeout),
                                         (0x05, ReaderUnavailable)])
def test_sdk_private_codes_are_translated(sdtapi, sdt_reader, code, error):
    sdtapi.sdk_code = code
    with pytest.raises(error, match=f"SDK code 0x{code:02X}"):
        sdt_reader.check_sam()


def test_sdtapi_wrong_port_is_unavailable(sdtapi):
    with pytest.raises(ReaderUnavailable, match="1001-1016"):
        SdtapiCardReader(1002, library=sdtapi).open()


def test_a_missing_vendor_library_is_a_typed_error_naming_the_path():
    reader = open_reader("1001", backend="sdtapi", library_path="/nonexistent/libsdtapi.so")
    with pytest.raises(LibraryUnavailable, match="/nonexistent/libsdtapi.so"):
        reader.check_sam()


def test_a_library_without_the_sdt_functions_is_rejected():
    with pytest.raises(LibraryUnavailable, match="no function SDT_OpenPort"):
        SdtapiCardReader(1001, library=object()).open()


class FakeTermb:
    """A Termb library reporting one citizen through its GBK getters (1 = success)."""

    def __init__(self, citizen: DemoCitizen | None, cert_type: str = "") -> None:
        self.card_present = citizen is not None
        values = {}
        if citizen is not None:
            foreign = citizen.card_type.startswith("foreign")
            values = {
                "GetPeopleName": citizen.english_name if foreign else citizen.name,
                "GetPeopleChineseName": citizen.name,
                "GetPeopleSex": {"1": "男", "2": "女"}[citizen.gender],
                "GetPeopleNation": "汉", "GetPeopleBirthday": citizen.birth_date.strftime("%Y%m%d"),
                "GetPeopleAddress": citizen.address, "GetPeopleIDCode": citizen.id_number,
                "GetDepartment": citizen.issuing_authority,
                "GetStartDate": citizen.valid_from.strftime("%Y.%m.%d"),
                "GetEndDate": citizen.valid_until.strftime("%Y.%m.%d") if citizen.valid_until else "长期",
                "GetCertType": cert_type,
            }
        self.values = values

        def getter(name):
            def call(buffer, length):
                data = self.values.get(name, "").encode("gbk") + b"\x00"   # NUL-terminated, as the SDK does
                ctypes.memmove(buffer, data, len(data))
                length[0] = len(data)
                return 1
            return CFUNCTYPE(c_int, BUFFER, POINTER(c_int))(call)

        for name in ("GetPeopleName", "GetPeopleChineseName", "GetPeopleSex", "GetPeopleNation",
                     "GetPeopleBirthday", "GetPeopleAddress", "GetPeopleIDCode", "GetDepartment",
                     "GetStartDate", "GetEndDate", "GetCertType"):
            setattr(self, name, getter(name))
        self.CVR_InitComm = CFUNCTYPE(c_int, c_int)(lambda port: 1 if port == 1001 else 2)
        self.CVR_CloseComm = CFUNCTYPE(c_int)(lambda: 1)
        self.finds = 0

        def find():
            self.finds += 1
            return 1 if self.card_present else 0   # like the builds that find an already-read card

        self.CVR_FindCard = CFUNCTYPE(c_int)(find)
        self.CVR_SelectCard = CFUNCTYPE(c_int)(lambda: 1 if self.card_present else 0)
        self.CVR_Read_Content = CFUNCTYPE(c_int, c_int)(lambda active: 1 if self.card_present else 0)
        self.CVR_GetSAMID = CFUNCTYPE(c_int, BUFFER)(
            lambda buffer: ctypes.memmove(buffer, b"05.01-20101213-0011024553\x00", 26) and 1)


def test_termb_reads_a_resident_card_from_its_getters():
    with TermbCardReader(1001, library=FakeTermb(demo_citizen("elder"))) as reader:
        identity = reader.read_present_card()
    assert identity.card_type is CardType.RESIDENT and identity.name == "李演示"
    assert identity.gender is Gender.FEMALE and identity.nation_code == "01"
    assert identity.long_term and identity.valid_from.isoformat() == "2012-03-01"
    assert len(identity.photo_wlt) == 0


def test_termb_reads_a_foreign_card_with_names_the_right_way_round():
    with TermbCardReader(1001, library=FakeTermb(demo_citizen("foreign-2023"), cert_type="Y")) as reader:
        identity = reader.read_present_card()
    assert identity.card_type is CardType.FOREIGN_2023
    assert identity.name == "示例安娜" and identity.english_name == "DEMO ANNA EXAMPLE"


def test_termb_reports_no_card_sam_id_and_bad_numbers():
    library = FakeTermb(None)
    with TermbCardReader(1001, library=library) as reader:
        assert reader.sam_id() == "05.01-20101213-0011024553"
        assert reader.read_present_card() is None
        citizen = demo_citizen("resident")
        library.__init__(citizen)
        library.values["GetPeopleIDCode"] = citizen.id_number[:17] + ("1" if citizen.id_number[17] != "1" else "2")
        with pytest.raises(InvalidIdNumber):
            reader.read_present_card()


def test_termb_wrong_port_is_unavailable():
    with pytest.raises(ReaderUnavailable, match="CVR_InitComm"):
        TermbCardReader(1002, library=FakeTermb(None)).open()


def test_termb_poller_reads_a_card_once_even_when_the_library_keeps_finding_it(events, until):
    """GIVEN a Termb build whose find succeeds again for a card already read WHEN it stays THEN it is
    read once; WHEN another card replaces it THEN removal and the new card are reported."""
    library = FakeTermb(demo_citizen("resident"))
    with TermbCardReader(1001, library=library) as reader, CardPoller(reader, events, poll_interval=0.3):
        assert isinstance(events.next(), ReaderStateChanged)
        assert events.next().identity.name == "张测试"
        until(lambda: library.finds >= 4)
        assert events.pending() == []
        library.__init__(demo_citizen("elder"))
        assert isinstance(events.next(), CardRemoved)
        assert events.next().identity.name == "李演示"
