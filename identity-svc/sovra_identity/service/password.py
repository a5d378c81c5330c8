"""Password hashing: bcrypt, cost from [identity] password_hash_rounds (>= 12)."""

import functools

import bcrypt

from sovra_common import exception
from sovra_identity.conf.identity import MIN_BCRYPT_ROUNDS


@functools.cache
def _dummy() -> bytes:
    """A real hash to compare against when the user does not exist, so that an
    unknown user and a wrong password take the same time."""
    return bcrypt.hashpw(b"sovra-not-a-password", bcrypt.gensalt(MIN_BCRYPT_ROUNDS))


def _encode(password: str, max_length: int) -> bytes:
    raw = password.encode("utf-8")
    if len(raw) > max_length:
        raise exception.Invalid(
            f"The password is longer than the limit of {max_length} bytes.")
    return raw


def hash_password(password: str, rounds: int = MIN_BCRYPT_ROUNDS,
                  max_length: int = 72) -> str:
    if rounds < MIN_BCRYPT_ROUNDS:
        raise ValueError(f"bcrypt cost below {MIN_BCRYPT_ROUNDS} refused")
    return bcrypt.hashpw(_encode(password, max_length),
                         bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password: str | None, hashed: str | None) -> bool:
    """True when ``password`` matches ``hashed``; constant work when either is
    missing (unknown user, no password set)."""
    raw = (password or "").encode("utf-8")[:72]
    if not hashed or not password:
        bcrypt.checkpw(raw, _dummy())
        return False
    try:
        return bcrypt.checkpw(raw, hashed.encode("ascii"))
    except ValueError:
        return False
