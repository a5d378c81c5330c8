"""Whether a server gets a config drive: decided once, at create, and stored with
the server, so that the API's view, every agent and rebuilds agree.

As upstream: when the create asks for one (``config_drive``) or ``[compute]
force_config_drive`` is set. Sovra adds: when the server has no NIC (no requested
network): it cannot reach the metadata service, so the config drive is the only
way its guest learns its name, keys and user data.
"""

from __future__ import annotations

from sovra_common import exception

#: the values the create's ``config_drive`` takes (upstream's boolean parameter)
TRUE = (True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes")
FALSE = (False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no")
SCHEMA = {"type": ["boolean", "string"], "enum": [*TRUE, *FALSE]}


def parse(value) -> bool:
    """The create's ``config_drive`` (checked against SCHEMA) as a boolean."""
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise exception.ValidationError(f"Invalid input for field/attribute config_drive. "
                                    f"Value: {value}. {value!r} is not a boolean")


def wanted(asked: bool, *, force: bool, requested_networks) -> bool:
    """Whether a server gets a config drive: ``asked`` by its create, ``force``
    (``[compute] force_config_drive``), or no NIC (``requested_networks`` empty)."""
    return bool(asked or force or not requested_networks)


def shown(instance: dict) -> str:
    """The API's ``config_drive`` of a server: "True" when it has one, else ""."""
    return "True" if instance.get("config_drive") else ""
