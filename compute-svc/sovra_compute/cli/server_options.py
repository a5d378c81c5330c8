"""How ``sovra server create`` reads its options: NICs (``--network``, ``--port``,
``--nic``, ``--no-network``), scheduler hints, counts, and block device mappings,
turned into the compute API's request fields."""

import argparse

_NIC_KEYS = ("net-id", "port-id", "v4-fixed-ip", "v6-fixed-ip")


def nic(text: str) -> dict | str:
    """``--nic``'s value: "none", "auto" or ``net-id=..,port-id=..,v4-fixed-ip=..``
    (net-id or port-id, not both; a fixed IP only with net-id). Raises ValueError
    with what is wrong."""
    if text in ("none", "auto"):
        return text
    nic = {}
    for piece in text.split(","):
        key, sep, value = piece.partition("=")
        key = key.strip()
        if not sep or key not in _NIC_KEYS or not value.strip():
            raise ValueError(f"{text!r}: expected " +
                             ",".join(f"{k}=<value>" for k in _NIC_KEYS) +
                             " (net-id or port-id), or none, or auto")
        nic[key] = value.strip()
    if ("net-id" in nic) == ("port-id" in nic):
        raise ValueError(f"{text!r}: give either net-id or port-id")
    if "port-id" in nic and ("v4-fixed-ip" in nic or "v6-fixed-ip" in nic):
        raise ValueError(f"{text!r}: a fixed IP goes with net-id, not port-id")
    if "v4-fixed-ip" in nic and "v6-fixed-ip" in nic:
        raise ValueError(f"{text!r}: give either v4-fixed-ip or v6-fixed-ip")
    return nic


class NicAction(argparse.Action):
    """--network, --port, --nic and --no-network collect, in order, into one list
    of (kind, value); "none" and "auto" must be alone (a usage error otherwise,
    exit status 2, whichever comes first)."""

    def __init__(self, option_strings, dest, kind, **kwargs):
        self.kind = kind
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        nics = list(getattr(namespace, self.dest, None) or [])
        if self.kind == "none":
            value = "none"
        elif self.kind == "nic":
            try:
                value = nic(values)
            except ValueError as exc:
                parser.error(f"argument --nic: {exc}")
        else:
            value = {self.kind: values}
        alone = [n for n in nics + [value] if isinstance(n, str)]
        if alone and len(nics) + 1 > 1:
            parser.error(f"{option_string}: --nic none, --nic auto and --no-network "
                         "take no other --nic, --network or --port")
        nics.append(value)
        setattr(namespace, self.dest, nics)


def networks(cloud, nics: list):
    """The API's ``networks``: "auto" (no option), "none", or one entry per NIC,
    names looked up in the network service."""
    if not nics:
        return "auto"
    if isinstance(nics[0], str):
        return nics[0]
    from sovra_network import cli as network_cli

    net = network_cli.client(cloud)
    networks = []
    for nic in nics:
        if "network" in nic or "net-id" in nic:
            entry = {"uuid": network_cli.find_network(
                net, nic.get("network") or nic["net-id"])["id"]}
            fixed_ip = nic.get("v4-fixed-ip") or nic.get("v6-fixed-ip")
            if fixed_ip:
                entry["fixed_ip"] = fixed_ip
        else:
            entry = {"port": network_cli.find_port(
                net, nic.get("port") or nic["port-id"])["id"]}
        networks.append(entry)
    return networks


def boolean(value: str) -> bool:
    """true/false as the API's strings have them (a usage error otherwise)."""
    lowered = value.lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {value!r}")


def hints(pairs: list) -> dict:
    """``--hint`` pairs as the API's scheduler hints: a key given more than once
    becomes a list (``different_host`` with several servers)."""
    hints = {}
    for key, value in pairs:
        if key in hints:
            hints[key] = (hints[key] if isinstance(hints[key], list)
                          else [hints[key]]) + [value]
        else:
            hints[key] = value
    return hints


def count(text: str) -> int:
    """--min / --max: a count of at least 1 (a usage error otherwise)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a count of 1 or more, not {text!r}")
    return value


#: --block-device keys, and how each value is read
_BDM_KEYS = {"uuid": str, "source_type": str, "destination_type": str,
             "boot_index": int, "volume_size": int, "delete_on_termination": boolean,
             "disk_bus": str, "device_type": str, "device_name": str,
             "guest_format": str, "volume_type": str, "tag": str}


def block_device(text: str) -> dict:
    """``--block-device``'s value: ``key=value,...`` with the API's
    block_device_mapping_v2 keys (a usage error otherwise)."""
    bdm = {}
    for piece in text.split(","):
        key, sep, value = piece.partition("=")
        key = key.strip()
        if not sep or key not in _BDM_KEYS or not value.strip():
            raise argparse.ArgumentTypeError(
                f"{text!r}: expected key=value pairs with keys among "
                + ", ".join(_BDM_KEYS))
        try:
            bdm[key] = _BDM_KEYS[key](value.strip())
        except (ValueError, argparse.ArgumentTypeError):
            raise argparse.ArgumentTypeError(
                f"{text!r}: {key} has a bad value {value!r}") from None
    if bdm.get("source_type", "volume") not in ("volume", "snapshot", "image", "blank"):
        raise argparse.ArgumentTypeError(
            f"{text!r}: source_type is volume, snapshot, image or blank")
    if bdm.get("source_type") != "blank" and "uuid" not in bdm:
        raise argparse.ArgumentTypeError(f"{text!r}: uuid (name or id) is required "
                                         "unless source_type is blank")
    return bdm


def resolve_block_devices(cloud, image_finder, bdms: list) -> list:
    """The mappings with names of volumes, snapshots and images turned into ids
    (source_type defaults to volume, destination_type to volume)."""
    if not bdms:
        return []
    resolved = []
    block = None
    for bdm in bdms:
        bdm = {"source_type": "volume", "destination_type": "volume", **bdm}
        source = bdm["source_type"]
        if source == "image":
            bdm["uuid"] = image_finder(bdm["uuid"])["id"]
        elif source in ("volume", "snapshot"):
            from sovra_block import cli as block_cli

            block = block or block_cli.client(cloud)
            find = block_cli.find_volume if source == "volume" else \
                block_cli.find_snapshot
            bdm["uuid"] = find(block, bdm["uuid"])["id"]
        resolved.append(bdm)
    return resolved
