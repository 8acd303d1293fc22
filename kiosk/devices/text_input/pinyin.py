"""Pinyin input with librime (the engine of 中州韵, 鼠须管 and 小狼毫) and the Luna Pinyin data, through ctypes
(the PyPI binding pyrime does not build on Debian 12). Letters in; the syllables so far, the candidates a page
at a time, and the committed characters out — always simplified (the `luna_pinyin_simp` schema).

    rime = Rime.load()                         # InputMethodUnavailable when librime1 or its data is missing
    rime.deploy(data_dir / "rime")             # once, off the UI thread: ~0.4 s the first time, ~1 ms after
    session = rime.open_session(page_size=6)
    session.type_letters("tousu")              # PinyinState(preedit="tou su", candidates=("投诉", "投宿", ...))
    session.next_page()                        # the next six
    session.select(0)                          # PinyinState(committed="投诉", preedit="", ...)
    session.close()

librime is one engine per process: `RimeSetup` may run only once (glog aborts the process on a second call),
so `Rime.load()` returns the process's one instance, which can be re-deployed to another folder when no session
is open. Its sessions are not thread-safe: one thread owns them all (kiosk.devices.text_input.service).

Nothing typed is kept: the schema's user dictionary (which would learn and store the citizen's words on disk)
is switched off in the deployed patch, and nothing here logs text.
"""

from __future__ import annotations

import atexit
import ctypes
import threading
from ctypes import CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_size_t, c_void_p
from dataclasses import dataclass
from pathlib import Path

from kiosk.devices.text_input.errors import InputMethodFailed, InputMethodUnavailable

__all__ = ["Rime", "PinyinSession", "PinyinState", "LIBRARY", "SHARED_DATA", "SCHEMA", "LETTERS"]

