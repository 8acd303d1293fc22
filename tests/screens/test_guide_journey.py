"""办事指南 end to end on the real widgets: the embedded reference hall over HTTP (through the app's catalogue
cache), the printer simulator over a pseudo-terminal, the letter keyboard typed by touch, characters written by
hand and in pinyin through the real recognisers; offline from the copy saved on the kiosk; paged in elder mode;
in English."""

import pytest

from drivers.printer.escpos_reader import printed_text
from tests.screens.conftest import all_texts, frames, tap, wait_for
from tests.screens.test_chinese_input import type_pinyin, write_by_hand


def open_guide(app):
    wait_for(lambda: app.hall is not None, "hall connected")
    app.visit.start()
    frames()
    tap(app.screen_manager.get_screen("home").tile("guide"))
    screen = app.screen_manager.get_screen("guide")
    wait_for(lambda: screen.step == "browse", lambda: f"categories shown, step {screen.step}")
    return app, screen


@pytest.fixture
def guide_kiosk(make_demo_kiosk):
    return open_guide(make_demo_kiosk(idcard=False, printer=False))


def texts_of(screen) -> str:
    return "\n".join(all_texts(screen))


def test_category_to_guide_to_printed_material_list_and_nothing_left_at_the_end(make_demo_kiosk):
    app, screen = open_guide(make_demo_kiosk(idcard=False))
    assert "社会保障" in texts_of(screen.ids.browse_items) and screen.ids.saved_copy.text == ""
    tap(screen.item("social"))
    wait_for(lambda: screen.step == "matters", "matters of the category")
    assert screen.ids.list_prompt.text == "社会保障"
    tap(screen.item("SB001"))
    wait_for(lambda: screen.step == "matter", lambda: f"the guide, step {screen.step}")

    assert screen.ids.matter_name.text == "社保参保登记"
    guide = texts_of(screen.ids.matter_sections)
    for words in ("一证通办：可以", "【跨区通办】", "办理条件", "在本市就业或居住的劳动者", "需要带的材料（一次性告知）",
                  "居民身份证", "原件 1 份", "劳动合同或就业证明", "复印件 1 份", "不收费",
                  "法定 10 个工作日，材料齐全当场办结", "一楼A区 1-4号窗口", "西安市社会保险经办中心雁塔分中心"):
        assert words in guide, words

    tap(screen.ids.print_button)
    wait_for(lambda: screen.step == "matter" and screen.view.printed, "material list printed")
    assert screen.ids.print_state.text == "材料清单已打印，请取走。"
    paper = printed_text(app.devices.demo_printer.received())
    assert "办事材料清单" in paper and "社保参保登记" in paper and "2. 劳动合同或就业证明" in paper

    tap(screen.ids.matter_back)
    assert screen.step == "matters"
    tap(screen.ids.list_back)
    assert screen.step == "browse"

    tap(screen.item("social"))
    app.visit.end()
    frames()
    assert app.current_screen == "attract" and screen.step == "loading"
    left = texts_of(screen)
    assert screen.ids.matter_name.text == "" and "社会保障" not in left and "一楼A区" not in left


def test_pinyin_and_characters_typed_on_the_letter_keyboard_find_the_matter_online_and_offline(guide_kiosk):
    app, screen = guide_kiosk
    tap(screen.ids.search_button)
    assert screen.step == "search" and screen.ids.query.text == "输入后，相关事项会显示在这里"
    for letter in "sbcb":
        tap(screen.ids.keyboard.key(letter))
    assert screen.ids.query.text == "SBCB"
    assert [item.title for item in screen.ids.search_items.children] == ["社保参保登记"]
    tap(screen.ids.keyboard.key("x"))
    assert "没有找到相关事项" in texts_of(screen.ids.search_items)
    tap(screen.ids.keyboard.ids.delete_key)
    tap(screen.item("SB001"))
    wait_for(lambda: screen.step == "matter", "the guide")
    tap(screen.ids.matter_back)
    assert screen.step == "search" and screen.ids.query.text == "SBCB"

    tap(screen.ids.keyboard.ids.clear_key)
    for letter in "gong":
        tap(screen.ids.keyboard.key(letter))
    tap(screen.candidate("公"))                  # the letters become the character they spell
    assert screen.ids.query.text == "公" and screen.ids.search_items.children[-1].title == "公积金提取"

    tap(screen.ids.search_back)
    tap(screen.ids.search_button)
    assert screen.ids.keyboard.text == "" and screen.view.query == ""   # a new search starts empty
    app.visit.go_home()
    frames()
    assert "公" not in texts_of(screen) and screen.ids.keyboard.text == ""

    # The hall goes away: the copy saved on the kiosk is browsed and searched, its age said in words.
    app.hall.catalogue.refresh_all()
    app.hall.embedded.stop()
    tap(app.screen_manager.get_screen("home").tile("guide"))
    wait_for(lambda: screen.step == "browse", lambda: f"categories from the saved copy, step {screen.step}")
    assert screen.ids.saved_copy.text == "网络暂时中断，显示的是本机保存的信息（刚刚更新）"
    tap(screen.ids.search_button)
    for letter in "gjj":
        tap(screen.ids.keyboard.key(letter))
    tap(screen.item("GJJ001"))
    wait_for(lambda: screen.step == "matter", "the saved guide")
    assert screen.ids.matter_name.text == "公积金提取" and screen.ids.saved_copy.text

