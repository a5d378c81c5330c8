from sovra_network.api.schemas import common

_PORT = {"type": "integer", "minimum": 1, "maximum": 65535}
_WRITABLE = {
    "internal_port_id": common.UUID,
    "internal_ip_address": {"type": "string", "maxLength": 64},
    "internal_port": _PORT,
    "external_port": _PORT,
    "protocol": {"type": "string", "maxLength": 16},
    "description": common.DESCRIPTION,
}
CREATE = common.envelope("port_forwarding", _WRITABLE, required=[
    "internal_port_id", "internal_ip_address", "internal_port", "external_port",
    "protocol"])
UPDATE = common.envelope("port_forwarding", _WRITABLE)
