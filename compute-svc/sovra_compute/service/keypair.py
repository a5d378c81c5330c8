"""Key pairs: imported or generated SSH keys of a user. Knows no HTTP."""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from sovra_common import exception
from sovra_common.db import Database, DuplicateEntry, retry_on_deadlock
from sovra_compute.db import models


class KeypairNotFound(exception.NotFound):
    message = "Keypair %(name)s not found for user %(user_id)s"


class InvalidKeypair(exception.Invalid):
    message = "Keypair data is invalid: %(reason)s"


def fingerprint(public_key: str) -> str:
    """The MD5 fingerprint (aa:bb:...) of an OpenSSH public key line."""
    parts = public_key.strip().split()
    if len(parts) < 2 or not parts[0].startswith(("ssh-", "ecdsa-")):
        raise InvalidKeypair(reason="failed to generate fingerprint")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidKeypair(reason="failed to generate fingerprint") from None
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def generate() -> tuple[str, str]:
    """(private key in OpenSSH PEM, public key line) of a new Ed25519 key."""
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return private, public + " Generated-by-Sovra"


def _as_dict(row: models.KeyPair) -> dict:
    return {"name": row.name, "user_id": row.user_id, "type": row.type,
            "fingerprint": row.fingerprint, "public_key": row.public_key,
            "created_at": row.created_at, "id": row.id}


@retry_on_deadlock
def create(db: Database, *, user_id, project_id, name, public_key, key_type="ssh") -> dict:
    try:
        with db.writer() as session:
            row = models.KeyPair(name=name, user_id=user_id, project_id=project_id,
                                 type=key_type, public_key=public_key,
                                 fingerprint=fingerprint(public_key))
            session.add(row)
            session.flush()
            return _as_dict(row)
    except DuplicateEntry:
        raise exception.Conflict(f"Key pair '{name}' already exists.") from None


def get(db: Database, user_id: str, name: str) -> dict:
    with db.reader() as session:
        row = session.scalars(select(models.KeyPair).where(
            models.KeyPair.user_id == user_id, models.KeyPair.name == name)).first()
        if row is None:
            raise KeypairNotFound(name=name, user_id=user_id)
        return _as_dict(row)


def list_(db: Database, user_id: str) -> list[dict]:
    with db.reader() as session:
        return [_as_dict(r) for r in session.scalars(select(models.KeyPair).where(
            models.KeyPair.user_id == user_id).order_by(models.KeyPair.name))]


@retry_on_deadlock
def delete(db: Database, user_id: str, name: str) -> None:
    with db.writer() as session:
        row = session.scalars(select(models.KeyPair).where(
            models.KeyPair.user_id == user_id, models.KeyPair.name == name)).first()
        if row is None:
            raise KeypairNotFound(name=name, user_id=user_id)
        session.delete(row)
