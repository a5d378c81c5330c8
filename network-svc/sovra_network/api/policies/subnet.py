from oslo_policy import policy as oslo_policy

from sovra_network.api.policies import base

GET = "get_subnet"
CREATE = "create_subnet"
UPDATE = "update_subnet"
DELETE = "delete_subnet"
POOL_GET = "get_subnetpool"
POOL_CREATE = "create_subnetpool"
POOL_UPDATE = "update_subnetpool"
POOL_DELETE = "delete_subnetpool"
POOL_CREATE_SHARED = "create_subnetpool:shared"

# Subnets: the network's owner creates them (target project_id: the network's).
RULES = [
    *base.crud("subnet", "/v2.0/subnets", get=base.SHARED_READER),
    *base.crud("subnetpool", "/v2.0/subnetpools", get=base.SHARED_READER,
               what="subnet pool"),
    oslo_policy.DocumentedRuleDefault(
        POOL_CREATE_SHARED, base.ADMIN, "Create a shared subnet pool.",
        [{"method": "POST", "path": "/v2.0/subnetpools"}]),
]
