"""Ports: create (MAC, fixed IPs, security groups, binding), show, list, update,
delete; the status the agent reports; the network's DHCP port.

Binding: a port with ``binding:host_id`` is bound there: ``binding:vif_type``
"bridge" and ``binding:vif_details`` {"port_filter": true, "bridge_name":
"brq" + network_id[:11]} (the Linux bridge the agent makes); without a host it is
"unbound". Status is DOWN until the agent plugs the port and reports ACTIVE
through :func:`set_port_status`.
"""

from __future__ import annotations

import ipaddress
import random
import uuid

from sqlalchemy import select

from sovra_common import exception
from sovra_common.context import get_internal_context
from sovra_network import exception as net_exc
from sovra_network.db.api import port as port_db
from sovra_network.db.models.floatingip import FloatingIP
from sovra_network.db.models.network import Network
from sovra_network.db.models.port import IpAllocation, Port, PortSecurityGroup
from sovra_network.db.models.router import Router, RouterPort
from sovra_network.db.models.subnet import Subnet
from sovra_network.service import ipam, quota, standard_attrs
from sovra_network.service import network as network_service
from sovra_network.service import security_group as sg_service
from sovra_network.service.races import retry_on_race

RESOURCE = "port"
DHCP_OWNER = "network:dhcp"
STATUSES = ("ACTIVE", "DOWN", "BUILD", "ERROR")
VNIC_TYPES = ("normal", "direct", "macvtap", "baremetal", "direct-physical",
              "virtio-forwarder", "smart-nic", "vdpa", "remote-managed")


def vif_type(row) -> str:
    return "bridge" if row.binding_host_id else "unbound"


def vif_details(row) -> dict:
    if not row.binding_host_id:
        return {}
    return {"port_filter": True, "bridge_name": "brq" + row.network_id[:11],
            "connectivity": "l2"}


def visible(ctxt, row, network_project_id=None) -> bool:
    return (ctxt.is_admin or row.project_id == ctxt.project_id
            or network_project_id == ctxt.project_id)


def load(session, ctxt, port_id: str, *, lock: bool = False) -> Port:
    row = session.get(Port, port_id, with_for_update=lock or None)
    if row is None:
        raise net_exc.PortNotFound(id=port_id)
    network = session.get(Network, row.network_id)
    if not visible(ctxt, row, network.project_id if network else None):
        raise net_exc.PortNotFound(id=port_id)
    row.network_project_id = network.project_id if network else row.project_id
    return row


def target(row) -> dict:
    return {"project_id": row.project_id,
            "network_project_id": getattr(row, "network_project_id", row.project_id),
            "device_owner": row.device_owner}


def _base_mac(conf) -> list[int]:
    return [int(x, 16) for x in conf.network.base_mac.split(":")[:3]]


def generate_mac(session, conf, network_id: str) -> str:
    taken = None
    for _ in range(16):
        mac = ":".join(f"{b:02x}" for b in _base_mac(conf) + [
            random.randint(0, 255) for _ in range(3)])
        if taken is None:
            taken = set(session.scalars(select(Port.mac_address).where(
                Port.network_id == network_id)))
        if mac not in taken:
            return mac
    raise net_exc.MacAddressGenerationFailure(net_id=network_id)


def _check_mac(mac: str) -> str:
    parts = mac.split(":") if isinstance(mac, str) else []
    if len(parts) != 6 or not all(len(p) == 2 and all(
            c in "0123456789abcdefABCDEF" for c in p) for p in parts):
        raise exception.Invalid(f"Invalid input for mac_address: '{mac}' is not a "
                                "valid MAC address.")
    if int(parts[0], 16) & 1:
        raise exception.Invalid(f"Invalid input for mac_address: '{mac}' is a "
                                "multicast address.")
    return mac.lower()


def _subnets(session, network_id: str) -> list[Subnet]:
    return list(session.scalars(select(Subnet).where(
        Subnet.network_id == network_id).order_by(Subnet.created_at, Subnet.id)))


