"""The Fernet key repository: setup, rotation, refusal without keys."""

import os

import pytest
from cryptography.fernet import Fernet, InvalidToken

from sovra_identity.token import keys


def _read(path, name):
    with open(os.path.join(path, name), "rb") as f:
        return f.read()


def test_no_keys_refused(tmp_path):
    with pytest.raises(keys.KeyRepositoryError):
        keys.load_keys(str(tmp_path / "missing"))
    with pytest.raises(keys.KeyRepositoryError):
        keys.KeyRing(str(tmp_path))


def test_setup_creates_staged_and_primary_once(tmp_path):
    path = str(tmp_path / "k")
    assert keys.setup(path) == [0, 1]
    first = _read(path, "1")
    assert keys.setup(path) == [0, 1]
    assert _read(path, "1") == first
    assert oct(os.stat(path).st_mode & 0o777) == "0o700"
    assert oct(os.stat(os.path.join(path, "1")).st_mode & 0o777) == "0o600"


def test_rotation_promotes_staged_and_keeps_max_active(tmp_path):
    path = str(tmp_path)
    keys.setup(path)
    staged = _read(path, "0")
    assert keys.rotate(path, max_active_keys=3) == [0, 1, 2]
    # the old staged key is the new primary, used first
    assert _read(path, "2") == staged
    assert keys.load_keys(path)[0] == staged
    assert keys.rotate(path, max_active_keys=3) == [0, 2, 3]
    assert keys.rotate(path, max_active_keys=3) == [0, 3, 4]


def test_tokens_survive_one_rotation_not_more_than_max_active(tmp_path):
    path = str(tmp_path)
    keys.setup(path)
    ring = keys.KeyRing(path)
    old = ring.encrypt(b"payload")
    keys.rotate(path, max_active_keys=3)
    os.utime(path, ns=(1, 1))  # make sure the ring sees the change
    assert ring.decrypt(old) == b"payload"
    new = ring.encrypt(b"new")
    assert keys.multi_fernet(path).decrypt(new) == b"new"
    # encrypted with the new primary (the old staged key)
    assert Fernet(_read(path, "2")).decrypt(new) == b"new"
    keys.rotate(path, max_active_keys=3)
    keys.rotate(path, max_active_keys=3)
    with pytest.raises(InvalidToken):
        keys.multi_fernet(path).decrypt(old)


def test_token_made_with_staged_key_is_readable_before_rotation(tmp_path):
    """Another node may already have promoted the staged key."""
    path = str(tmp_path)
    keys.setup(path)
    staged = Fernet(_read(path, "0"))
    assert keys.multi_fernet(path).decrypt(staged.encrypt(b"x")) == b"x"


def test_bad_key_file_refused(tmp_path):
    keys.setup(str(tmp_path))
    (tmp_path / "1").write_bytes(b"not a key")
    with pytest.raises(keys.KeyRepositoryError):
        keys.load_keys(str(tmp_path))
