"""Host aggregates (os-aggregates) and the availability zones they make. Knows no
HTTP.

An aggregate is a named set of compute hosts with metadata; the
``availability_zone`` key puts its hosts in that zone. A host may be in several
aggregates, but all of those with a zone must name the same one; a host in none is
in the default zone. Membership is mirrored to placement, as upstream does: each
member's resource provider lists the aggregate's uuid among its placement
aggregates, which is what the scheduler's ``member_of`` asks for.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select

from sovra_common import exception
from sovra_common.db import Database, DuplicateEntry, retry_on_deadlock, schema
from sovra_compute import placement_client
from sovra_compute.db import models

LOG = logging.getLogger(__name__)

ZONE_KEY = "availability_zone"


class AggregateNotFound(exception.NotFound):
    message = "Aggregate %(aggregate_id)s could not be found."


class AggregateNameExists(exception.Conflict):
    message = "Aggregate %(name)s already exists."


class AggregateHostExists(exception.Conflict):
    message = "Aggregate %(aggregate_id)s already has host %(host)s."


class AggregateHostNotFound(exception.NotFound):
    message = "Aggregate %(aggregate_id)s has no host %(host)s."


class InvalidAddHost(exception.Conflict):
    """A host whose other aggregates put it in another zone (409, as upstream)."""
    message = "Cannot add host to aggregate %(aggregate_id)s. Reason: %(reason)s."


class InvalidUpdate(exception.Invalid):
    message = "Cannot update aggregate %(aggregate_id)s. Reason: %(reason)s."


class InvalidUpdateMetadata(exception.Invalid):
    message = "Cannot update metadata of aggregate %(aggregate_id)s. Reason: %(reason)s."


class InvalidDelete(exception.Invalid):
    message = "Cannot remove aggregate %(aggregate_id)s. Reason: %(reason)s."


def _as_dict(row: models.Aggregate) -> dict:
    metadata = {m.key: m.value for m in row.metadata_items}
    return {"id": row.id, "uuid": row.uuid, "name": row.name,
            "availability_zone": metadata.get(ZONE_KEY),
            "hosts": [h.host for h in row.hosts], "metadata": metadata,
            "created_at": row.created_at, "updated_at": row.updated_at}


def _row(session, aggregate_id: int) -> models.Aggregate:
    row = session.get(models.Aggregate, aggregate_id)
    if row is None:
        raise AggregateNotFound(aggregate_id=aggregate_id)
    return row


def list_(db: Database) -> list[dict]:
    with db.reader() as session:
        return [_as_dict(r) for r in session.scalars(
            select(models.Aggregate).order_by(models.Aggregate.id))]


def get(db: Database, aggregate_id: int) -> dict:
    with db.reader() as session:
        return _as_dict(_row(session, aggregate_id))


def _zones_of(session, hosts, *, but: int | None = None) -> dict[str, str]:
    """{aggregate name: zone} of the aggregates with a zone that hold any of
    ``hosts`` (the aggregate ``but`` left out)."""
    query = (select(models.Aggregate.id, models.Aggregate.name,
                    models.AggregateMetadata.value)
             .join(models.AggregateHost,
                   models.AggregateHost.aggregate_id == models.Aggregate.id)
             .join(models.AggregateMetadata,
                   models.AggregateMetadata.aggregate_id == models.Aggregate.id)
             .where(models.AggregateHost.host.in_(list(hosts)),
                    models.AggregateMetadata.key == ZONE_KEY))
    return {name: zone for agg_id, name, zone in session.execute(query)
            if agg_id != but}


def _check_zone(session, row, zone, hosts, error) -> None:
    """``error`` unless ``hosts`` may be in ``zone`` as members of ``row``: no
    other aggregate of theirs names another zone."""
    if zone is None:
        return
    if not zone:
        raise error(aggregate_id=row.id, reason=f"Aggregate {row.name} does not "
                                                "support empty named availability zone")
    others = sorted({z for z in _zones_of(session, hosts, but=row.id).values()
                     if z != zone})
    if others:
        raise error(aggregate_id=row.id, reason="One or more hosts already in "
                                                f"availability zone(s) {others}")


def _check_no_servers(session, row, zone, error) -> None:
    """Moving hosts that have servers to another zone would strand those servers
    in a zone they were not built for (upstream refuses it too)."""
    current = next((m.value for m in row.metadata_items if m.key == ZONE_KEY), None)
    hosts = [h.host for h in row.hosts]
    if zone == current or not hosts:
        return
    if session.scalar(select(models.Instance.uuid).where(
            models.Instance.host.in_(hosts), models.Instance.deleted.is_(False))
            .limit(1)):
        raise error(aggregate_id=row.id,
                    reason="One or more hosts contain instances in this zone")


def _set_zone(row, zone) -> None:
    item = next((m for m in row.metadata_items if m.key == ZONE_KEY), None)
    if zone is None:
        if item is not None:
            row.metadata_items.remove(item)
    elif item is None:
        row.metadata_items.append(models.AggregateMetadata(key=ZONE_KEY, value=zone))
    else:
        item.value = zone


@retry_on_deadlock
def create(db: Database, name: str, availability_zone: str | None = None) -> dict:
    try:
        with db.writer() as session:
            row = models.Aggregate(uuid=str(uuid.uuid4()), name=name)
            if availability_zone is not None:
                row.metadata_items.append(models.AggregateMetadata(
                    key=ZONE_KEY, value=availability_zone))
            session.add(row)
            session.flush()
            return _as_dict(row)
    except DuplicateEntry:
        raise AggregateNameExists(name=name) from None


_UNSET = object()


@retry_on_deadlock
def update(db: Database, aggregate_id: int, *, name=None, availability_zone=_UNSET) -> dict:
    """Rename and / or change the zone (None: no zone) of an aggregate."""
    try:
        with db.writer() as session:
            row = _row(session, aggregate_id)
            if name is not None:
                row.name = name
            if availability_zone is not _UNSET:
                hosts = [h.host for h in row.hosts]
                _check_zone(session, row, availability_zone, hosts, InvalidUpdate)
                _check_no_servers(session, row, availability_zone, InvalidUpdate)
                _set_zone(row, availability_zone)
            row.updated_at = schema.utcnow()
            session.flush()
            return _as_dict(row)
    except DuplicateEntry:
        raise AggregateNameExists(name=name) from None


@retry_on_deadlock
def set_metadata(db: Database, aggregate_id: int, metadata: dict) -> dict:
    """Merge ``metadata`` into the aggregate's (a None value deletes the key)."""
    with db.writer() as session:
        row = _row(session, aggregate_id)
        if ZONE_KEY in metadata:
            hosts = [h.host for h in row.hosts]
            _check_zone(session, row, metadata[ZONE_KEY], hosts, InvalidUpdateMetadata)
            _check_no_servers(session, row, metadata[ZONE_KEY], InvalidUpdateMetadata)
        current = {m.key: m for m in row.metadata_items}
        for key, value in metadata.items():
            if value is None:
                if key in current:
                    row.metadata_items.remove(current[key])
            elif key in current:
                current[key].value = value
            else:
                row.metadata_items.append(models.AggregateMetadata(key=key, value=value))
        row.updated_at = schema.utcnow()
        session.flush()
        return _as_dict(row)


