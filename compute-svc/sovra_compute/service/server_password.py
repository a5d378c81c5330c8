"""A server's admin password, as its guest posted it (encrypted with the server's
public key by the guest: compute never sees it in clear). Knows no HTTP.

The guest posts it once to the metadata API (``POST /openstack/latest/password``);
a second post is refused until the owner clears it (os-server-password DELETE).
"""

from __future__ import annotations

from sovra_common import exception
from sovra_common.db import Database, DuplicateEntry, retry_on_deadlock
from sovra_compute.db import models

#: the most a guest may post, in bytes (upstream's limit)
MAX_SIZE = 256


class PasswordAlreadySet(exception.Conflict):
    message = "The password of server %(uuid)s is already set."


class PasswordTooLarge(exception.Invalid):
    message = "Request is too large: a password is at most %(size)d bytes."


def get(db: Database, instance_uuid: str) -> str:
    """The posted password, "" when there is none."""
    with db.reader() as session:
        row = session.get(models.InstancePassword, instance_uuid)
        return row.password if row is not None else ""


@retry_on_deadlock
def set_once(db: Database, instance_uuid: str, password: str) -> None:
    """Record the guest's post; PasswordAlreadySet if one is recorded."""
    if len(password.encode()) > MAX_SIZE:
        raise PasswordTooLarge(size=MAX_SIZE)
    try:
        with db.writer() as session:
            row = session.get(models.InstancePassword, instance_uuid)
            if row is not None and row.password:
                raise PasswordAlreadySet(uuid=instance_uuid)
            if row is None:
                session.add(models.InstancePassword(instance_uuid=instance_uuid,
                                                    password=password))
            else:
                row.password = password
    except DuplicateEntry:  # two posts raced: the other one won
        raise PasswordAlreadySet(uuid=instance_uuid) from None


@retry_on_deadlock
def clear(db: Database, instance_uuid: str) -> None:
    with db.writer() as session:
        row = session.get(models.InstancePassword, instance_uuid)
        if row is not None:
            session.delete(row)
