"""librime through its ctypes binding, with the Luna Pinyin data: key sequences in, simplified characters out."""

from __future__ import annotations

import pytest

from kiosk.devices.text_input.errors import InputMethodFailed, InputMethodUnavailable
from kiosk.devices.text_input.pinyin import Rime


@pytest.fixture(scope="module")
def rime(tmp_path_factory):
    rime = Rime.load()
    rime.deploy(tmp_path_factory.mktemp("rime"))
    return rime


@pytest.fixture
def session(rime):
    session = rime.open_session(page_size=6)
    yield session
    session.close()


def test_a_word_typed_in_pinyin_is_offered_first_and_committed(session):
    """GIVEN "tousu" typed WHEN the first candidate is chosen THEN 投诉 is committed and the composition ends."""
    state = session.type_letters("tousu")
    assert state.preedit == "tou su" and state.candidates[0] == "投诉"
    chosen = session.select(0)
    assert chosen.committed == "投诉" and not chosen.composing and chosen.candidates == ()


def test_output_is_simplified_never_traditional(session):
    """GIVEN "zhengwu" WHEN candidates are read THEN 政务 (simplified), not luna_pinyin's default 政務."""
    candidates = session.type_letters("zhengwu").candidates
    assert candidates[0] == "政务"
    assert not {"政務", "證物", "證悟"} & set(candidates)


def test_candidates_page_forward_and_back(session):
    """GIVEN six candidates a page WHEN paging on and back THEN new candidates, then the first page again."""
    first = session.type_letters("tousu")
    assert first.page == 0 and first.has_next and not first.has_previous and len(first.candidates) == 6
    second = session.next_page()
    assert second.page == 1 and second.has_previous and len(second.candidates) == 6
    assert not set(first.candidates) & set(second.candidates)
    assert session.previous_page().candidates == first.candidates


def test_a_candidate_from_the_second_page_is_the_one_committed(session):
    """GIVEN "tou" paged once WHEN the third candidate of page two is chosen THEN exactly that one is committed."""
    session.type_letters("tou")
    page_two = session.next_page()
    assert session.select(2).committed == page_two.candidates[2]


def test_choosing_part_of_the_syllables_keeps_composing_the_rest(session):
    """GIVEN "chuangkou" WHEN the single character 窗 is found among the candidates and chosen THEN 窗 waits in the
    preedit with "kou" still to choose; choosing 口 then commits 窗口."""
    state = session.type_letters("chuangkou")
    while "窗" not in state.candidates:
        state = session.next_page()
    partial = session.select(state.candidates.index("窗"))
    assert partial.committed == "" and partial.preedit.startswith("窗") and partial.candidates[0] == "口"
    assert session.select(0).committed == "窗口"


def test_backspace_takes_back_letters_one_at_a_time(session):
    session.type_letters("ab")
    assert session.backspace().preedit == "a"
    assert session.backspace().composing is False
    assert session.backspace().composing is False     # nothing left: a no-op


def test_elder_mode_pages_keep_the_first_candidate_shown(session):
    """GIVEN the third page of six (candidates 12 to 17) WHEN the page size becomes four (elder mode) THEN the page
    shown holds candidates 12 to 15: the one the citizen was looking at first is still first."""
    session.type_letters("shi")
    session.next_page()
    third_page = session.next_page()
    fewer = session.set_page_size(4)
    assert fewer.page == 3 and len(fewer.candidates) == 4
    assert fewer.candidates == third_page.candidates[:4]


def test_clear_forgets_the_composition(session):
    session.type_letters("tousu")
    assert session.clear().composing is False
    assert session.type_letters("an").candidates[0] == "按"


def test_only_letters_are_typed(session):
    with pytest.raises(ValueError):
        session.type_letters("tou1")
    assert not session.state().composing     # nothing of the refused input was typed


def test_nothing_the_citizen_types_is_learnt_on_disk(rime, session):
    """GIVEN a word typed and committed WHEN the user folder is read THEN there is no user dictionary
    (luna_pinyin.userdb): the schema's learning is switched off by the deployed patch."""
    session.type_letters("zhangsan")
    session.select(0)
    assert not list(rime.deployed_to.glob("*.userdb*"))


def test_a_folder_deployed_before_is_used_as_it_is(rime, tmp_path):
    """GIVEN a folder librime deployed into earlier (a kiosk restarting) WHEN deployed again from scratch THEN
    librime finds nothing to do and the engine works."""
    folder = rime.deployed_to
    rime.deploy(tmp_path / "elsewhere")
    rime.deploy(folder)
    session = rime.open_session()
    try:
        assert rime.deployed_to == folder and session.type_letters("tousu").candidates[0] == "投诉"
    finally:
        session.close()


def test_moving_with_a_session_open_is_refused(rime, session, tmp_path):
    """librime has one set of folders per process: it moves only when no session is open."""
    with pytest.raises(InputMethodFailed, match="sessions are open"):
        rime.deploy(tmp_path / "elsewhere")


def test_missing_data_names_the_package(tmp_path):
    with pytest.raises(InputMethodUnavailable) as raised:
        Rime.load(shared_data=tmp_path)
    assert raised.value.package == "rime-data-luna-pinyin" and raised.value.method == "pinyin"


def test_missing_library_names_the_package():
    with pytest.raises(InputMethodUnavailable) as raised:
        Rime.load(library="librime-not-installed.so.1")
    assert raised.value.package == "librime1"
