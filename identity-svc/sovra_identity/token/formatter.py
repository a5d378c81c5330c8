"""Token payloads: what a token says, packed small and sealed with Fernet.

A token is Fernet(primary key) over a binary payload, base64url without padding.
The payload (our own format, not Keystone's msgpack)::

    byte 0      format version (high nibble) | 0x8 if an application credential
                made it | scope kind (two low bits)
    byte 1      authentication methods, one bit each
    id          the user id
    id          the scope's id (project or domain kinds only)
    [id]        the application credential's id (flag 0x8 only)
    8 bytes     issued at, microseconds since the epoch (big endian)
    4 bytes     expires at, seconds since the epoch
    16 bytes    this token's audit id
    [16 bytes]  the audit chain id (the first token of a rescoping chain)

An id is one length byte then that many UTF-8 bytes, except a 32-digit lower-case
hex id (what identity generates) which is 0xFF then its 16 raw bytes. A project
token with generated ids is ~200 characters; Keystone's limit is 255.

Nothing else (roles, names, catalog) is in the token: those are looked up when
the token is validated, so a role removed or a user disabled takes effect at once.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import re
import secrets
import struct

from cryptography import fernet

from sovra_common import exception

VERSION = 1
UNSCOPED, PROJECT, DOMAIN, SYSTEM = 0, 1, 2, 3
SCOPES = {UNSCOPED: "unscoped", PROJECT: "project", DOMAIN: "domain", SYSTEM: "system"}
METHODS = ("password", "token", "application_credential")
_UUID_HEX = re.compile(r"^[0-9a-f]{32}$")
_HEX_ID = 0xFF
_AUDIT_LEN = 16
_TIMES = struct.Struct(">QI")
_APP_CRED = 0x8


class InvalidToken(exception.NotAuthenticated):
    message = "The token is invalid, expired or revoked."


@dataclasses.dataclass(frozen=True)
class TokenPayload:
    user_id: str
    methods: tuple[str, ...]
    scope: str                      # one of SCOPES' values
    scope_id: str | None            # project or domain id; "all" for system
    issued_at: datetime.datetime
    expires_at: datetime.datetime
    audit_id: str
    audit_chain_id: str | None = None
    app_cred_id: str | None = None

    @property
    def audit_ids(self) -> list[str]:
        return [self.audit_id] + ([self.audit_chain_id] if self.audit_chain_id else [])

    @property
    def project_id(self) -> str | None:
        return self.scope_id if self.scope == "project" else None

    @property
    def domain_id(self) -> str | None:
        return self.scope_id if self.scope == "domain" else None


def new_audit_id() -> str:
    return _b64(secrets.token_bytes(_AUDIT_LEN))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str | bytes) -> bytes:
    if isinstance(text, str):
        text = text.encode("ascii")
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def _pack_id(value: str) -> bytes:
    if _UUID_HEX.match(value):
        return bytes([_HEX_ID]) + bytes.fromhex(value)
    raw = value.encode("utf-8")
    if len(raw) >= _HEX_ID:
        raise ValueError(f"id too long for a token: {value!r}")
    return bytes([len(raw)]) + raw


def _unpack_id(data: bytes, pos: int) -> tuple[str, int]:
    tag = data[pos]
    if tag == _HEX_ID:
        end = pos + 17
        if end > len(data):
            raise ValueError("truncated id")
        return data[pos + 1:end].hex(), end
    end = pos + 1 + tag
    if end > len(data):
        raise ValueError("truncated id")
    return data[pos + 1:end].decode("utf-8"), end


def _epoch_us(when: datetime.datetime) -> int:
    delta = when - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_epoch_us(value: int) -> datetime.datetime:
    return datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC) + \
        datetime.timedelta(microseconds=value)


def pack(payload: TokenPayload) -> bytes:
    kind = {v: k for k, v in SCOPES.items()}[payload.scope]
    bits = 0
    for method in payload.methods:
        bits |= 1 << METHODS.index(method)
    flags = _APP_CRED if payload.app_cred_id else 0
    out = bytearray([(VERSION << 4) | flags | kind, bits])
    out += _pack_id(payload.user_id)
    if kind in (PROJECT, DOMAIN):
        out += _pack_id(payload.scope_id)
    if payload.app_cred_id:
        out += _pack_id(payload.app_cred_id)
    out += _TIMES.pack(_epoch_us(payload.issued_at),
                       int(payload.expires_at.timestamp()))
    for audit_id in payload.audit_ids:
        raw = _unb64(audit_id)
        if len(raw) != _AUDIT_LEN:
            raise ValueError("bad audit id")
        out += raw
    return bytes(out)


def unpack(data: bytes) -> TokenPayload:
    """:raises ValueError: not a payload of this format."""
    if len(data) < 2 or data[0] >> 4 != VERSION or data[0] & 0x4:
        raise ValueError("unknown token format")
    scope = SCOPES[data[0] & 0x3]
    methods = tuple(m for i, m in enumerate(METHODS) if data[1] & (1 << i))
    user_id, pos = _unpack_id(data, 2)
    scope_id = None
    if scope in ("project", "domain"):
        scope_id, pos = _unpack_id(data, pos)
    elif scope == "system":
        scope_id = "all"
    app_cred_id = None
    if data[0] & _APP_CRED:
        app_cred_id, pos = _unpack_id(data, pos)
    issued_us, expires_s = _TIMES.unpack_from(data, pos)
    pos += _TIMES.size
    audit = data[pos:]
    if len(audit) not in (_AUDIT_LEN, 2 * _AUDIT_LEN) or not methods:
        raise ValueError("bad audit ids or methods")
    return TokenPayload(
        user_id=user_id, methods=methods, scope=scope, scope_id=scope_id,
        issued_at=_from_epoch_us(issued_us),
        expires_at=datetime.datetime.fromtimestamp(expires_s, datetime.UTC),
        audit_id=_b64(audit[:_AUDIT_LEN]),
        audit_chain_id=_b64(audit[_AUDIT_LEN:]) if len(audit) > _AUDIT_LEN else None,
        app_cred_id=app_cred_id)


class TokenFormatter:
    """Seals payloads into token strings and opens them again."""

    def __init__(self, crypto: fernet.MultiFernet, clock=None):
        self._crypto = crypto
        self._clock = clock or (lambda: datetime.datetime.now(datetime.UTC))

    def create(self, payload: TokenPayload) -> str:
        token = self._crypto.encrypt(pack(payload))
        return token.rstrip(b"=").decode("ascii")

    def parse(self, token: str) -> TokenPayload:
        """The payload of a token that is authentic and not expired.

        :raises InvalidToken: anything else (tampered, unknown key, expired, junk).
        """
        if not token or len(token) > 1024:
            raise InvalidToken()
        try:
            raw = token.encode("ascii")
            data = self._crypto.decrypt(raw + b"=" * (-len(raw) % 4))
            payload = unpack(data)
        except (fernet.InvalidToken, ValueError, UnicodeError, binascii.Error,
                struct.error, IndexError):
            raise InvalidToken() from None
        if payload.expires_at <= self._clock():
            raise InvalidToken()
        return payload
