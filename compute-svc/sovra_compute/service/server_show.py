"""What GET /servers/{id} reads, in one SQL statement.

The server body needs, besides the instance row and its tags, faults and volumes,
its host's agent service (``host_status``: forced down, disabled) and its host's
zone (host aggregates). Read one by one that is six queries in three sessions, and
clients poll this URL while they wait for a build: here it is one statement (the
collections joined, the service outer-joined, the zone a scalar subquery), read
fresh every time (nothing cached: a service disabled or a zone changed shows at
once).
"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, select

from sovra_common.db import Database
from sovra_compute.db import models
from sovra_compute.service import aggregate, compute_service
from sovra_compute.service import instance as instance_service


def _statement():
    zone = (select(models.AggregateMetadata.value)
            .join(models.AggregateHost, models.AggregateHost.aggregate_id
                  == models.AggregateMetadata.aggregate_id)
            .where(models.AggregateHost.host == models.Instance.host,
                   models.AggregateMetadata.key == aggregate.ZONE_KEY)
            .limit(1).correlate(models.Instance).scalar_subquery())
    return (select(models.Instance, models.Service.id, models.Service.forced_down,
                   models.Service.disabled, zone)
            .outerjoin(models.Service, and_(
                models.Service.host == models.Instance.host,
                models.Service.binary == compute_service.AGENT_BINARY))
            .where(models.Instance.uuid == bindparam("uuid"))
            .options(*instance_service.WITH_COLLECTIONS))


#: built once: SQLAlchemy then also computes its cache key once, not per request
_STATEMENT = _statement()


def get(db: Database, instance_uuid: str) -> dict:
    """``instance.get`` plus ``host_service`` (None when its host has no agent
    service, else ``{"forced_down", "disabled"}``) and ``host_zone`` (the zone of its
    host's aggregates, None when they name none). InstanceNotFound as ``get``."""
    with db.reader() as session:
        found = session.execute(_STATEMENT, {"uuid": instance_uuid}).unique().first()
        if found is None or found[0].deleted:
            raise instance_service.InstanceNotFound(uuid=instance_uuid)
        row, service_id, forced_down, disabled, host_zone = found
        shown = instance_service.as_dict(row)
    shown["host_service"] = (None if service_id is None else
                             {"forced_down": bool(forced_down), "disabled": bool(disabled)})
    shown["host_zone"] = host_zone
    return shown
