"""os-server-external-events request bodies: the event names each version takes
(power-update, 2.76, accelerator-request-bound, 2.82, and volume-reimaged, 2.93,
are not served: Sovra has nothing that would handle them)."""

_NAMES_2_1 = ["network-changed", "network-vif-plugged", "network-vif-unplugged",
              "network-vif-deleted"]
_NAMES_2_51 = [*_NAMES_2_1, "volume-extended"]

STATUSES = ("failed", "completed", "in-progress")


def create(microversion) -> dict:
    names = _NAMES_2_51 if microversion.matches("2.51") else _NAMES_2_1
    event = {"type": "object",
             "properties": {"name": {"type": "string", "enum": names},
                            "server_uuid": {"type": "string", "format": "uuid"},
                            "tag": {"type": "string", "maxLength": 255},
                            "status": {"type": "string", "enum": list(STATUSES)}},
             "required": ["name", "server_uuid"], "additionalProperties": False}
    return {"type": "object",
            "properties": {"events": {"type": "array", "minItems": 1,
                                      "items": event}},
            "required": ["events"], "additionalProperties": False}