LIBRARY = "librime.so.1"
SHARED_DATA = Path("/usr/share/rime-data")
SCHEMA = "luna_pinyin_simp"       # Luna Pinyin with the simplifier on: 政务, never 政務
METHOD = "pinyin"
LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz'")   # ' separates syllables (xi'an)
MAX_INPUT = 40                    # letters in one composition; rime slows down on very long input
# X11 keysyms (X11/keysymdef.h), which librime takes as key codes.
XK_BACKSPACE = 0xFF08
# The user folder's patches: deploy only the one schema the kiosk uses (0.4 s instead of 18 s for all of
# librime-data's), and never learn from what citizens type.
DEFAULT_PATCH = "patch:\n  schema_list:\n    - schema: luna_pinyin_simp\n"
SCHEMA_PATCH = "patch:\n  \"translator/enable_user_dict\": false\n"

Bool = c_int
SessionId = c_size_t


class _Traits(Structure):
    _fields_ = [("data_size", c_int), ("shared_data_dir", c_char_p), ("user_data_dir", c_char_p),
                ("distribution_name", c_char_p), ("distribution_code_name", c_char_p),
                ("distribution_version", c_char_p), ("app_name", c_char_p), ("modules", POINTER(c_char_p)),
                ("min_log_level", c_int), ("log_dir", c_char_p), ("prebuilt_data_dir", c_char_p),
                ("staging_dir", c_char_p)]


class _Composition(Structure):
    _fields_ = [("length", c_int), ("cursor_pos", c_int), ("sel_start", c_int), ("sel_end", c_int),
                ("preedit", c_char_p)]


class _Candidate(Structure):
    _fields_ = [("text", c_char_p), ("comment", c_char_p), ("reserved", c_void_p)]


class _Menu(Structure):
    _fields_ = [("page_size", c_int), ("page_no", c_int), ("is_last_page", Bool),
                ("highlighted_candidate_index", c_int), ("num_candidates", c_int),
                ("candidates", POINTER(_Candidate)), ("select_keys", c_char_p)]


class _Context(Structure):
    _fields_ = [("data_size", c_int), ("composition", _Composition), ("menu", _Menu),
                ("commit_text_preview", c_char_p), ("select_labels", POINTER(c_char_p))]


class _Commit(Structure):
    _fields_ = [("data_size", c_int), ("text", c_char_p)]


class _CandidateIterator(Structure):
    _fields_ = [("ptr", c_void_p), ("index", c_int), ("candidate", _Candidate)]


# The head of rime_api.h's RimeApi, up to select_candidate (not exported as a plain function): the fields
# in the header's order; only select_candidate is called through it.
_API_HEAD = ("setup set_notification_handler initialize finalize start_maintenance is_maintenance_mode "
             "join_maintenance_thread deployer_initialize prebuild deploy deploy_schema deploy_config_file "
             "sync_user_data create_session find_session destroy_session cleanup_stale_sessions "
             "cleanup_all_sessions process_key commit_composition clear_composition get_commit free_commit "
             "get_context free_context get_status free_status set_option get_option set_property get_property "
             "get_schema_list free_schema_list get_current_schema select_schema schema_open config_open "
             "config_close config_get_bool config_get_int config_get_double config_get_string config_get_cstring "
             "config_update_signature config_begin_map config_next config_end simulate_key_sequence "
             "register_module find_module run_task get_shared_data_dir get_user_data_dir get_sync_dir get_user_id "
             "get_user_data_sync_dir config_init config_load_string config_set_bool config_set_int "
             "config_set_double config_set_string config_get_item config_set_item config_clear config_create_list "
             "config_create_map config_list_size config_begin_list get_input get_caret_pos").split()
_SelectCandidate = CFUNCTYPE(Bool, SessionId, c_size_t)


class _ApiHead(Structure):
    _fields_ = [("data_size", c_int), *((name, c_void_p) for name in _API_HEAD),
                ("select_candidate", _SelectCandidate)]


def _struct(kind: type[Structure]) -> Structure:
    """A versioned rime struct: data_size is its size less the int itself (RIME_STRUCT_INIT)."""
    value = kind()
    value.data_size = ctypes.sizeof(kind) - ctypes.sizeof(c_int)
    return value


def _load_library(name: str) -> ctypes.CDLL:
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        raise InputMethodUnavailable(METHOD, name, "librime1") from None
    for function, restype, argtypes in (
            ("RimeSetup", None, [POINTER(_Traits)]),
            ("RimeInitialize", None, [POINTER(_Traits)]),
            ("RimeFinalize", None, []),
            ("RimeStartMaintenance", Bool, [Bool]),
            ("RimeJoinMaintenanceThread", None, []),
            ("RimeCreateSession", SessionId, []),
            ("RimeDestroySession", Bool, [SessionId]),
            ("RimeSelectSchema", Bool, [SessionId, c_char_p]),
            ("RimeProcessKey", Bool, [SessionId, c_int, c_int]),
            ("RimeClearComposition", None, [SessionId]),
            ("RimeGetContext", Bool, [SessionId, POINTER(_Context)]),
            ("RimeFreeContext", Bool, [POINTER(_Context)]),
            ("RimeGetCommit", Bool, [SessionId, POINTER(_Commit)]),
            ("RimeFreeCommit", Bool, [POINTER(_Commit)]),
            ("RimeCandidateListFromIndex", Bool, [SessionId, POINTER(_CandidateIterator), c_int]),
            ("RimeCandidateListNext", Bool, [POINTER(_CandidateIterator)]),
            ("RimeCandidateListEnd", None, [POINTER(_CandidateIterator)]),
            ("rime_get_api", POINTER(_ApiHead), [])):
        getattr(lib, function).restype = restype
        getattr(lib, function).argtypes = argtypes
    return lib


@dataclass(frozen=True)
class PinyinState:
    """What the pinyin keyboard shows after each action."""

    preedit: str = ""                       # the syllables so far ("tou su"; "闯kou" once part is chosen)
    candidates: tuple[str, ...] = ()        # this page's candidates, likeliest first
    page: int = 0
    has_next: bool = False
    committed: str = ""                     # characters this action finished (append them to the text)

    @property
    def composing(self) -> bool:
        return bool(self.preedit)

    @property
    def has_previous(self) -> bool:
        return self.page > 0


class Rime:
    """The process's one librime."""

    _instances: dict[str, "Rime"] = {}
    _loading = threading.Lock()

    def __init__(self, lib: ctypes.CDLL) -> None:
        self._lib = lib
        self._select = lib.rime_get_api().contents.select_candidate
        self._lock = threading.RLock()
        self._deployed: Path | None = None
        self._traits: _Traits | None = None
        self._keep: list[bytes] = []        # the traits' strings, alive while librime may read them
        self._sessions: set[int] = set()
        self._set_up = False

    @classmethod
    def load(cls, library: str = LIBRARY, shared_data: Path = SHARED_DATA) -> "Rime":
        """The process's librime (loaded on first use); InputMethodUnavailable when it or its data is missing."""
        for needed, package in ((shared_data / "luna_pinyin.dict.yaml", "rime-data-luna-pinyin"),
                                (shared_data / f"{SCHEMA}.schema.yaml", "rime-data-luna-pinyin"),
                                (shared_data / "default.yaml", "rime-prelude")):
            if not needed.is_file():
                raise InputMethodUnavailable(METHOD, str(needed), package)
        with cls._loading:
            if library not in cls._instances:
                rime = cls._instances[library] = cls(_load_library(library))
                atexit.register(rime.finalize)   # librime crashes the interpreter's exit otherwise
            return cls._instances[library]

    @property
    def deployed_to(self) -> Path | None:
        return self._deployed

    def deploy(self, user_data_dir: Path) -> None:
        """Compile the schema into `user_data_dir` (once; later calls find it up to date and return at once)
        and start the engine on it. Blocking: call it off the UI thread."""
        user_data_dir = Path(user_data_dir).resolve()
        with self._lock:
            if self._deployed == user_data_dir:
                return
            if self._sessions:
                raise InputMethodFailed(METHOD, "cannot move librime to another folder while sessions are open")
            if self._deployed is not None:
                self._lib.RimeFinalize()
                self._deployed = None
            user_data_dir.mkdir(parents=True, exist_ok=True)
            for name, text in (("default.custom.yaml", DEFAULT_PATCH), (f"{SCHEMA}.custom.yaml", SCHEMA_PATCH)):
                patch = user_data_dir / name
                if not patch.is_file() or patch.read_text(encoding="utf-8") != text:
                    patch.write_text(text, encoding="utf-8")
            traits = _struct(_Traits)
            self._keep = [str(SHARED_DATA).encode(), str(user_data_dir).encode(), b"gov-service-kiosk", b"kiosk",
                          b"1", b"rime.kiosk"]
            (traits.shared_data_dir, traits.user_data_dir, traits.distribution_name, traits.distribution_code_name,
             traits.distribution_version, traits.app_name) = self._keep
            traits.min_log_level = 2     # errors only: librime's info lines would go to the journal
            self._traits = traits
            if not self._set_up:
                self._lib.RimeSetup(ctypes.byref(traits))
                self._set_up = True
            self._lib.RimeInitialize(ctypes.byref(traits))
            # False when the folder is up to date and there is nothing to do: the built schema is the test.
            if self._lib.RimeStartMaintenance(0):
                self._lib.RimeJoinMaintenanceThread()
            if not (user_data_dir / "build" / f"{SCHEMA}.prism.bin").is_file():
                self._lib.RimeFinalize()
                raise InputMethodFailed(METHOD, f"deploying {SCHEMA} into {user_data_dir} failed")
            self._deployed = user_data_dir

    def open_session(self, page_size: int = 6) -> "PinyinSession":
        with self._lock:
            if self._deployed is None:
                raise InputMethodFailed(METHOD, "librime is not deployed yet")
            session = self._lib.RimeCreateSession()
            if not session or not self._lib.RimeSelectSchema(session, SCHEMA.encode()):
                raise InputMethodFailed(METHOD, f"no session with the schema {SCHEMA}")
            self._sessions.add(session)
            return PinyinSession(self, self._lib, self._select, session, page_size)

    def _closed(self, session: int) -> None:
        with self._lock:
            if session in self._sessions:
                self._lib.RimeDestroySession(session)
                self._sessions.discard(session)

    def finalize(self) -> None:
        """Close every session and stop the engine (at exit; `deploy` starts it again)."""
        with self._lock:
            for session in list(self._sessions):
                self._closed(session)
            if self._deployed is not None:
                self._lib.RimeFinalize()
                self._deployed = None


class PinyinSession:
    """One composition at a time, as a pinyin keyboard drives it. Every call returns the new state."""

    def __init__(self, rime: Rime, lib: ctypes.CDLL, select: _SelectCandidate, session: int, page_size: int) -> None:
        self._rime, self._lib, self._select, self._session = rime, lib, select, session
        self.page_size = max(1, page_size)
        self._page = 0
        self._letters = 0

    def type_letters(self, letters: str) -> PinyinState:
        """Type pinyin letters; anything but a to z (and ') is refused with ValueError, before any is typed."""
        letters = letters.lower()
        if not set(letters) <= LETTERS:
            raise ValueError("pinyin takes the letters a to z and ' only")
        for letter in letters:
            if self._letters >= MAX_INPUT:
                break
            self._lib.RimeProcessKey(self._session, ord(letter), 0)
            self._letters += 1
        self._page = 0
        return self.state()

    def backspace(self) -> PinyinState:
        """Take back the last letter (or the last candidate chosen within the composition)."""
        if self.state().composing:
            self._lib.RimeProcessKey(self._session, XK_BACKSPACE, 0)
            self._letters = max(0, self._letters - 1)
        self._page = 0
        return self.state()

    def next_page(self) -> PinyinState:
        if self.state().has_next:
            self._page += 1
        return self.state()

    def previous_page(self) -> PinyinState:
        self._page = max(0, self._page - 1)
        return self.state()

    def set_page_size(self, page_size: int) -> PinyinState:
        """Elder mode shows fewer, bigger candidates: keep the first one shown on the new page."""
        first = self._page * self.page_size
        self.page_size = max(1, page_size)
        self._page = first // self.page_size
        return self.state()

    def select(self, index_on_page: int) -> PinyinState:
        """Choose a candidate of the page shown. Choosing one that covers only part of the syllables keeps
        composing the rest; the state's `committed` holds the characters once the whole input is chosen."""
        shown = self.state()
        if not 0 <= index_on_page < len(shown.candidates):
            raise ValueError(f"no candidate {index_on_page} on this page")
        self._select(self._session, self._page * self.page_size + index_on_page)
        self._page = 0
        committed = self._take_commit()
        if committed:
            self._letters = 0
        state = self.state()
        return PinyinState(state.preedit, state.candidates, state.page, state.has_next, committed)

    def clear(self) -> PinyinState:
        self._lib.RimeClearComposition(self._session)
        self._page = 0
        self._letters = 0
        return self.state()

    def state(self) -> PinyinState:
        context = _struct(_Context)
        preedit = ""
        if self._lib.RimeGetContext(self._session, ctypes.byref(context)):
            try:
                preedit = (context.composition.preedit or b"").decode("utf-8")
            finally:
                self._lib.RimeFreeContext(ctypes.byref(context))
        window = self._window(self._page * self.page_size, self.page_size + 1) if preedit else []
        return PinyinState(preedit=preedit, candidates=tuple(window[:self.page_size]), page=self._page,
                           has_next=len(window) > self.page_size)

    def close(self) -> None:
        self._rime._closed(self._session)

    def _window(self, start: int, count: int) -> list[str]:
        iterator = _CandidateIterator()
        texts: list[str] = []
        if self._lib.RimeCandidateListFromIndex(self._session, ctypes.byref(iterator), start):
            try:
                while len(texts) < count and self._lib.RimeCandidateListNext(ctypes.byref(iterator)):
                    texts.append((iterator.candidate.text or b"").decode("utf-8"))
            finally:
                self._lib.RimeCandidateListEnd(ctypes.byref(iterator))
        return texts

    def _take_commit(self) -> str:
        commit = _struct(_Commit)
        if not self._lib.RimeGetCommit(self._session, ctypes.byref(commit)):
            return ""
        try:
            return (commit.text or b"").decode("utf-8")
        finally:
            self._lib.RimeFreeCommit(ctypes.byref(commit))