def test_a_matter_is_found_by_its_name_written_in_pinyin_and_by_hand(guide_kiosk):
    """GIVEN the search WHEN 公积金 is typed in pinyin, then 不 written by hand and 动产 added in pinyin THEN each
    finds its matter through the real librime and zinnia; the letter keyboard goes on from the same text, and
    nothing written stays when the visit ends."""
    app, screen = guide_kiosk
    tap(screen.ids.search_button)
    writer, keyboard = screen.ids.writer, screen.ids.keyboard
    assert screen.view.input_method == "letters" and keyboard.opacity == 1 and writer.opacity == 0
    assert [b.text for b in (screen.ids.letters_button, screen.ids.handwriting_button, screen.ids.pinyin_button)] == [
        "✓ 字母", "手写", "拼音"]

    tap(screen.ids.pinyin_button)
    assert screen.view.input_method == "pinyin" and keyboard.opacity == 0 and writer.opacity == 1
    assert writer.ids.keyboard.opacity == 1 and writer.ids.text_column.opacity == 0   # the query shows the text
    type_pinyin(writer, "gongjijin", "公积金")
    assert screen.ids.query.text == "公积金" and [item.title for item in screen.ids.search_items.children] == ["公积金提取"]
    tap(screen.item("GJJ001"))
    wait_for(lambda: screen.step == "matter", "the guide")
    tap(screen.ids.matter_back)
    assert screen.step == "search" and screen.view.input_method == "pinyin" and screen.ids.query.text == "公积金"

    tap(screen.ids.letters_button)                      # the letter keyboard goes on from the same text
    assert keyboard.text == "公积金" and keyboard.opacity == 1
    tap(keyboard.ids.clear_key)
    assert writer.text == "" and screen.view.query == ""

    tap(screen.ids.handwriting_button)
    write_by_hand(writer, "不")
    assert screen.ids.query.text == "不" and [item.title for item in screen.ids.search_items.children] == ["不动产登记"]
    tap(screen.ids.pinyin_button)
    type_pinyin(writer, "dongchan", "动产")
    assert screen.ids.query.text == "不动产" and screen.ids.search_items.children[-1].title == "不动产登记"

    for letter in "deng":                               # half typed when the citizen walks away
        writer.ids.keyboard.press(letter)
    wait_for(lambda: writer.ids.keyboard.state.composing, "pinyin half typed")
    app.visit.end()
    frames()
    assert writer.text == keyboard.text == "" and not writer.ids.keyboard.state.composing
    assert "不动产" not in texts_of(screen)


def test_a_machine_without_chinese_input_searches_with_letters_alone(make_demo_kiosk):
    """GIVEN neither zinnia nor librime WHEN the search opens THEN no switch, the letter keyboard as before."""
    from kiosk.devices.text_input.handwriting import ZinniaRecogniser
    from kiosk.devices.text_input.pinyin import Rime
    from kiosk.devices.text_input.service import TextInputService

    app = make_demo_kiosk(idcard=False, printer=False)
    app.text_input = TextInputService(app.settings.data_dir, deliver=app.deliver,
                                      open_recogniser=lambda: ZinniaRecogniser.open(library="libzinnia-gone.so.0"),
                                      load_rime=lambda: Rime.load(library="librime-gone.so.1"))
    app, screen = open_guide(app)
    tap(screen.ids.search_button)
    wait_for(lambda: screen.input_methods == ["letters"], "handwriting and pinyin withdrawn")
    frames(1)
    assert screen.ids.input_switch.opacity == 0 and screen.ids.input_switch.disabled
    assert screen.view.input_method == "letters" and screen.ids.keyboard.opacity == 1
    for letter in "gjj":
        tap(screen.ids.keyboard.key(letter))
    assert [item.title for item in screen.ids.search_items.children] == ["公积金提取"]
    app.text_input.stop()


