"""Rules the network service's policies are written in, on top of
sovra_common.policy's base rules.

Neutron's vocabulary: a resource is owned by ``project_id``; readers of that
project may see it, members change it; admins do anything. Shared networks are
readable by every project (target ``shared``: "True"), and ports may be created
on them.
"""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

ANY_READER = "role:reader"
OWNER_READER = policy.PROJECT_READER_OR_ADMIN
OWNER_MEMBER = policy.PROJECT_MEMBER_OR_ADMIN
SHARED = "rule:network_shared"
SHARED_READER = f"{OWNER_READER} or (role:reader and {SHARED})"
SHARED_MEMBER = f"{OWNER_MEMBER} or (role:member and {SHARED})"
ADMIN = policy.ADMIN
ADMIN_OR_SERVICE = policy.ADMIN_OR_SERVICE

RULES = [
    oslo_policy.RuleDefault("network_shared", "'True':%(shared)s",
                            "The target network is shared with every project."),
]


def crud(resource: str, path: str, *, get=OWNER_READER, create=OWNER_MEMBER,
         update=OWNER_MEMBER, delete=OWNER_MEMBER, what=None):
    """The get/create/update/delete rules of one resource, named as Neutron's
    (``get_network``...). ``path`` is the collection path."""
    what = what or resource.replace("_", " ")
    item = f"{path}/{{id}}"
    return [
        oslo_policy.DocumentedRuleDefault(
            f"get_{resource}", get, f"Show or list {what}s.",
            [{"method": "GET", "path": path}, {"method": "GET", "path": item}]),
        oslo_policy.DocumentedRuleDefault(
            f"create_{resource}", create, f"Create a {what}.",
            [{"method": "POST", "path": path}]),
        oslo_policy.DocumentedRuleDefault(
            f"update_{resource}", update, f"Update a {what} (and its tags).",
            [{"method": "PUT", "path": item}]),
        oslo_policy.DocumentedRuleDefault(
            f"delete_{resource}", delete, f"Delete a {what}.",
            [{"method": "DELETE", "path": item}]),
    ]
