"""Sealing at rest: a value opens only with its key and in its record; purposes never share a key."""

import pytest

from domain.sealing import SealBroken, Sealer, WeakSecret, derive_key

SECRET = "test-sealing-secret-not-for-production"


def test_a_sealed_value_opens_in_its_record_only():
    sealer = Sealer(derive_key(SECRET, purpose=b"test v1"))
    sealed = sealer.seal(b"3101002468", bound_to=b"GT0001")
    assert b"3101002468" not in sealed
    assert sealer.open(sealed, bound_to=b"GT0001") == b"3101002468"
    with pytest.raises(SealBroken):
        sealer.open(sealed, bound_to=b"GT0002")
    with pytest.raises(SealBroken):
        sealer.open(sealed[:-1] + bytes([sealed[-1] ^ 1]), bound_to=b"GT0001")


def test_two_purposes_of_one_secret_cannot_open_each_other():
    outbox, journal = (Sealer(derive_key(SECRET, purpose=p)) for p in (b"outbox v1", b"journal v1"))
    check = outbox.key_check(b"label")
    outbox.verify_key_check(check, b"label")
    with pytest.raises(SealBroken):
        journal.verify_key_check(check, b"label")


@pytest.mark.parametrize("secret", ["", "short", " " * 40])
def test_a_weak_secret_is_refused(secret):
    with pytest.raises(WeakSecret):
        derive_key(secret, purpose=b"test v1")
