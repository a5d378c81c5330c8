"""Credentials (/v3/credentials): blobs a user keeps in identity, typically EC2
access/secret pairs. Blobs are encrypted at rest with their own key repository;
an "ec2" credential's id is the SHA-256 of its access key, as clients expect."""

from __future__ import annotations

import hashlib
import json

from cryptography.fernet import InvalidToken
from sqlalchemy import select

from sovra_common import exception
from sovra_identity.db import models
from sovra_identity.service import lookup
from sovra_identity.token import keys


class CredentialKeys:
    """The [credential] key repository, loaded on first use: identity serves without
    it, only credentials are unavailable."""

    def __init__(self, path: str):
        self.path = path
        self._ring = None

    def ring(self) -> keys.KeyRing:
        if self._ring is None:
            try:
                self._ring = keys.KeyRing(self.path)
            except keys.KeyRepositoryError as exc:
                raise exception.ServiceUnavailable(
                    "Credential encryption keys are missing; run `sovra-manage identity "
                    "credential-keys setup`.") from exc
        return self._ring

    def encrypt(self, blob: str) -> str:
        return self.ring().encrypt(blob.encode("utf-8")).decode("ascii")

    def decrypt(self, data: str) -> str:
        try:
            return self.ring().decrypt(data.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise exception.ServiceUnavailable(
                "A stored credential cannot be decrypted with the current keys.") from None


def _ec2_id(blob: str) -> str:
    try:
        access = json.loads(blob)["access"]
    except (ValueError, KeyError, TypeError):
        raise exception.Invalid('An ec2 credential\'s blob is a JSON object with '
                                '"access" and "secret".') from None
    return hashlib.sha256(str(access).encode("utf-8")).hexdigest()


def create(db, cipher: CredentialKeys, *, user_id, type_, blob, project_id=None):
    if type_ == "ec2" and not project_id:
        raise exception.Invalid("An ec2 credential needs a project_id.")
    credential_id = _ec2_id(blob) if type_ == "ec2" else lookup.new_id()
    encrypted = cipher.encrypt(blob)
    with db.writer() as session:
        lookup.get(session, models.User, user_id, "user")
        if project_id is not None:
            lookup.get(session, models.Project, project_id, "project")
        if session.get(models.Credential, credential_id) is not None:
            raise exception.Conflict("Duplicate entry: that credential exists.")
        row = models.Credential(id=credential_id, user_id=user_id, project_id=project_id,
                                type=type_, encrypted_blob=encrypted)
        session.add(row)
        return row


def get(db, credential_id):
    with db.reader() as session:
        return lookup.get(session, models.Credential, credential_id, "credential")


def list_(db, *, user_id=None, type_=None):
    with db.reader() as session:
        query = select(models.Credential).order_by(models.Credential.id)
        if user_id is not None:
            query = query.where(models.Credential.user_id == user_id)
        if type_ is not None:
            query = query.where(models.Credential.type == type_)
        return list(session.execute(query).scalars())


def update(db, cipher: CredentialKeys, credential_id, changes):
    with db.writer() as session:
        row = lookup.get(session, models.Credential, credential_id, "credential")
        if "blob" in changes:
            if row.type == "ec2" and _ec2_id(changes["blob"]) != row.id:
                raise exception.Invalid("An ec2 credential's access key cannot change.")
            row.encrypted_blob = cipher.encrypt(changes["blob"])
        if "project_id" in changes:
            row.project_id = changes["project_id"]
        return row


def delete(db, credential_id):
    with db.writer() as session:
        session.delete(lookup.get(session, models.Credential, credential_id, "credential"))
