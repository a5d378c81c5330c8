"""Password hashing: bcrypt, never below cost 12."""

import bcrypt
import pytest

from sovra_common import exception
from sovra_identity.service import password


def test_hash_is_bcrypt_cost_12_and_checks():
    hashed = password.hash_password("correct horse")
    assert hashed.startswith("$2b$12$")
    assert password.check_password("correct horse", hashed)
    assert not password.check_password("wrong horse", hashed)


def test_weaker_cost_refused():
    with pytest.raises(ValueError):
        password.hash_password("x", rounds=4)


def test_missing_user_or_password_is_false():
    assert not password.check_password("x", None)
    assert not password.check_password(None, bcrypt.hashpw(b"x", bcrypt.gensalt(4)).decode())
    assert not password.check_password("x", "not-a-hash")


def test_too_long_password_refused():
    with pytest.raises(exception.Invalid):
        password.hash_password("x" * 73)
