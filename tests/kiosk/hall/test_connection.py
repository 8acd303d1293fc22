"""The demo kiosk's hall connection: the embedded reference hall over HTTP, the outbox, and the service
guides saved as soon as the hall answers, so 办事指南 keeps working when it goes away."""

from kiosk.config import PROFILE_DIR, Secrets, load_settings
from kiosk.hall.connection import connect_hall

SECRETS = Secrets(kiosk_secret="test-secret-0123456789abcdef", outbox_key="test-outbox-key-0123456789")


def test_guides_are_saved_when_the_hall_answers_and_served_from_disk_when_it_is_gone(tmp_path):
    settings = load_settings(PROFILE_DIR / "demo.toml").model_copy(update={"data_dir": tmp_path})
    states = []
    connection = connect_hall(settings, SECRETS, on_reachability=states.append)
    try:
        assert connection.refresher.refreshed.wait(timeout=60)
        assert states[0] is True
        code = connection.client.matters()[0].code

        connection.embedded.stop()
        connection.reachability.report(False)
        connection.reachability.report(False)  # two failures in a row: offline
        saved = connection.catalogue.matter(code)
        assert not saved.live and saved.value.code == code
    finally:
        connection.close()


def test_an_old_demo_outbox_is_not_carried_into_a_fresh_demo_hall(tmp_path):
    settings = load_settings(PROFILE_DIR / "demo.toml").model_copy(update={"data_dir": tmp_path})
    first = connect_hall(settings, SECRETS)
    first.sender.stop()  # nothing will be delivered: the item stays in the file
    first.outbox.enqueue_complaint({"kind": "suggestion", "content": "请增加老年人座椅"})
    assert first.outbox.stats().pending == 1
    first.close()
    second = connect_hall(settings, Secrets(kiosk_secret="another-secret-0123456789", outbox_key="another-key-01234567"))
    try:
        assert second.outbox.stats().pending == 0
    finally:
        second.close()