def _allocate_fixed_ips(session, conf, port, subnets, requested, *, lowest=False):
    """Allocate ``requested`` ([{subnet_id?, ip_address?}], None: automatic)."""
    if requested is None:
        chosen = []
        for version in (4, 6):
            for subnet in (s for s in subnets if s.ip_version == version):
                try:
                    ipam.allocate(session, subnet, port.id, mac=port.mac_address,
                                  lowest=lowest)
                except net_exc.IpAddressGenerationFailure:
                    continue
                chosen.append(subnet)
                break
        if subnets and not chosen:
            raise net_exc.IpAddressGenerationFailure(net_id=port.network_id)
        return
    if len(requested) > conf.network.max_fixed_ips_per_port:
        raise exception.Invalid("Exceeded maximum amount of fixed ips per port.")
    by_id = {s.id: s for s in subnets}
    for item in requested:
        subnet_id, address = item.get("subnet_id"), item.get("ip_address")
        if subnet_id is not None:
            subnet = by_id.get(subnet_id)
            if subnet is None:
                raise exception.Invalid(f"Invalid input for operation: Failed to "
                                        f"create port on network {port.network_id}, "
                                        f"because fixed_ips included invalid subnet "
                                        f"{subnet_id}.")
        elif address is not None:
            subnet = next((s for s in subnets if _contains(s, address)), None)
            if subnet is None:
                raise net_exc.InvalidIpForNetwork(ip=address)
        else:
            raise exception.Invalid("Invalid input for fixed_ips: each needs a "
                                    "subnet_id or an ip_address.")
        ipam.allocate(session, subnet, port.id, address, mac=port.mac_address,
                      lowest=lowest)


def _contains(subnet, address) -> bool:
    try:
        return ipaddress.ip_address(address) in ipam.network_of(subnet.cidr)
    except ValueError:
        raise net_exc.InvalidIpForNetwork(ip=address) from None


def _check_groups(session, ctxt, project_id, group_ids) -> list[str]:
    result = []
    for group_id in group_ids:
        group = session.get(sg_service.SecurityGroup, group_id)
        if group is None or not (ctxt.is_admin or group.project_id == project_id):
            raise net_exc.SecurityGroupNotFound(id=group_id)
        if group_id not in result:
            result.append(group_id)
    return result


def _check_pairs(pairs) -> list[dict]:
    result = []
    for pair in pairs or []:
        try:
            ipaddress.ip_network(pair["ip_address"], strict=False)
        except (KeyError, ValueError):
            raise exception.Invalid(f"Invalid allowed address pair {pair}.") from None
        item = {"ip_address": pair["ip_address"]}
        if pair.get("mac_address"):
            item["mac_address"] = _check_mac(pair["mac_address"])
        result.append(item)
    return result


def _needs_groups(device_owner: str) -> bool:
    return not (device_owner or "").startswith("network:")


def _check_router_device(session, ctxt, project_id, device_owner, device_id) -> None:
    """A router port's device_id (what the data plane reads as "this router's")
    may name another project's router only for admins (DeviceIDNotOwnedByTenant)."""
    if ctxt.is_admin or not device_id or not (device_owner or "").startswith(
            "network:router_"):
        return
    router = session.get(Router, device_id)
    if router is not None and router.project_id != project_id:
        raise net_exc.DeviceIDNotOwnedByTenant(device_id=device_id)


def create(db, conf, ctxt, values: dict, *, authorize=None) -> Port:
    """``authorize(network)`` runs on the network before anything is written."""
    project_id = values.get("project_id") or values.get("tenant_id") or ctxt.project_id
    default_group = None
    if "security_groups" not in values and _needs_groups(values.get("device_owner")):
        default_group = sg_service.default_group_id(db, project_id)
    return _create(db, conf, ctxt, values, project_id, default_group, authorize)


@retry_on_race
def _create(db, conf, ctxt, values, project_id, default_group, authorize):
    with db.writer() as session:
        network = network_service.load(session, ctxt, values["network_id"])
        if authorize is not None:
            authorize(network)
        _check_router_device(session, ctxt, project_id, values.get("device_owner"),
                             values.get("device_id"))
        quota.reserve(session, conf, project_id, RESOURCE)
        row = create_in_session(session, conf, ctxt, network, project_id, values,
                                default_group)
        return row


