"""Block storage's commands for the ``sovra`` CLI (``sovra.cli`` entry points):
volume, volume snapshot, volume type, volume service, volume backup, volume
transfer request, volume qos.

Nothing heavy at module level: ``sovra --help`` imports every command module. The
REST client (keystoneauth1) is imported on first use."""

from sovra_common.cli import errors


def client(cloud):
    """A BlockClient on the invocation's session (imported on first use)."""
    from sovra_block.client import BlockClient

    return BlockClient(cloud.session, interface=cloud.interface,
                       region_name=cloud.region_name)


class NoMatch(errors.CommandError):
    """No resource has that name or id."""


def find(kind: str, name_or_id: str, get, list_named) -> dict:
    """A resource by id (``get(id)``), else by exact name (``list_named(name)``: the
    resources of that name): exactly one, or a one-line CommandError."""
    from keystoneauth1 import exceptions as ks_exc

    try:
        return get(name_or_id)
    except (ks_exc.NotFound, ks_exc.BadRequest):
        pass   # not an id (or not one of ours): try it as a name
    found = [item for item in list_named(name_or_id) if item.get("name") == name_or_id]
    if not found:
        raise NoMatch(f"No {kind} with a name or id of '{name_or_id}'.")
    if len(found) > 1:
        raise errors.CommandError(f"More than one {kind} is named '{name_or_id}'; "
                                  "use its id.")
    return found[0]


def find_volume(block, name_or_id: str) -> dict:
    return find("volume", name_or_id, block.get_volume,
                lambda name: block.list_volumes(name=name))


def find_snapshot(block, name_or_id: str) -> dict:
    return find("snapshot", name_or_id, block.get_snapshot,
                lambda name: block.list_snapshots(name=name))


def find_volume_type(block, name_or_id: str) -> dict:
    return find("volume type", name_or_id, block.get_volume_type,
                lambda name: block.list_volume_types(is_public="none"))


def find_backup(block, name_or_id: str) -> dict:
    return find("backup", name_or_id, block.get_backup,
                lambda name: block.list_backups(name=name))


def find_transfer(block, name_or_id: str) -> dict:
    return find("volume transfer request", name_or_id, block.get_transfer,
                lambda name: block.list_transfers())


def find_qos(block, name_or_id: str) -> dict:
    return find("QoS specification", name_or_id, block.get_qos_specs,
                lambda name: block.list_qos_specs())


def key_value(text: str) -> tuple[str, str]:
    """argparse type of ``--property <key>=<value>``: a pair without ``=`` or without
    a key is a usage error (exit status 2)."""
    import argparse

    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r}: expected <key>=<value>")
    return key, value


def size_gib(text: str) -> int:
    """argparse type of a size in GiB: a whole number, at least 1 (else a usage
    error, exit status 2)."""
    import argparse

    try:
        size = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: not a whole number of GiB") from None
    if size < 1:
        raise argparse.ArgumentTypeError(f"{size}: a volume is at least 1 GiB")
    return size


def add_property_option(parser, what: str) -> None:
    parser.add_argument("--property", metavar="<key=value>", dest="properties",
                        type=key_value, action="append", default=[],
                        help=f"{what} (repeat for several)")
