"""Block storage services (os-services): administrators only."""

from sovra_block.api.policies import base

INDEX = "volume_extension:services:index"
UPDATE = "volume_extension:services:update"

RULES = [
    base.rule(INDEX, base.ADMIN, "List the block storage services.", "GET",
              "/v3/os-services"),
    base.rule(UPDATE, base.ADMIN, "Enable or disable a block storage service.", "PUT",
              "/v3/os-services/{action}"),
]