@retry_on_deadlock
def delete(db: Database, aggregate_id: int) -> None:
    with db.writer() as session:
        row = _row(session, aggregate_id)
        if row.hosts:
            raise InvalidDelete(aggregate_id=aggregate_id,
                                reason="Host aggregate is not empty")
        session.delete(row)


def add_host(db: Database, placement, aggregate_id: int, host: str) -> dict:
    """Add ``host`` (a compute agent's) to the aggregate, then its resource
    provider to the aggregate in placement; if placement fails, the host is taken
    out again, so the scheduler never sees the two disagree."""
    aggregate = _add_host_row(db, aggregate_id, host)
    try:
        _mirror(placement.add_to_aggregate, host, aggregate["uuid"])
    except Exception:
        _remove_host_row(db, aggregate_id, host)
        raise
    return aggregate


def remove_host(db: Database, placement, aggregate_id: int, host: str) -> dict:
    """Take ``host`` out of placement's aggregate, then out of the aggregate (a
    failure in placement leaves both as they were)."""
    aggregate = get(db, aggregate_id)
    if host not in aggregate["hosts"]:
        raise AggregateHostNotFound(aggregate_id=aggregate_id, host=host)
    _mirror(placement.remove_from_aggregate, host, aggregate["uuid"])
    return _remove_host_row(db, aggregate_id, host)


