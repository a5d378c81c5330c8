"""A network's segment (provider attributes): validation and allocation.

  * vxlan: the VNI asked for (admin), or the lowest free one of [network] vni_min..
    vni_max. ``vxlan_allocations`` has the VNI as primary key, so a VNI is never
    held by two networks; its row goes with the network, returning the VNI.
  * flat: needs a physical network listed in [network] physical_networks, held by
    at most one network (``flat_allocations``).
  * local: nothing to allocate (the network exists on one node only).

A lost race (two creates taking the same VNI) fails the insert; the create's
transaction is retried from the start by its caller (DuplicateEntry).
"""

from __future__ import annotations

from sqlalchemy import select

from sovra_common import exception
from sovra_network import exception as net_exc
from sovra_network.db.models.network import FlatAllocation, VxlanAllocation

VXLAN_OVERHEAD = 50


def plan(conf, requested: dict) -> dict:
    """The segment a new network asks for: {network_type, physical_network,
    segmentation_id} with defaults filled, validated against the configuration
    (nothing allocated yet)."""
    opts = conf.network
    network_type = requested.get("provider:network_type") or opts.tenant_network_type
    physnet = requested.get("provider:physical_network")
    seg_id = requested.get("provider:segmentation_id")
    if network_type not in opts.allowed_network_types:
        raise exception.Invalid(f"Invalid input for operation: network_type value "
                                f"'{network_type}' not supported.")
    if network_type == "vxlan":
        if physnet:
            raise exception.Invalid("Invalid input for operation: provider:"
                                    "physical_network specified for vxlan network.")
        if seg_id is not None and not 1 <= seg_id <= 2 ** 24 - 1:
            raise exception.Invalid(f"Invalid input for operation: segmentation_id "
                                    f"{seg_id} out of range (1 through 16777215).")
    elif network_type == "flat":
        if seg_id is not None:
            raise exception.Invalid("Invalid input for operation: segmentation_id "
                                    "specified for flat network.")
        if not physnet:
            physnet = opts.physical_networks[0] if len(opts.physical_networks) == 1 \
                else None
        if not physnet or physnet not in opts.physical_networks:
            raise exception.Invalid(f"Invalid input for operation: physical_network "
                                    f"'{physnet}' unknown for flat provider network.")
    else:  # local
        if physnet or seg_id is not None:
            raise exception.Invalid("Invalid input for operation: local networks take "
                                    "no physical_network or segmentation_id.")
    return {"network_type": network_type, "physical_network": physnet,
            "segmentation_id": seg_id}


def default_mtu(conf, network_type: str) -> int:
    mtu = conf.network.global_physnet_mtu
    return mtu - VXLAN_OVERHEAD if network_type == "vxlan" else mtu


def allocate(session, conf, network_id: str, segment: dict) -> dict:
    """Hold the segment for ``network_id`` in this transaction; the segment with
    its segmentation_id (for vxlan) decided."""
    if segment["network_type"] == "vxlan":
        vni = segment["segmentation_id"]
        if vni is None:
            vni = _free_vni(session, conf)
        elif session.get(VxlanAllocation, vni) is not None:
            raise net_exc.SegmentationIdInUse(id=vni)
        session.add(VxlanAllocation(vni=vni, network_id=network_id))
        session.flush()
        return {**segment, "segmentation_id": vni}
    if segment["network_type"] == "flat":
        physnet = segment["physical_network"]
        if session.get(FlatAllocation, physnet) is not None:
            raise net_exc.FlatNetworkInUse(physical_network=physnet)
        session.add(FlatAllocation(physical_network=physnet, network_id=network_id))
        session.flush()
    return segment


def _free_vni(session, conf) -> int:
    low, high = conf.network.vni_min, conf.network.vni_max
    used = set(session.scalars(select(VxlanAllocation.vni).where(
        VxlanAllocation.vni.between(low, high))))
    for vni in range(low, high + 1):
        if vni not in used:
            return vni
    raise net_exc.NoNetworkAvailable()
