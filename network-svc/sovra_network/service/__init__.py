"""Domain logic, one module per resource. No HTTP here: functions take the
Database, the caller's RequestContext and plain values, and raise
sovra_common.exception kinds (or sovra_network.exception's)."""
