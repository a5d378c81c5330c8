"""Policies of host aggregates (os-aggregates): the cloud's administrators'."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:aggregates:index"
CREATE = "compute:aggregates:create"
SHOW = "compute:aggregates:show"
UPDATE = "compute:aggregates:update"
DELETE = "compute:aggregates:delete"
ADD_HOST = "compute:aggregates:add_host"
REMOVE_HOST = "compute:aggregates:remove_host"
SET_METADATA = "compute:aggregates:set_metadata"

_PATH = "/os-aggregates/{aggregate_id}"

RULES = [
    oslo_policy.DocumentedRuleDefault(LIST, policy.ADMIN, "List host aggregates.",
                                      [{"method": "GET", "path": "/os-aggregates"}]),
    oslo_policy.DocumentedRuleDefault(CREATE, policy.ADMIN, "Create a host aggregate.",
                                      [{"method": "POST", "path": "/os-aggregates"}]),
    oslo_policy.DocumentedRuleDefault(SHOW, policy.ADMIN, "Show a host aggregate.",
                                      [{"method": "GET", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE, policy.ADMIN, "Rename a host aggregate or change its zone.",
        [{"method": "PUT", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(DELETE, policy.ADMIN, "Delete a host aggregate.",
                                      [{"method": "DELETE", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        ADD_HOST, policy.ADMIN, "Add a host to an aggregate.",
        [{"method": "POST", "path": _PATH + "/action (add_host)"}]),
    oslo_policy.DocumentedRuleDefault(
        REMOVE_HOST, policy.ADMIN, "Remove a host from an aggregate.",
        [{"method": "POST", "path": _PATH + "/action (remove_host)"}]),
    oslo_policy.DocumentedRuleDefault(
        SET_METADATA, policy.ADMIN, "Set a host aggregate's metadata.",
        [{"method": "POST", "path": _PATH + "/action (set_metadata)"}]),
]
