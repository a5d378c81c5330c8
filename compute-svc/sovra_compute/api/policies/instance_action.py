"""Policies of a server's instance actions (os-instance-actions)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:servers:instance_actions:list"
SHOW = "compute:servers:instance_actions:show"
EVENTS = "compute:servers:instance_actions:events"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.PROJECT_READER_OR_ADMIN,
        "List a server's actions.",
        [{"method": "GET", "path": "/servers/{server_id}/os-instance-actions"}]),
    oslo_policy.DocumentedRuleDefault(
        SHOW, policy.PROJECT_READER_OR_ADMIN,
        "Show one of a server's actions (its events from 2.51).",
        [{"method": "GET",
          "path": "/servers/{server_id}/os-instance-actions/{request_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        EVENTS, policy.ADMIN,
        "See an action's events at every version, with their tracebacks and (from "
        "2.62) hosts.",
        [{"method": "GET",
          "path": "/servers/{server_id}/os-instance-actions/{request_id}"}]),
]
