"""Quotas: per-project limits on how many of each resource a project may own.

A limit is the project's row in ``quotas`` or else [network] quota_<resource>;
-1 means unlimited. :func:`reserve` is called inside the create's own writer
transaction, before the insert: it bumps the project's ``quota_locks`` row first
(MariaDB: that row stays locked until the transaction ends; SQLite: the write
lock is taken), then counts, so concurrent creates of one project queue and the
last free unit goes to exactly one of them (OverQuota, a 409, for the others).
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy import exc as sa_exc

from sovra_network import exception as net_exc
from sovra_network.db.models.floatingip import FloatingIP
from sovra_network.db.models.network import Network
from sovra_network.db.models.port import Port
from sovra_network.db.models.quota import Quota, QuotaLock
from sovra_network.db.models.router import Router
from sovra_network.db.models.security_group import SecurityGroup, SecurityGroupRule
from sovra_network.db.models.subnet import Subnet

# resource name -> the model whose rows (by project_id) count against it
COUNTED = {
    "network": Network,
    "subnet": Subnet,
    "port": Port,
    "security_group": SecurityGroup,
    "security_group_rule": SecurityGroupRule,
    "router": Router,
    "floatingip": FloatingIP,
}


def resources() -> list[str]:
    return list(COUNTED)


def default_limits(conf) -> dict[str, int]:
    return {r: getattr(conf.network, f"quota_{r}", -1) for r in COUNTED}


def limits(session, conf, project_id: str) -> dict[str, int]:
    """Every resource's limit for ``project_id``."""
    result = default_limits(conf)
    for row in session.scalars(select(Quota).where(Quota.project_id == project_id)):
        if row.resource in result:
            result[row.resource] = row.limit
    return result


def usage(session, project_id: str) -> dict[str, int]:
    return {r: session.scalar(select(func.count()).select_from(model).where(
        model.project_id == project_id)) for r, model in COUNTED.items()}


def set_limits(session, project_id: str, values: dict[str, int]) -> None:
    for resource, limit in values.items():
        row = session.get(Quota, (project_id, resource))
        if row is None:
            session.add(Quota(project_id=project_id, resource=resource, limit=limit))
        else:
            row.limit = limit
    session.flush()


def reset(session, project_id: str) -> None:
    """Back to the defaults."""
    session.execute(delete(Quota).where(Quota.project_id == project_id))


def projects_with_limits(session) -> list[str]:
    return list(session.scalars(select(Quota.project_id).distinct()))


def _lock(session, project_id: str, resource: str) -> None:
    stmt = update(QuotaLock).where(QuotaLock.project_id == project_id,
                                   QuotaLock.resource == resource).values(
        counter=QuotaLock.counter + 1)
    if session.execute(stmt).rowcount:
        return
    try:
        with session.begin_nested():
            session.add(QuotaLock(project_id=project_id, resource=resource, counter=1))
    except sa_exc.IntegrityError:
        # A concurrent first create inserted it: take the lock on its row.
        session.execute(stmt)


def reserve(session, conf, project_id: str, resource: str, count: int = 1) -> None:
    """Raise OverQuota unless ``project_id`` may own ``count`` more ``resource``s;
    serialises with the project's other creates of that resource until the
    transaction ends."""
    _lock(session, project_id, resource)
    row = session.get(Quota, (project_id, resource))
    limit = row.limit if row is not None else getattr(conf.network,
                                                      f"quota_{resource}", -1)
    if limit < 0:
        return
    model = COUNTED[resource]
    used = session.scalar(select(func.count()).select_from(model).where(
        model.project_id == project_id))
    if used + count > limit:
        raise net_exc.OverQuota(resource=resource)
