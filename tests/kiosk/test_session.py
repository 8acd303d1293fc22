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
