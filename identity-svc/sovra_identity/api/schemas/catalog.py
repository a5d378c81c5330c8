"""Regions, services, endpoints."""

from sovra_identity.api.schemas.common import DESCRIPTION, ENABLED, LONG_NAME, body, query

_NULLABLE = {"type": ["string", "null"], "maxLength": 255}
_URL = {"type": "string", "minLength": 1, "maxLength": 1024,
        "pattern": "^[a-zA-Z][a-zA-Z0-9+.-]*://"}
_INTERFACE = {"type": "string", "enum": ["public", "internal", "admin"]}

_REGION = {"id": LONG_NAME, "description": DESCRIPTION, "parent_region_id": _NULLABLE}
CREATE_REGION = body("region", _REGION)
UPDATE_REGION = body("region", {"description": DESCRIPTION,
                                "parent_region_id": _NULLABLE})
LIST_REGIONS = query("parent_region_id")

_SERVICE = {"type": LONG_NAME, "name": _NULLABLE, "description": DESCRIPTION,
            "enabled": ENABLED}
CREATE_SERVICE = body("service", _SERVICE, ["type"])
UPDATE_SERVICE = body("service", _SERVICE)
LIST_SERVICES = query("type", "name")

_ENDPOINT = {"service_id": LONG_NAME, "interface": _INTERFACE, "url": _URL,
             "region_id": _NULLABLE, "region": _NULLABLE, "enabled": ENABLED}
CREATE_ENDPOINT = body("endpoint", _ENDPOINT, ["service_id", "interface", "url"])
UPDATE_ENDPOINT = body("endpoint", _ENDPOINT)
LIST_ENDPOINTS = query("interface", "service_id", "region_id")
