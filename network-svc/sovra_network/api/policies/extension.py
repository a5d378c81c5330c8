from oslo_policy import policy as oslo_policy

from sovra_network.api.policies import base

GET = "get_extension"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        GET, base.ANY_READER, "List the API extensions, or show one.",
        [{"method": "GET", "path": "/v2.0/extensions"},
         {"method": "GET", "path": "/v2.0/extensions/{alias}"}]),
]
