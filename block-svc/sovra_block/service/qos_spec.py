"""QoS specs: named sets of limits (``total_iops_sec``, ``read_bytes_sec``...) with a
consumer (``front-end``: the hypervisor applies them; ``back-end``: the storage;
``both``), associated with volume types (a type has at most one).

Every function runs inside the caller's transaction (``db.reader()`` /
``db.writer()``)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sovra_block.db import models
from sovra_block.service import volume_type as type_service
from sovra_common import exception

CONSUMERS = ("front-end", "back-end", "both")
DEFAULT_CONSUMER = "back-end"


class QosSpecNotFound(exception.NotFound):
    message = "QoS Specs %(spec_id)s could not be found."


class QosSpecExists(exception.Conflict):
    message = "QoS Specs %(name)s already exists."


class QosSpecKeyNotFound(exception.Invalid):
    """Unsetting a key the spec lacks: a 400, as the API has it."""

    message = "QoS spec %(spec_id)s has no spec with key %(key)s."


class QosSpecInUse(exception.Invalid):
    message = "QoS Specs %(spec_id)s is still associated with entities."


def _check_consumer(consumer: str) -> None:
    if consumer not in CONSUMERS:
        raise exception.Invalid(f"Invalid consumer {consumer!r}: one of "
                                f"{', '.join(CONSUMERS)}.")


def get(session, spec_id: str) -> models.QosSpec:
    row = session.get(models.QosSpec, spec_id)
    if row is None:
        raise QosSpecNotFound(spec_id=spec_id)
    return row


def list_specs(session) -> list[models.QosSpec]:
    return list(session.scalars(select(models.QosSpec).order_by(
        models.QosSpec.created_at, models.QosSpec.id)))


def create(session, name: str, specs: dict,
           consumer: str = DEFAULT_CONSUMER) -> models.QosSpec:
    _check_consumer(consumer)
    if session.scalars(select(models.QosSpec).where(
            models.QosSpec.name == name)).first() is not None:
        raise QosSpecExists(name=name)
    row = models.QosSpec(id=str(uuid.uuid4()), name=name, consumer=consumer,
                         specs=dict(specs))
    session.add(row)
    session.flush()
    return row


def set_keys(session, spec_id: str, specs: dict) -> models.QosSpec:
    """Add or change keys; ``consumer`` among them changes the consumer."""
    row = get(session, spec_id)
    specs = dict(specs)
    if "consumer" in specs:
        consumer = specs.pop("consumer")
        _check_consumer(consumer)
        row.consumer = consumer
    row.specs = {**(row.specs or {}), **specs}
    return row


def delete_keys(session, spec_id: str, keys) -> None:
    """Remove keys, all or none: 400 naming the first missing one."""
    row = get(session, spec_id)
    current = dict(row.specs or {})
    for key in keys:
        if key not in current:
            raise QosSpecKeyNotFound(spec_id=spec_id, key=key)
    row.specs = {k: v for k, v in current.items() if k not in set(keys)}


def associated_types(session, spec_id: str) -> list[models.VolumeType]:
    get(session, spec_id)
    return list(session.scalars(select(models.VolumeType).where(
        models.VolumeType.qos_specs_id == spec_id).order_by(models.VolumeType.name)))


def delete(session, spec_id: str, force: bool = False) -> None:
    """Delete a spec; one still associated with types only with ``force`` (which
    disassociates them)."""
    row = get(session, spec_id)
    types = associated_types(session, spec_id)
    if types and not force:
        raise QosSpecInUse(spec_id=spec_id)
    for type_row in types:
        type_row.qos_specs_id = None
    session.delete(row)


def associate(session, ctxt, spec_id: str, type_id: str) -> None:
    """Give a type this spec; a type associated with another spec is a 400."""
    get(session, spec_id)
    type_row = type_service.get(session, ctxt, type_id)
    if type_row.qos_specs_id not in (None, spec_id):
        raise exception.Invalid(
            f"Invalid volume type: Type {type_row.id} is already associated with "
            f"another qos specs: {type_row.qos_specs_id}")
    type_row.qos_specs_id = spec_id


def disassociate(session, ctxt, spec_id: str, type_id: str) -> None:
    get(session, spec_id)
    type_row = type_service.get(session, ctxt, type_id)
    if type_row.qos_specs_id == spec_id:
        type_row.qos_specs_id = None


def disassociate_all(session, spec_id: str) -> None:
    for type_row in associated_types(session, spec_id):
        type_row.qos_specs_id = None
