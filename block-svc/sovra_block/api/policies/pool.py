"""Back-end storage pools (scheduler statistics): administrators only."""

from sovra_block.api.policies import base

GET_POOLS = "scheduler_extension:scheduler_stats:get_pools"

RULES = [
    base.rule(GET_POOLS, base.ADMIN, "List the back-end storage pools and their "
              "capacity.", "GET", "/v3/scheduler-stats/get_pools"),
]
