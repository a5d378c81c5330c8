"""GET /limits and os-quota-sets."""

from __future__ import annotations

from sovra_common.wsgi import validation
from sovra_common.wsgi.routes import json_response
from sovra_compute.api.policies import quota as policies
from sovra_compute.api.schemas import quota as schemas
from sovra_compute.service import quota

# Resources upstream still lists but Sovra does not limit (yet): fixed values.
_FIXED = {"injected_files": 5, "injected_file_content_bytes": 10240,
          "injected_file_path_bytes": 255}
_INJECTED_FILES = ("injected_files", "injected_file_content_bytes",
                   "injected_file_path_bytes")


def _db(req):
    return req.state.extras["db"]


def show_limits(req):
    query = req.query(schemas.QUERY)
    project_id = query.get("tenant_id") or req.context.project_id
    req.authorize(policies.LIMITS, {"project_id": project_id})
    allowed = quota.limits(_db(req), req.state.conf, project_id)
    used = quota.usage(_db(req), project_id)
    absolute = {
        "maxTotalInstances": allowed["instances"], "maxTotalCores": allowed["cores"],
        "maxTotalRAMSize": allowed["ram"], "maxTotalKeypairs": allowed["key_pairs"],
        "maxServerMeta": allowed["metadata_items"], "maxImageMeta": 128,
        "maxPersonality": _FIXED["injected_files"],
        "maxPersonalitySize": _FIXED["injected_file_content_bytes"],
        "maxServerGroups": allowed["server_groups"],
        "maxServerGroupMembers": allowed["server_group_members"],
        "totalInstancesUsed": used["instances"], "totalCoresUsed": used["cores"],
        "totalRAMUsed": used["ram"], "totalServerGroupsUsed": used["server_groups"]}
    if req.microversion.matches("2.39"):  # the image-metadata proxy is gone
        del absolute["maxImageMeta"]
    if req.microversion.matches("2.57"):  # so are personality files
        del absolute["maxPersonality"], absolute["maxPersonalitySize"]
    if not req.microversion.matches("2.36"):
        absolute.update({"maxSecurityGroups": -1, "maxSecurityGroupRules": -1,
                         "maxTotalFloatingIps": -1, "totalSecurityGroupsUsed": 0,
                         "totalFloatingIpsUsed": 0})
    return json_response({"limits": {"rate": [], "absolute": absolute}})


def _quota_set(req, project_id, values) -> dict:
    shown = {"id": project_id, **{k: values[k] for k in quota.RESOURCES}, **_FIXED}
    if req.microversion.matches("2.57"):
        for name in _INJECTED_FILES:
            del shown[name]
    if not req.microversion.matches("2.36"):
        shown.update({"fixed_ips": -1, "floating_ips": -1, "security_groups": -1,
                      "security_group_rules": -1})
    return shown


def show_quota_set(req, project_id):
    req.authorize(policies.SHOW, {"project_id": project_id})
    return json_response({"quota_set": _quota_set(
        req, project_id, quota.limits(_db(req), req.state.conf, project_id))})


def show_quota_defaults(req, project_id):
    req.authorize(policies.DEFAULTS, {"project_id": project_id})
    return json_response({"quota_set": _quota_set(req, project_id,
                                                  quota.defaults(req.state.conf))})


def update_quota_set(req, project_id):
    body = req.json_body(schemas.UPDATE)["quota_set"]
    req.authorize(policies.UPDATE, {"project_id": project_id})
    changes = {k: validation.integer(v, k, minimum=-1) for k, v in body.items()
               if k in quota.RESOURCES}
    quota.set_limits(_db(req), project_id, changes)
    shown = _quota_set(req, project_id,
                       quota.limits(_db(req), req.state.conf, project_id))
    shown.pop("id")
    return json_response({"quota_set": shown})
