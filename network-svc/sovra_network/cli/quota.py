"""The network service's part of ``sovra quota show|set`` (entry point group
``sovra.quota.parts``; see ``sovra_common.cli.quota``).

NetworkClient has no quota methods yet: these go through its generic resource
helpers (``/v2.0/quotas/<project>``, ``.../default``; body ``{"quota": ...}``)."""

#: the option / resource name in ``sovra quota`` -> (the API's key, what it counts)
RESOURCES = {
    "networks": ("network", "networks"),
    "subnets": ("subnet", "subnets"),
    "ports": ("port", "ports"),
    "routers": ("router", "routers"),
    "floating-ips": ("floatingip", "floating IPs"),
    "secgroups": ("security_group", "security groups"),
    "secgroup-rules": ("security_group_rule", "security group rules"),
}


def get(cloud, project_id: str, *, default: bool = False) -> dict:
    from sovra_network import cli

    path = f"{project_id}/default" if default else project_id
    return cli.client(cloud)._get("quotas", "quota", path)


def update(cloud, project_id: str, limits: dict) -> None:
    from sovra_network import cli

    cli.client(cloud)._update("quotas", "quota", project_id, limits)
