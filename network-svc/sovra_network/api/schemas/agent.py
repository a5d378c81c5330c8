from sovra_network.api.schemas import common

UPDATE = common.envelope("agent", {"admin_state_up": common.BOOL,
                                   "description": common.DESCRIPTION})
