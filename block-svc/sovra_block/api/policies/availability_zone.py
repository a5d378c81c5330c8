"""Availability zones: every reader may list them."""

from sovra_block.api.policies import base

LIST = "volume_extension:availability_zone_list"

RULES = [
    base.rule(LIST, base.ANY_READER, "List the availability zones of block storage.",
              "GET", "/v3/os-availability-zone"),
]
