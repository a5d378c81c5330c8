from oslo_policy import policy as oslo_policy

from sovra_network.api.policies import base

GET = "get_quota"
UPDATE = "update_quota"
DELETE = "delete_quota"

_PATH = "/v2.0/quotas/{project_id}"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        GET, base.OWNER_READER, "Show a project's quotas (its own, or any for admins); "
        "list the projects with quotas (admins).",
        [{"method": "GET", "path": _PATH}, {"method": "GET", "path": "/v2.0/quotas"},
         {"method": "GET", "path": _PATH + "/default"},
         {"method": "GET", "path": _PATH + "/details"}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE, base.ADMIN, "Set a project's quotas.",
        [{"method": "PUT", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE, base.ADMIN, "Reset a project's quotas to the defaults.",
        [{"method": "DELETE", "path": _PATH}]),
]