def create_in_session(session, conf, ctxt, network, project_id, values,
                      default_group=None, *, lowest=False) -> Port:
    """Create a port in the caller's transaction (no quota check: callers reserve)."""
    port_security = values.get("port_security_enabled", network.port_security_enabled)
    if "mac_address" in values:
        mac = _check_mac(values["mac_address"])
        if session.scalar(select(Port.id).where(Port.network_id == network.id,
                                                Port.mac_address == mac)):
            raise net_exc.MacAddressInUse(net_id=network.id, mac=mac)
    else:
        mac = generate_mac(session, conf, network.id)
    groups = values.get("security_groups")
    if groups is None:
        groups = [default_group] if default_group and port_security else []
    groups = _check_groups(session, ctxt, project_id, groups)
    pairs = _check_pairs(values.get("allowed_address_pairs"))
    if not port_security and (groups or pairs):
        raise exception.Conflict("Port has security group associated. Cannot disable "
                                 "port security or ip address until security group "
                                 "is removed" if groups else
                                 "Port Security must be enabled in order to have "
                                 "allowed address pairs on a port.")
    vnic = values.get("binding:vnic_type", "normal")
    if vnic not in VNIC_TYPES:
        raise exception.Invalid(f"Invalid input for binding:vnic_type: {vnic}.")
    row = Port(id=str(uuid.uuid4()), project_id=project_id, network_id=network.id,
               name=values.get("name", ""), description=values.get("description", ""),
               mac_address=mac, admin_state_up=values.get("admin_state_up", True),
               status="DOWN", device_id=values.get("device_id", ""),
               device_owner=values.get("device_owner", ""),
               port_security_enabled=port_security,
               binding_host_id=values.get("binding:host_id") or "",
               binding_vnic_type=vnic,
               binding_profile=values.get("binding:profile") or {},
               allowed_address_pairs=pairs)
    session.add(row)
    session.flush()
    for group_id in groups:
        session.add(PortSecurityGroup(port_id=row.id, security_group_id=group_id))
    _allocate_fixed_ips(session, conf, row, _subnets(session, network.id),
                        values.get("fixed_ips"), lowest=lowest)
    session.flush()
    session.refresh(row)
    row.network_project_id = network.project_id
    return row


_COLUMNS = {"name": "name", "description": "description",
            "admin_state_up": "admin_state_up", "device_id": "device_id",
            "device_owner": "device_owner", "binding:host_id": "binding_host_id",
            "binding:profile": "binding_profile", "binding:vnic_type":
            "binding_vnic_type", "status": "status"}


@retry_on_race
def update(db, conf, ctxt, port_id: str, changes: dict, *, revision=None,
           authorize=None) -> Port:
    with db.writer() as session:
        row = load(session, ctxt, port_id, lock=True)
        if authorize is not None:
            authorize(row)
        standard_attrs.check_revision(row, revision)
        if "device_owner" in changes or "device_id" in changes:
            _check_router_device(session, ctxt, row.project_id,
                                 changes.get("device_owner", row.device_owner),
                                 changes.get("device_id", row.device_id))
        if changes.get("status") is not None and changes["status"] not in STATUSES:
            raise exception.Invalid(f"Invalid port status {changes['status']}.")
        if "mac_address" in changes:
            mac = _check_mac(changes["mac_address"])
            if mac != row.mac_address:
                if row.binding_host_id:
                    raise exception.Conflict("The MAC address of a bound port cannot "
                                             "change.")
                if session.scalar(select(Port.id).where(
                        Port.network_id == row.network_id, Port.mac_address == mac)):
                    raise net_exc.MacAddressInUse(net_id=row.network_id, mac=mac)
                row.mac_address = mac
        for key, column in _COLUMNS.items():
            if key in changes:
                value = changes[key]
                if key == "binding:host_id":
                    value = value or ""
                elif key == "binding:profile":
                    value = value or {}
                setattr(row, column, value)
        if "port_security_enabled" in changes:
            row.port_security_enabled = changes["port_security_enabled"]
        if "security_groups" in changes:
            groups = _check_groups(session, ctxt, row.project_id,
                                   changes["security_groups"] or [])
            row.security_groups = [PortSecurityGroup(port_id=row.id,
                                                     security_group_id=g)
                                   for g in groups]
        if "allowed_address_pairs" in changes:
            row.allowed_address_pairs = _check_pairs(changes["allowed_address_pairs"])
        if not row.port_security_enabled and (row.security_groups or
                                              row.allowed_address_pairs):
            raise exception.Conflict("Port has security group or allowed address "
                                     "pairs associated. Cannot disable port security "
                                     "until they are removed.")
        if "fixed_ips" in changes:
            _replace_fixed_ips(session, conf, row, changes["fixed_ips"])
        standard_attrs.bump(row)
        session.flush()
        session.refresh(row)
        return row