def _mirror(change, host, aggregate_uuid) -> None:
    try:
        change(placement_client.node_uuid(host), aggregate_uuid)
    except placement_client.ProviderNotFound:
        # upstream does the same: the node has not reported to placement yet; the
        # scheduler also narrows by the membership recorded here
        LOG.warning("host %s has no resource provider in placement yet: its "
                    "aggregate %s is recorded here only", host, aggregate_uuid)


@retry_on_deadlock
def _add_host_row(db, aggregate_id, host) -> dict:
    try:
        with db.writer() as session:
            row = _row(session, aggregate_id)
            if any(h.host == host for h in row.hosts):
                raise AggregateHostExists(aggregate_id=aggregate_id, host=host)
            zone = next((m.value for m in row.metadata_items if m.key == ZONE_KEY),
                        None)
            _check_zone(session, row, zone, [host], InvalidAddHost)
            row.hosts.append(models.AggregateHost(host=host))
            row.updated_at = schema.utcnow()
            session.flush()
            return _as_dict(row)
    except DuplicateEntry:  # a concurrent add of the same host
        raise AggregateHostExists(aggregate_id=aggregate_id, host=host) from None


@retry_on_deadlock
def _remove_host_row(db, aggregate_id, host) -> dict:
    with db.writer() as session:
        row = _row(session, aggregate_id)
        item = next((h for h in row.hosts if h.host == host), None)
        if item is None:
            raise AggregateHostNotFound(aggregate_id=aggregate_id, host=host)
        row.hosts.remove(item)
        row.updated_at = schema.utcnow()
        session.flush()
        return _as_dict(row)


def host_zones(db: Database) -> dict[str, str]:
    """{host: zone} of every host in an aggregate with a zone (others are in the
    default zone)."""
    with db.reader() as session:
        query = (select(models.AggregateHost.host, models.AggregateMetadata.value)
                 .join(models.AggregateMetadata, models.AggregateMetadata.aggregate_id
                       == models.AggregateHost.aggregate_id)
                 .where(models.AggregateMetadata.key == ZONE_KEY))
        return dict(session.execute(query).all())


def zone_aggregates(db: Database) -> dict[str, set[str]]:
    """{zone: uuids of the aggregates that name it}."""
    with db.reader() as session:
        query = (select(models.AggregateMetadata.value, models.Aggregate.uuid)
                 .join(models.Aggregate, models.Aggregate.id
                       == models.AggregateMetadata.aggregate_id)
                 .where(models.AggregateMetadata.key == ZONE_KEY))
        zones: dict[str, set[str]] = {}
        for zone, agg_uuid in session.execute(query):
            zones.setdefault(zone, set()).add(agg_uuid)
        return zones


def forget_host(db: Database, placement, host: str) -> None:
    """Take a host out of every aggregate (its compute service was deleted, as
    upstream does then); placement is told where it can be (the provider may be
    gone already)."""
    with db.reader() as session:
        aggregate_ids = list(session.scalars(select(models.AggregateHost.aggregate_id)
                                             .where(models.AggregateHost.host == host)))
    for aggregate_id in aggregate_ids:
        try:
            remove_host(db, placement, aggregate_id, host)
        except (AggregateNotFound, AggregateHostNotFound):
            continue  # removed meanwhile
        except placement_client.PlacementError:
            LOG.warning("placement did not take deleted host %s out of aggregate %s",
                        host, aggregate_id, exc_info=True)
            try:
                _remove_host_row(db, aggregate_id, host)
            except (AggregateNotFound, AggregateHostNotFound):
                continue