def test_elder_mode_pages_with_big_buttons_and_english_follows(guide_kiosk):
    app, screen = guide_kiosk
    categories = screen.view.listing
    app.visit.toggle_elder_mode()
    frames()
    assert len(screen.ids.browse_items.children) == 4 == screen.view.page_size
    pager = screen.ids.browse_pager
    assert pager.ids.page.text == "第 1 页 / 共 2 页" and pager.ids.previous.disabled
    tap(pager.ids.next)
    assert [item.code for item in screen.ids.browse_items.children[::-1]] == [c.code for c in categories[4:8]]
    assert pager.ids.next.disabled

    app.visit.toggle_language()
    frames()
    assert pager.ids.page.text == "Page 2 of 2" and pager.ids.previous.text == "Previous"
    assert screen.ids.search_button.text == "Search" and "services" in texts_of(screen.ids.browse_items)
    tap(screen.ids.packages_button)
    assert screen.step == "packages"
    tap(screen.item("PKG-BIRTH"))
    assert "Done within 5 working days" in screen.ids.list_prompt.text
    tap(screen.item("YB002"))
    wait_for(lambda: screen.step == "matter", "the guide")
    assert "One-card service: yes" in texts_of(screen.ids.matter_sections)
    assert "Handled in this district only" in texts_of(screen.ids.matter_sections)
    assert screen.ids.matter_up.disabled and not screen.ids.matter_down.disabled   # longer than the screen
    tap(screen.ids.matter_down)
    assert screen.ids.matter_scroll.scroll_y < 1 and not screen.ids.matter_up.disabled


def settle_layout(area) -> None:
    """Run the clock (labels and layouts update on it) without drawing, until nothing in `area` moves."""
    from kivy.clock import Clock

    def places():
        return [(tuple(w.pos), tuple(w.size)) for w in area.walk(restrict=True)]

    before = None
    for _ in range(60):
        Clock.tick()
        now = places()
        if now == before:
            return
        before = now
    raise AssertionError("the layout never settled")


def shown_outside_scrolling(widget):
    """Widgets drawn and touchable in `widget`, except what a ScrollView clips."""
    from kivy.uix.scrollview import ScrollView

    if widget.width <= 0 or widget.height <= 0 or widget.opacity <= 0 or widget.disabled:
        return
    yield widget
    if not isinstance(widget, ScrollView):
        for child in widget.children:
            yield from shown_outside_scrolling(child)


# The steps with a layout of their own (the others share these panels).
LAYOUT_STEPS = ("browse", "search", "package", "printing", "paper-out", "unavailable")


def test_every_step_meets_the_accessibility_floor_and_fits_its_area(make_app, kivy_window):
    """Each step's layout, portrait and landscape, standard and elder mode: text at least 18 dp, every button
    at least the theme's touch target, and nothing spilling out of the step's area."""
    from kivy.metrics import dp
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label

    app = make_app()
    app.visit.start()
    app.show("guide")
    screen = app.screen_manager.get_screen("guide")
    area = screen.ids.busy.parent
    try:
        for size in ((1080, 1920), (1920, 1080)):
            kivy_window.size = size
            frames(2)
            for _mode in ("standard", "elder"):
                target = dp(app.theme.target_dp)
                for step, view in screen.screenshot_views():
                    if step not in LAYOUT_STEPS:
                        continue
                    screen.show(view)
                    settle_layout(area)
                    left, bottom = area.to_window(area.x, area.y)
                    for widget in shown_outside_scrolling(area):
                        where = (size, app.theme.name, step, type(widget).__name__, getattr(widget, "text", ""))
                        if isinstance(widget, Label):
                            assert widget.font_size >= dp(18), where
                        if isinstance(widget, ButtonBehavior):
                            assert widget.width >= target - 0.5 and widget.height >= target - 0.5, (where, widget.size)
                        x, y = widget.to_window(widget.x, widget.y)
                        assert left - 0.5 <= x and x + widget.width <= left + area.width + 0.5, (where, x)
                        assert bottom - 0.5 <= y and y + widget.height <= bottom + area.height + 0.5, (where, y)
                app.visit.toggle_elder_mode()
        assert app.landscape
    finally:
        kivy_window.size = (1080, 1920)