def _replace_fixed_ips(session, conf, row, requested) -> None:
    """Keep the addresses still asked for, free the others, allocate the new."""
    current = {(a.subnet_id, a.ip_address) for a in row.fixed_ips}
    keep, new = set(), []
    for item in requested:
        key = (item.get("subnet_id"), item.get("ip_address"))
        match = next((c for c in current if c[1] == key[1] and key[1] is not None
                      and key[0] in (None, c[0])), None)
        if match is not None:
            keep.add(match)
        else:
            new.append(item)
    for allocation in list(row.fixed_ips):
        if (allocation.subnet_id, allocation.ip_address) not in keep:
            session.delete(allocation)
    session.flush()
    session.expire(row, ["fixed_ips"])
    if new:
        _allocate_fixed_ips(session, conf, row, _subnets(session, row.network_id), new)


def delete(db, ctxt, port_id: str, *, revision=None, authorize=None) -> Port:
    """Delete a port; its addresses are free again when this returns. A router's
    port or a floating IP's cannot go this way (L3PortInUse); floating IPs
    associated with the port are disassociated, port forwardings to it deleted."""
    from sovra_network.service import floatingip, port_forwarding  # import this

    with db.writer() as session:
        row = load(session, ctxt, port_id, lock=True)
        if authorize is not None:
            authorize(row)
        standard_attrs.check_revision(row, revision)
        if session.get(RouterPort, row.id) is not None or session.scalar(
                select(FloatingIP.id).where(FloatingIP.floating_port_id == row.id)):
            raise net_exc.L3PortInUse(port_id=row.id, device_owner=row.device_owner)
        floatingip.disassociate_port(session, row.id)
        port_forwarding.release_port(session, row.id)
        standard_attrs.forget(session, RESOURCE, row.id)
        session.delete(row)
        return row


def set_port_status(db, port_id: str, status: str) -> Port:
    """The agent's report (ACTIVE once plugged, DOWN once unplugged), through the
    service-only API. Does not bump the revision of a port whose status is that
    already."""
    if status not in STATUSES:
        raise exception.Invalid(f"Invalid port status {status}.")
    with db.writer() as session:
        row = session.get(Port, port_id, with_for_update=True)
        if row is None:
            raise net_exc.PortNotFound(id=port_id)
        if row.status != status:
            row.status = status
            standard_attrs.bump(row)
        return row


def get(db, ctxt, port_id: str):
    with db.reader() as session:
        row = load(session, ctxt, port_id)
        return row, standard_attrs.tags_for(session, RESOURCE, [row])[row.id]


def tags_of(db, row):
    with db.reader() as session:
        return standard_attrs.tags_for(session, RESOURCE, [row])[row.id]


def list_ports(db, ctxt, spec):
    with db.reader() as session:
        rows, more = port_db.list_ports(session, ctxt, spec)
        return rows, more, standard_attrs.tags_for(session, RESOURCE, rows)


# -- the network's DHCP port


def dhcp_port(session, network_id: str) -> Port | None:
    return session.scalars(select(Port).where(
        Port.network_id == network_id, Port.device_owner == DHCP_OWNER)).first()


def ensure_dhcp_address(session, conf, network, subnet) -> None:
    """The network's DHCP port, with an address on ``subnet`` (made if missing).

    Owned by the network's project; no security groups (its traffic is the
    agent's own); device_id ``dhcp<network id>``."""
    port = dhcp_port(session, network.id)
    if port is None:
        create_in_session(
            session, conf, get_internal_context(), network, network.project_id,
            {"network_id": network.id, "device_owner": DHCP_OWNER,
             "device_id": f"dhcp{network.id}", "security_groups": [],
             "port_security_enabled": False,
             "fixed_ips": [{"subnet_id": subnet.id}]}, lowest=True)
        return
    if not any(a.subnet_id == subnet.id for a in port.fixed_ips):
        ipam.allocate(session, subnet, port.id, mac=port.mac_address, lowest=True)
        standard_attrs.bump(port)


def drop_empty_dhcp_port(session, network_id: str) -> None:
    """Remove the DHCP port once it has no address left."""
    port = dhcp_port(session, network_id)
    if port is None:
        return
    left = session.scalar(select(IpAllocation.ip_address).where(
        IpAllocation.port_id == port.id).limit(1))
    if left is None:
        standard_attrs.forget(session, RESOURCE, port.id)
        session.delete(port)
