"""Token payloads: round trip, size, tampering, expiry."""

import datetime
import uuid

import pytest
from cryptography.fernet import Fernet, MultiFernet

from sovra_identity.token import formatter as fmt

NOW = datetime.datetime(2030, 1, 1, 12, 0, 0, 123456, tzinfo=datetime.UTC)


def _payload(**kw):
    values = dict(user_id=uuid.uuid4().hex, methods=("password",), scope="project",
                  scope_id=uuid.uuid4().hex, issued_at=NOW,
                  expires_at=NOW.replace(microsecond=0) + datetime.timedelta(hours=1),
                  audit_id=fmt.new_audit_id())
    values.update(kw)
    return fmt.TokenPayload(**values)


def _formatter(clock=NOW):
    return fmt.TokenFormatter(MultiFernet([Fernet(Fernet.generate_key())]),
                              clock=lambda: clock)


@pytest.mark.parametrize("scope,scope_id", [
    ("project", uuid.uuid4().hex), ("domain", "default"), ("system", "all"),
    ("unscoped", None)])
def test_round_trip(scope, scope_id):
    payload = _payload(scope=scope, scope_id=scope_id,
                       methods=("password", "token"), audit_chain_id=fmt.new_audit_id())
    f = _formatter()
    token = f.create(payload)
    assert f.parse(token) == payload
    assert "=" not in token


def test_tokens_stay_under_255_bytes():
    # the largest case: project scope, two audit ids, every method, made by an
    # application credential
    payload = _payload(methods=fmt.METHODS, audit_chain_id=fmt.new_audit_id(),
                       app_cred_id=uuid.uuid4().hex)
    token = _formatter().create(payload)
    assert fmt.unpack(fmt.pack(payload)) == payload
    assert len(token) < 255, len(token)
    assert len(fmt.pack(payload)) <= 100


def test_non_hex_ids_round_trip():
    payload = _payload(user_id="admin-user", scope="domain", scope_id="default")
    assert fmt.unpack(fmt.pack(payload)) == payload


def test_expired_token_is_invalid():
    f = _formatter()
    token = f.create(_payload())
    later = fmt.TokenFormatter(f._crypto, clock=lambda: NOW + datetime.timedelta(hours=2))
    with pytest.raises(fmt.InvalidToken):
        later.parse(token)


@pytest.mark.parametrize("junk", ["", "x", "gAAAAA" + "A" * 100, "é" * 10, "a" * 2000])
def test_junk_is_invalid(junk):
    with pytest.raises(fmt.InvalidToken):
        _formatter().parse(junk)


def test_tampered_or_foreign_token_is_invalid():
    token = _formatter().create(_payload())
    with pytest.raises(fmt.InvalidToken):
        _formatter().parse(token)  # another key
    f = _formatter()
    good = f.create(_payload())
    flipped = good[:40] + ("A" if good[40] != "A" else "B") + good[41:]
    with pytest.raises(fmt.InvalidToken):
        f.parse(flipped)


def test_unknown_payload_version_is_refused():
    data = bytearray(fmt.pack(_payload()))
    data[0] = (7 << 4) | 1
    with pytest.raises(ValueError):
        fmt.unpack(bytes(data))
