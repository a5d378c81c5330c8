"""What GET /servers/{id} reads, with SQLAlchemy Core.

The server body needs, besides the instance row and its tags, faults and volumes,
its host's agent service (``host_status``: forced down, disabled), its host's zone
(host aggregates) and, from 2.71, its server group. Clients poll this URL while they
wait for a build, so it is read lean: one Core statement gives the instance's
columns, the service (outer-joined), the zone and the group (scalar subqueries),
and how many tags and volumes and which newest fault the server has (subqueries
too); the tags, the volumes and the fault are read only when there are some (one
more statement each). No ORM objects, identity map or relationship loading: the
rows map straight to the dict ``instance.get`` gives. Read fresh every time
(nothing cached: a service disabled, a zone or a group changed shows at once).
"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, select

from sovra_common.db import Database
from sovra_compute.db import models
from sovra_compute.service import aggregate, compute_service
from sovra_compute.service import instance as instance_service

_INSTANCES = models.Instance.__table__
_SERVICES = models.Service.__table__


def _statement():
    zone = (select(models.AggregateMetadata.__table__.c.value)
            .join(models.AggregateHost.__table__,
                  models.AggregateHost.__table__.c.aggregate_id
                  == models.AggregateMetadata.__table__.c.aggregate_id)
            .where(models.AggregateHost.__table__.c.host == _INSTANCES.c.host,
                   models.AggregateMetadata.__table__.c.key == aggregate.ZONE_KEY)
            .limit(1).correlate(_INSTANCES).scalar_subquery())
    members = models.ServerGroupMember.__table__
    groups = models.ServerGroup.__table__
    group = (select(groups.c.uuid).join(members, members.c.group_id == groups.c.id)
             .where(members.c.instance_uuid == _INSTANCES.c.uuid)
             .limit(1).correlate(_INSTANCES).scalar_subquery())
    return (select(*instance_service.READ_COLUMNS,
                   _SERVICES.c.id.label("service_id"),
                   _SERVICES.c.forced_down.label("service_forced_down"),
                   _SERVICES.c.disabled.label("service_disabled"),
                   zone.label("host_zone"), group.label("server_group"))
            .select_from(_INSTANCES.outerjoin(_SERVICES, and_(
                _SERVICES.c.host == _INSTANCES.c.host,
                _SERVICES.c.binary == compute_service.AGENT_BINARY)))
            .where(_INSTANCES.c.uuid == bindparam("uuid")))


#: built once: SQLAlchemy then also computes its cache key once, not per request
_STATEMENT = _statement()


def get(db: Database, instance_uuid: str) -> dict:
    """``instance.get`` plus ``host_service`` (None when its host has no agent
    service, else ``{"forced_down", "disabled"}``), ``host_zone`` (the zone of its
    host's aggregates, None when they name none) and ``server_groups`` (the uuid of
    its group in a list, or an empty one). InstanceNotFound as ``get``."""
    with db.reader() as session:
        found = session.connection().execute(_STATEMENT, {"uuid": instance_uuid}).first()
        if found is None or found.deleted:
            raise instance_service.InstanceNotFound(uuid=instance_uuid)
        shown = instance_service.read_shown(session, found)
    shown["host_service"] = (None if found.service_id is None else
                             {"forced_down": bool(found.service_forced_down),
                              "disabled": bool(found.service_disabled)})
    shown["host_zone"] = found.host_zone
    shown["server_groups"] = [found.server_group] if found.server_group else []
    return shown
