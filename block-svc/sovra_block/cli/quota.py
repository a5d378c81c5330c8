"""Block storage's part of ``sovra quota show|set`` (entry point group
``sovra.quota.parts``; see ``sovra_common.cli.quota``). Per-volume-type limits
(``volumes_<type>``...) are shown under the API's names."""

#: the option / resource name in ``sovra quota`` -> (the API's key, what it counts)
RESOURCES = {
    "volumes": ("volumes", "volumes"),
    "gigabytes": ("gigabytes", "GiB of volumes and snapshots"),
    "snapshots": ("snapshots", "volume snapshots"),
    "backups": ("backups", "volume backups"),
    "backup-gigabytes": ("backup_gigabytes", "GiB of volume backups"),
    "per-volume-gigabytes": ("per_volume_gigabytes", "GiB of any one volume"),
}


def get(cloud, project_id: str, *, default: bool = False) -> dict:
    from sovra_block import cli

    block = cli.client(cloud)
    return block.get_default_quota_set(project_id) if default \
        else block.get_quota_set(project_id)


def update(cloud, project_id: str, limits: dict) -> None:
    from sovra_block import cli

    cli.client(cloud).update_quota_set(project_id, **limits)
