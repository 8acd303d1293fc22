"""The inactivity watch and the session wipe, with time passed in (no sleeping, no real clock)."""

from domain.privacy import redact, sensitive_values
from kiosk.session import IdlePhase, IdleWatch, Session


def test_idle_watch_warns_then_expires():
    watch = IdleWatch(idle_timeout_s=60, countdown_s=10, now=1000.0)
    assert watch.phase(1059.9) == (IdlePhase.ACTIVE, 0)
    assert watch.phase(1060.0) == (IdlePhase.WARNING, 10)
    assert watch.phase(1063.5) == (IdlePhase.WARNING, 7)
    assert watch.phase(1069.99) == (IdlePhase.WARNING, 1)
    assert watch.phase(1070.0) == (IdlePhase.EXPIRED, 0)


def test_a_touch_starts_the_idle_time_again():
    watch = IdleWatch(idle_timeout_s=60, countdown_s=10, now=0.0)
    watch.touch(65.0)  # during the countdown
    assert watch.phase(100.0) == (IdlePhase.ACTIVE, 0)
    assert watch.phase(125.0) == (IdlePhase.WARNING, 10)


def test_longer_timeout_takes_effect_from_now():
    watch = IdleWatch(idle_timeout_s=60, countdown_s=10, now=0.0)
    watch.set_idle_timeout(120, now=50.0)
    assert watch.phase(169.0) == (IdlePhase.ACTIVE, 0)


class FakeIdentity:
    def __init__(self):
        self.wiped = False

    def wipe(self):
        self.wiped = True


def test_wipe_clears_personal_data_names_and_choices():
    session = Session("zh", False)
    session.start()
    identity = FakeIdentity()
    session.remember("identity", identity)
    session.language, session.elder_mode = "en", True
    sensitive_values.register("张测试", "张**")
    cleared = []
    session.on_wipe(lambda: cleared.append(True))

    session.wipe()

    assert identity.wiped
    assert not session.holds_personal_data() and session.recall("identity") is None
    assert redact("张测试") == "张测试"  # the log filter no longer needs to know the name
    assert (session.language, session.elder_mode, session.active) == ("zh", False, False)
    assert cleared == [True]


def test_a_second_identity_wipes_the_first_at_once():
    session = Session("zh", False)
    first, second = FakeIdentity(), FakeIdentity()
    session.remember("identity", first)
    session.remember("identity", second)
    assert first.wiped and not second.wiped
    assert session.recall("identity") is second


class FakeScreens:
    """What a visit shows, recorded: the screens in order, the mode, the countdown."""

    def __init__(self) -> None:
        self.maintenance_active = False
        self.unavailable = ""
        self.shown: list[str] = []
        self.modes: list[tuple[str, bool]] = []
        self.countdown_left: int | None = None
        self.spoken: list[str] = []
        self.closing_notes: list[set[str]] = []

    def show(self, screen_name: str) -> None:
        self.shown.append(screen_name)

    def show_mode(self, language: str, elder_mode: bool) -> None:
        self.modes.append((language, elder_mode))

    def countdown(self, seconds_left):
        opened = self.countdown_left is None and seconds_left is not None
        self.countdown_left = seconds_left
        return opened

    def speak(self, key: str) -> None:
        self.spoken.append(key)

    def closing_note(self, takeaways: set[str]) -> None:
        self.closing_notes.append(takeaways)


def a_visit(services=("ticket", "review")):
    from kiosk.config import PROFILE_DIR, load_settings
    from kiosk.session import Visit

    clock = [0.0]
    screens = FakeScreens()
    visit = Visit(Session("zh", False), load_settings(PROFILE_DIR / "demo.toml").ui, services, screens,
                  lambda: clock[0])
    return visit, screens, clock


def test_a_visit_counts_down_once_says_so_and_ends_wiped_on_the_resting_screen():
    visit, screens, clock = a_visit()
    visit.start()
    visit.session.remember("identity", FakeIdentity())
    clock[0] = 60.0
    visit.tick()
    assert screens.countdown_left == 10 and screens.spoken == ["idle.question"]
    clock[0] = 65.0
    visit.tick()
    assert screens.countdown_left == 5 and screens.spoken == ["idle.question"]  # said once, when it opened
    clock[0] = 70.0
    visit.tick()
    assert screens.shown == ["home", "attract"] and screens.countdown_left is None
    assert not visit.session.active and not visit.session.holds_personal_data()


def test_keep_going_closes_the_countdown_and_elder_mode_waits_longer():
    visit, screens, clock = a_visit()
    visit.start()
    visit.toggle_elder_mode()
    assert screens.modes == [("zh", True)]
    clock[0] = 119.0
    visit.tick()
    assert screens.countdown_left is None                 # elder mode: 120 s before the countdown
    clock[0] = 120.0
    visit.tick()
    assert screens.countdown_left == 10
    visit.keep_going()
    assert screens.countdown_left is None and visit.session.active


def test_a_finished_journey_goes_on_to_rate_it_where_reviews_are_offered_else_the_visit_ends():
    visit, screens, _clock = a_visit()
    visit.start()
    visit.finish_journey(ticket_id="t-1")
    assert screens.shown[-1] == "review" and visit.pending_review == {"ticket_id": "t-1"}
    visit.end()
    assert visit.pending_review is None and screens.shown[-1] == "attract"

    no_reviews, screens, _clock = a_visit(services=("ticket",))
    no_reviews.start()
    no_reviews.finish_journey(case_number="YT1", query_code="123456")
    assert screens.shown[-1] == "attract" and not no_reviews.session.active


def test_out_of_service_is_the_resting_screen_and_maintenance_keeps_its_own():
    visit, screens, _clock = a_visit()
    visit.start()
    screens.unavailable = "broken"
    visit.end()
    assert screens.shown[-1] == "out_of_service"
    visit.start()
    screens.maintenance_active = True
    visit.end()
    assert screens.shown[-1] == "home"  # the technician's page stays; only the citizen's data went


def test_a_visit_that_took_a_card_and_printed_ends_by_asking_for_both_back():
    """GIVEN a visit in which a card was placed and a slip printed WHEN it ends THEN the resting screen comes
    with one closing note naming both, and the next visit starts with nothing to ask back."""
    visit, screens, _clock = a_visit()
    visit.start()
    visit.session.note_takeaway("card")
    visit.session.note_takeaway("slip")
    visit.end()
    assert screens.shown[-1] == "attract" and screens.closing_notes == [{"card", "slip"}]
    visit.start()
    visit.end()
    assert screens.closing_notes == [{"card", "slip"}]
