"""Rules the block storage policies are written in, on top of sovra_common.policy's
base rules: a volume (snapshot, attachment...) belongs to ``project_id``; that
project's readers see it, its members change it, admins do anything."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

OWNER_READER = policy.PROJECT_READER_OR_ADMIN
OWNER_MEMBER = policy.PROJECT_MEMBER_OR_ADMIN
ADMIN = policy.ADMIN
ADMIN_OR_SERVICE = policy.ADMIN_OR_SERVICE
# Compute attaches volumes on behalf of a server's owner with its service role.
OWNER_MEMBER_OR_SERVICE = f"{OWNER_MEMBER} or {policy.SERVICE}"
OWNER_READER_OR_SERVICE = f"{OWNER_READER} or {policy.SERVICE}"
ANY_READER = "role:reader"


def rule(name: str, check: str, what: str, method: str, path: str):
    return oslo_policy.DocumentedRuleDefault(name, check, what,
                                             [{"method": method, "path": path}])
