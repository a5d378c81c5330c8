"""``GET /v3/limits``: the absolute limits of the caller's project and what it
uses (from 3.39 admins may name another project: ``?project_id=``). No rate
limits: ``rate`` is always empty."""

from __future__ import annotations

from sovra_block.api.policies import limits as policies
from sovra_block.api.schemas import limits as schemas
from sovra_block.service import quota as quota_service
from sovra_common.wsgi.routes import json_response

#: Quota resource -> (its limit's name, its usage's name).
ABSOLUTE = {
    "volumes": ("maxTotalVolumes", "totalVolumesUsed"),
    "snapshots": ("maxTotalSnapshots", "totalSnapshotsUsed"),
    "gigabytes": ("maxTotalVolumeGigabytes", "totalGigabytesUsed"),
    "backups": ("maxTotalBackups", "totalBackupsUsed"),
    "backup_gigabytes": ("maxTotalBackupGigabytes", "totalBackupGigabytesUsed"),
}


def show_limits(req):
    query = req.query(schemas.QUERY)
    project_id = req.context.project_id
    if req.microversion.matches((3, 39)) and query.get("project_id"):
        project_id = query["project_id"]
    req.authorize(policies.USED_LIMITS, {"project_id": project_id})
    with req.state.extras["db"].reader() as session:
        limits = quota_service.limits(session, req.state.conf, project_id)
        used = quota_service.usages(session, project_id)
    absolute = {}
    for resource, (max_name, used_name) in ABSOLUTE.items():
        absolute[max_name] = limits[resource]
        absolute[used_name] = used.get(resource, 0)
    return json_response({"limits": {"rate": [], "absolute": absolute}})
