"""The input thread: the real recogniser and librime behind it, results delivered as the app's clock would,
and what is offered when a library is missing."""

from __future__ import annotations

import queue
import threading

import pytest

from kiosk.devices.text_input.errors import InputMethodUnavailable
from kiosk.devices.text_input.handwriting import ZinniaRecogniser
from kiosk.devices.text_input.pinyin import Rime
from kiosk.devices.text_input.service import TextInputService, append_within, probe_methods
from tests.fixtures.text_input import strokes_of

DEADLINE_S = 20


class UiThread:
    """Stands in for Kivy's clock: what the service delivers is queued and run here, on the test's thread."""

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue()
        self.thread = threading.current_thread()

    def __call__(self, callback) -> None:
        self._queue.put(callback)

    def next(self):
        callback = self._queue.get(timeout=DEADLINE_S)
        return callback()


def results(ui: UiThread):
    got = []
    return got, lambda value: got.append((value, threading.current_thread()))


@pytest.fixture
def ui():
    return UiThread()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """One data folder for the module: librime compiles its schema there once, as a kiosk does."""
    return tmp_path_factory.mktemp("kiosk-data")


@pytest.fixture
def service(data_dir, ui):
    service = TextInputService(data_dir, deliver=ui)
    yield service
    service.stop()


def test_strokes_are_recognised_off_the_ui_thread_and_delivered_on_it(service, ui):
    got, on_result = results(ui)
    service.recognise(strokes_of("十"), width=300, height=300, on_result=on_result)
    ui.next()
    (guesses, thread), = got
    assert guesses[0].character == "十" and thread is ui.thread


def test_pinyin_runs_on_the_one_session_and_is_deployed_into_the_data_folder(service, ui, data_dir):
    got, on_result = results(ui)
    service.pinyin(lambda session: session.type_letters("tousu"), on_result=on_result)
    service.pinyin(lambda session: session.select(0), on_result=on_result)
    ui.next()
    ui.next()
    assert got[0][0].candidates[0] == "投诉" and got[1][0].committed == "投诉"
    assert (data_dir / "rime" / "build" / "luna_pinyin_simp.prism.bin").is_file()
    assert service.methods() == ("handwriting", "pinyin")


def test_reset_drops_half_typed_pinyin(service, ui):
    got, on_result = results(ui)
    service.pinyin(lambda session: session.type_letters("zhengw"), on_result=on_result)
    ui.next()
    service.reset().result(timeout=DEADLINE_S)
    service.pinyin(lambda session: session.state(), on_result=on_result)
    ui.next()
    assert got[-1][0].composing is False


def test_start_reports_ready_on_the_ui_thread(service, ui):
    ready = []
    service.start(on_ready=lambda: ready.append(service.methods()))
    ui.next()
    assert ready == [("handwriting", "pinyin")]


def test_a_missing_handwriting_library_leaves_pinyin_and_names_the_package(data_dir, ui):
    """GIVEN libzinnia missing WHEN the service starts THEN only pinyin is offered, the status names libzinnia0,
    and strokes sent anyway come back as InputMethodUnavailable (on the UI thread)."""
    service = TextInputService(data_dir, deliver=ui,
                               open_recogniser=lambda: ZinniaRecogniser.open(library="libzinnia-gone.so.0"))
    try:
        service.start(on_ready=lambda: None)
        ui.next()
        assert service.methods() == ("pinyin",)
        status = service.status("handwriting")
        assert status.state == "unavailable" and "libzinnia0" in status.detail
        errors = []
        service.recognise(strokes_of("十"), width=300, height=300, on_result=lambda _: None, on_error=errors.append)
        ui.next()
        assert isinstance(errors[0], InputMethodUnavailable)
    finally:
        service.stop()


def test_missing_pinyin_data_leaves_handwriting(tmp_path, ui):
    service = TextInputService(tmp_path, deliver=ui, load_rime=lambda: Rime.load(shared_data=tmp_path / "none"))
    try:
        service.start(on_ready=lambda: None)
        ui.next()
        assert service.methods() == ("handwriting",)
        assert "rime-data-luna-pinyin" in service.status("pinyin").detail
    finally:
        service.stop()


def test_probe_for_the_diagnostics(tmp_path):
    installed = probe_methods()
    assert {method: status.state for method, status in installed.items()} == {"handwriting": "ready",
                                                                              "pinyin": "ready"}
    missing = probe_methods(load_rime=lambda: Rime.load(library="librime-gone.so.1"))
    assert missing["pinyin"].state == "unavailable" and "librime1" in missing["pinyin"].detail


def test_append_within_the_limit():
    assert append_within("投诉", "窗口", 10) == "投诉窗口"
    assert append_within("一二三四", "五六", 5) == "一二三四五"
    assert append_within("一二三四五", "六", 5) == "一二三四五"
