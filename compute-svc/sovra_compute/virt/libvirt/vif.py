"""A server's VIFs as libvirt NICs: each a ``type='ethernet'`` interface on the
host tap ``tap<port id[:11]>``, which libvirt creates when the guest starts and
removes when it stops; the network agent finds the tap by that name and enslaves
it to its network's bridge (network-svc/README.md, "For compute, plugging a VM"),
then the port turns ACTIVE. The guest sees a virtio NIC with the port's MAC and the
network's MTU."""

from __future__ import annotations

from sovra_compute.virt import driver as virt
from sovra_compute.virt.libvirt import config

#: Linux's longest interface name (IFNAMSIZ - 1)
_MAX_DEVNAME = 15


def interface(vif: dict) -> config.Interface:
    """The NIC of one VIF (sovra_compute.network_api's shape)."""
    devname = vif.get("devname") or ""
    if not devname or len(devname) > _MAX_DEVNAME:
        raise virt.VirtDriverError(reason=f"VIF {vif.get('port_id')}: bad tap name "
                                          f"{devname!r}")
    return config.Interface(mac=vif["mac"], target=devname, mtu=vif.get("mtu"))


def interfaces(instance: dict) -> tuple[config.Interface, ...]:
    """The NICs of the instance's VIFs, in order (none: no NIC)."""
    return tuple(interface(v) for v in instance.get("network_info") or ())
