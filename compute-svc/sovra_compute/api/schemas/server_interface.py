"""os-interface request bodies: a port, or a network with optional fixed IPs
(only the first is asked for), and a device tag from 2.49."""

from sovra_compute.api.schemas.server import TAG

_ATTACHMENT = {
    "type": "object",
    "properties": {
        "port_id": {"type": ["string", "null"]},
        "net_id": {"type": ["string", "null"]},
        "fixed_ips": {"type": "array", "minItems": 1, "maxItems": 1, "items": {
            "type": "object", "properties": {"ip_address": {"type": "string"}},
            "required": ["ip_address"], "additionalProperties": False}},
    },
    "additionalProperties": False,
}


def create(microversion) -> dict:
    attachment = _ATTACHMENT
    if microversion.matches("2.49"):
        attachment = {**_ATTACHMENT,
                      "properties": {**_ATTACHMENT["properties"], "tag": TAG}}
    return {"type": "object", "properties": {"interfaceAttachment": attachment},
            "additionalProperties": False}
