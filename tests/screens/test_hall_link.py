"""In the demo profile the kiosk starts the reference hall in-process and talks to it over real HTTP,
without ever holding up the UI thread; an unreachable hall is reported, not waited for."""

from kiosk.config import PROFILE_DIR, load_settings
from kiosk.hall.connection import connect_hall
from tests.screens.conftest import kiosk_secrets, wait_for


def test_demo_kiosk_reaches_its_embedded_hall_over_http(make_app, tmp_path):
    settings = load_settings(PROFILE_DIR / "demo.toml").model_copy(update={"data_dir": tmp_path})
    app = make_app(settings=settings, secrets=kiosk_secrets(),
                   hall_connector=connect_hall)
    wait_for(lambda: app.hall_state != "connecting")
    assert app.hall_state == "online"
    assert app.hall.client.base_url.startswith("http://127.0.0.1:")
    assert [queue.prefix for queue in app.hall.client.queues()]  # the demo hall has open queues
    assert app.live_hall is app.hall.client


def test_unreachable_hall_is_reported_offline(make_app, tmp_path):
    demo = load_settings(PROFILE_DIR / "demo.toml")
    hall = demo.hall.model_copy(update={"mode": "remote", "base_url": "http://127.0.0.1:9", "retries": 0,
                                        "connect_timeout_s": 1.0})
    settings = demo.model_copy(update={"data_dir": tmp_path, "hall": hall})
    app = make_app(settings=settings, secrets=kiosk_secrets(),
                   hall_connector=connect_hall)
    wait_for(lambda: app.hall_state != "connecting")
    assert app.hall_state == "offline"
    assert app.live_hall is None
    assert app.root.ids.offline_banner.text.startswith("网络暂时中断")
    reference = app.hall.outbox.enqueue_review({"ticket_id": "T1", "level": "satisfied"})
    assert reference and app.hall.outbox.stats().pending == 1  # work is still accepted, kept for later
