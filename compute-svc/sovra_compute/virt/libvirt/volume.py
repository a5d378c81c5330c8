"""Volumes as guest disks: block storage's connection info -> a domain disk.

Two connection types are opened:

- ``file``: the volume is a raw or qcow2 file on storage the node shares with
  the backend (``data.path``);
- ``nbd``: the backend serves the volume over the network (``data.host``,
  ``data.port``, ``data.export_name``, always ``raw`` on the wire); QEMU is the NBD
  client, a ``<disk type='network'>`` with ``<source protocol='nbd'>``. Nothing
  of the backend's storage needs to be visible on this node.

The disk is a virtio disk whose ``<serial>`` is the volume id, so the guest can
tell its volumes apart (``/dev/disk/by-id/virtio-<id prefix>``).
"""

from __future__ import annotations

import os

from sovra_compute.virt import driver as virt
from sovra_compute.virt.libvirt import config

SUPPORTED = ("file", "nbd")
_FORMATS = ("raw", "qcow2")


def target(device_name: str) -> str:
    """``/dev/vdb`` -> ``vdb``."""
    return device_name.rsplit("/", 1)[-1]


def _cache(path: str, preferred: str) -> str:
    """``preferred`` unless it is ``none`` and the file cannot be opened with
    O_DIRECT (tmpfs...): then writethrough."""
    if preferred != "none":
        return preferred
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECT", 0))
    except OSError:
        return "writethrough"
    os.close(fd)
    return "none" if hasattr(os, "O_DIRECT") else "writethrough"


def disk(connection_info: dict, device_name: str, cache: str = "none") -> config.Disk:
    """The disk of a volume; VirtDriverError if the connection cannot be opened
    here."""
    kind = connection_info.get("driver_volume_type")
    if kind not in SUPPORTED:
        raise virt.VirtDriverError(
            reason=f"volume connection type {kind!r} is not supported (only "
                   f"{', '.join(SUPPORTED)})")
    data = connection_info.get("data") or {}
    if kind == "nbd":
        return _nbd_disk(data, device_name, cache)
    path, fmt = data.get("path"), data.get("format", "raw")
    if not path or not os.path.isabs(path):
        raise virt.VirtDriverError(reason=f"volume connection has no absolute path: "
                                          f"{path!r}")
    if fmt not in _FORMATS:
        raise virt.VirtDriverError(reason=f"volume format {fmt!r} is not supported")
    if not os.path.exists(path):
        raise virt.VirtDriverError(reason=f"volume file {path} is not visible on this "
                                          "node (is the volume directory shared?)")
    return config.Disk(path, target(device_name), format=fmt,
                       readonly=data.get("access_mode") == "ro",
                       cache=_cache(path, cache), serial=data.get("volume_id"))


def _nbd_disk(data: dict, device_name: str, cache: str) -> config.Disk:
    host, port, name = data.get("host"), data.get("port"), data.get("export_name")
    if not host or not name or not isinstance(port, int) or not 0 < port < 65536:
        raise virt.VirtDriverError(
            reason=f"nbd volume connection needs host, port and export_name, got "
                   f"{ {k: data.get(k) for k in ('host', 'port', 'export_name')} }")
    if data.get("format", "raw") != "raw":  # the export is the volume's bytes
        raise virt.VirtDriverError(
            reason=f"nbd export format {data.get('format')!r} is not supported (raw)")
    # O_DIRECT is a matter of the node holding the file: over NBD, the cache mode
    # says only whether QEMU caches what it reads and writes through the export
    return config.Disk("", target(device_name), format="raw",
                       readonly=data.get("access_mode") == "ro", cache=cache,
                       serial=data.get("volume_id"),
                       network=config.NetworkSource("nbd", name, host, port))


def boot_volume(instance: dict) -> dict | None:
    """The server's boot volume mapping (``boot_index`` 0), if it has one."""
    return next((b for b in instance.get("block_devices") or ()
                 if b.get("boot_index") == 0), None)


def plugged(instance: dict) -> list[dict]:
    """The mappings that are plugged into the guest's definition: those with
    connection info, boot volume first, then by device name."""
    return sorted((b for b in instance.get("block_devices") or ()
                   if b.get("connection_info")),
                  key=lambda b: (b.get("boot_index") != 0, b["device_name"]))
