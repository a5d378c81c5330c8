"""Compute's part of ``sovra quota show|set`` (entry point group
``sovra.quota.parts``; see ``sovra_common.cli.quota``)."""

#: the option / resource name in ``sovra quota`` -> (the API's key, what it counts)
RESOURCES = {
    "cores": ("cores", "virtual CPUs of servers"),
    "instances": ("instances", "servers"),
    "ram": ("ram", "MiB of RAM of servers"),
    "key-pairs": ("key_pairs", "key pairs per user"),
    "server-groups": ("server_groups", "server groups"),
    "server-group-members": ("server_group_members", "servers per server group"),
    "metadata-items": ("metadata_items", "metadata items per server"),
}


def get(cloud, project_id: str, *, default: bool = False) -> dict:
    from sovra_compute import cli

    compute = cli.client(cloud)
    return compute.get_default_quota_set(project_id) if default \
        else compute.get_quota_set(project_id)


def update(cloud, project_id: str, limits: dict) -> None:
    from sovra_compute import cli

    cli.client(cloud).update_quota_set(project_id, **limits)
