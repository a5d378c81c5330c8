"""The network service's part of ``sovra quota show|set`` (entry point group
``sovra.quota.parts``; see ``sovra_common.cli.quota``)."""

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

    return cli.client(cloud).get_quota(project_id, default=default)


def update(cloud, project_id: str, limits: dict) -> None:
    from sovra_network import cli

    cli.client(cloud).update_quota(project_id, **limits)
