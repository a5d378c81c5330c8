"""``GET /v3/scheduler-stats/get_pools``: the pools the scheduler may place volumes
in (each backend is one pool, ``<host>@<backend>#<backend>``; backends down or
disabled are left out, as the scheduler skips them). ``?detail=true`` adds their
capabilities; from 3.28 ``?name=`` and ``?volume_type=`` filter them."""

from __future__ import annotations

from sovra_block.api.handlers import block_service as service_views
from sovra_block.api.policies import pool as policies
from sovra_block.api.schemas import common
from sovra_block.api.schemas import pool as schemas
from sovra_block.scheduler import extra_specs as specs
from sovra_block.service import backend as backend_service
from sovra_block.service import volume_type as type_service
from sovra_common.wsgi.routes import json_response


def name(row) -> str:
    return f"{row.name}#{row.backend_name}"


def capabilities(row) -> dict:
    """What the backend's agent reported, with the capacity figures the scheduler
    weighs."""
    caps = dict(row.capabilities or {})
    caps.setdefault("volume_backend_name", row.backend_name)
    caps.setdefault("reserved_percentage", 0)
    caps.setdefault("QoS_support", False)
    caps.update(
        pool_name=row.backend_name,
        total_capacity_gb=row.total_gb, free_capacity_gb=row.free_gb,
        provisioned_capacity_gb=row.provisioned_gb,
        allocated_capacity_gb=row.provisioned_gb,
        max_over_subscription_ratio=row.max_over_subscription_ratio,
        timestamp=service_views.timestamp(row.reported_at),
        updated=service_views.timestamp(row.reported_at))
    return caps


def list_pools(req):
    req.authorize(policies.GET_POOLS)
    query = req.query(schemas.QUERY)
    detail = common.to_bool(query.get("detail", False))
    filtered = req.microversion.matches((3, 28))
    conf = req.state.conf
    with req.state.extras["db"].reader() as session:
        wanted = None
        if filtered and query.get("volume_type"):
            wanted = type_service.get(session, req.context,
                                      query["volume_type"]).extra_specs_dict
        pools = []
        for row in backend_service.list_backends(session):
            if row.disabled or not backend_service.is_up(row, conf):
                continue
            if filtered and query.get("name") and query["name"] != name(row):
                continue
            if wanted is not None and not specs.backend_satisfies(
                    row.capabilities or {}, row.backend_name, wanted):
                continue
            pool = {"name": name(row)}
            if detail:
                pool["capabilities"] = capabilities(row)
            pools.append(pool)
    return json_response({"pools": pools})
