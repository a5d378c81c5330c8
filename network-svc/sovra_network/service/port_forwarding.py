"""Port forwardings of floating IPs: create, show, list, update, delete.

A forwarding DNATs ``protocol``/``external_port`` of an unassociated floating IP
to ``internal_ip_address``:``internal_port`` of the port ``internal_port_id``
(one of its IPv4 addresses). The internal address must be reachable the way an
associated floating IP's is (a router with an interface on its subnet and its
gateway on the floating IP's network); that router becomes the floating IP's
``router_id``, and every forwarding of one floating IP goes through the same
router. While it has forwardings, the floating IP is ACTIVE and cannot be
associated with a port; it returns to DOWN with no router when the last goes.
The internal port's deletion deletes its forwardings.
"""

from __future__ import annotations

import ipaddress
import uuid

from sqlalchemy import select

from sovra_network import exception as net_exc
from sovra_network.db.api import port_forwarding as port_forwarding_db
from sovra_network.db.models.floatingip import FloatingIP
from sovra_network.db.models.port_forwarding import PortForwarding
from sovra_network.service import floatingip as floatingip_service
from sovra_network.service import port as port_service
from sovra_network.service import standard_attrs
from sovra_network.service.races import retry_on_race

RESOURCE = "port_forwarding"
PROTOCOLS = ("tcp", "udp")
_FIELDS = ("internal_port_id", "internal_ip_address", "internal_port",
           "external_port", "protocol", "description")


def _bad(msg: str) -> net_exc.BadRequest:
    return net_exc.BadRequest(resource="port_forwarding", msg=msg)


def load(session, ctxt, floatingip_id: str, port_forwarding_id: str, *,
         lock: bool = False):
    """(floating IP, forwarding): FloatingIPNotFound or PortForwardingNotFound."""
    fip = floatingip_service.load(session, ctxt, floatingip_id, lock=lock)
    row = session.get(PortForwarding, port_forwarding_id)
    if row is None or row.floatingip_id != fip.id:
        raise net_exc.PortForwardingNotFound(id=port_forwarding_id)
    return fip, row


def target(fip) -> dict:
    """A forwarding's policy target: its floating IP's project."""
    return floatingip_service.target(fip)


def _check(session, ctxt, fip, values: dict, row=None) -> dict:
    """The forwarding's values (``row``'s, changed by ``values``), checked; sets
    the floating IP's router."""
    wanted = {key: values[key] if key in values else getattr(row, key)
              for key in _FIELDS}
    if fip.fixed_port_id:
        raise net_exc.FloatingIPPortAlreadyAssociated(
            floating_ip_address=fip.floating_ip_address, fip_id=fip.id,
            port_id=wanted["internal_port_id"], fixed_ip=wanted["internal_ip_address"],
            net_id=fip.floating_network_id)
    if wanted["protocol"] not in PROTOCOLS:
        raise _bad(f"protocol {wanted['protocol']!r} is not one of {list(PROTOCOLS)}")
    port = port_service.load(session, ctxt, wanted["internal_port_id"], lock=True)
    if not ctxt.is_admin and port.project_id != fip.project_id:
        raise _bad(f"Port {port.id} belongs to another project than floating IP "
                   f"{fip.id}")
    try:
        address = ipaddress.ip_address(wanted["internal_ip_address"])
    except ValueError:
        raise _bad(f"'{wanted['internal_ip_address']}' is not a valid IP "
                   "address") from None
    allocation = next((a for a in port.fixed_ips
                       if ipaddress.ip_address(a.ip_address) == address), None)
    if allocation is None or address.version != 4:
        raise _bad(f"The internal IP {address} is not an IPv4 address of port "
                   f"{port.id}")
    wanted["internal_ip_address"] = allocation.ip_address
    if session.scalar(select(FloatingIP.id).where(
            FloatingIP.fixed_port_id == port.id,
            FloatingIP.fixed_ip_address == allocation.ip_address)):
        raise net_exc.PortHasBindingFloatingIP(
            floating_ip_address=fip.floating_ip_address, fip_id=fip.id,
            port_id=port.id, fixed_ip=allocation.ip_address)
    router_id = floatingip_service.router_for(session, allocation.subnet_id,
                                              fip.floating_network_id)
    if router_id is None:
        raise net_exc.ExternalGatewayForFloatingIPNotFound(
            external_network_id=fip.floating_network_id,
            subnet_id=allocation.subnet_id, port_id=port.id)
    others = port_forwarding_db.count_of(session, fip.id) - (row is not None)
    if fip.router_id and router_id != fip.router_id and others > 0:
        raise _bad(f"Port {port.id} is reached through router {router_id}, the "
                   f"other forwardings of floating IP {fip.id} through router "
                   f"{fip.router_id}")
    for clause, what in (
            ((PortForwarding.floatingip_id == fip.id,
              PortForwarding.protocol == wanted["protocol"],
              PortForwarding.external_port == wanted["external_port"]),
             f"external port {wanted['external_port']}/{wanted['protocol']}"),
            ((PortForwarding.internal_port_id == port.id,
              PortForwarding.internal_ip_address == wanted["internal_ip_address"],
              PortForwarding.protocol == wanted["protocol"],
              PortForwarding.internal_port == wanted["internal_port"]),
             f"internal {wanted['internal_ip_address']}:{wanted['internal_port']}/"
             f"{wanted['protocol']}")):
        taken = session.scalar(select(PortForwarding.id).where(*clause))
        if taken is not None and (row is None or taken != row.id):
            raise _bad(f"A duplicate port forwarding entry with same attributes "
                       f"already exists, conflicting values are {what}")
    fip.router_id = router_id
    fip.status = "ACTIVE"
    return wanted


@retry_on_race
def create(db, ctxt, floatingip_id: str, values: dict, *, authorize=None):
    """(floating IP, forwarding). ``authorize(fip)`` runs first."""
    with db.writer() as session:
        fip = floatingip_service.load(session, ctxt, floatingip_id, lock=True)
        if authorize is not None:
            authorize(fip)
        wanted = _check(session, ctxt, fip, {"description": "", **values})
        row = PortForwarding(id=str(uuid.uuid4()), floatingip_id=fip.id, **wanted)
        session.add(row)
        standard_attrs.bump(fip)
        session.flush()
        return fip, row


@retry_on_race
def update(db, ctxt, floatingip_id: str, port_forwarding_id: str, changes: dict, *,
           authorize=None):
    with db.writer() as session:
        fip, row = load(session, ctxt, floatingip_id, port_forwarding_id, lock=True)
        if authorize is not None:
            authorize(fip)
        if "internal_port_id" in changes and "internal_ip_address" not in changes \
                and changes["internal_port_id"] != row.internal_port_id:
            raise _bad("internal_ip_address is needed with a new internal_port_id")
        for key, value in _check(session, ctxt, fip, changes, row).items():
            setattr(row, key, value)
        standard_attrs.bump(fip)
        session.flush()
        return fip, row


def _settle(session, fip) -> None:
    """A floating IP whose last forwarding went: DOWN, no router."""
    if not port_forwarding_db.count_of(session, fip.id) and not fip.fixed_port_id:
        fip.router_id = None
        fip.status = "DOWN"
    standard_attrs.bump(fip)


def delete(db, ctxt, floatingip_id: str, port_forwarding_id: str, *, authorize=None):
    with db.writer() as session:
        fip, row = load(session, ctxt, floatingip_id, port_forwarding_id, lock=True)
        if authorize is not None:
            authorize(fip)
        session.delete(row)
        session.flush()
        _settle(session, fip)
        return fip, row


def release_port(session, port_id: str) -> None:
    """Delete the forwardings to a port being deleted (in its transaction)."""
    fips = set()
    for row in port_forwarding_db.of_port(session, port_id):
        fips.add(row.floatingip_id)
        session.delete(row)
    session.flush()
    for fip_id in sorted(fips):
        _settle(session, session.get(FloatingIP, fip_id))


def get(db, ctxt, floatingip_id: str, port_forwarding_id: str):
    with db.reader() as session:
        return load(session, ctxt, floatingip_id, port_forwarding_id)


def list_port_forwardings(db, ctxt, floatingip_id: str, spec):
    """(floating IP, rows, more)."""
    with db.reader() as session:
        fip = floatingip_service.load(session, ctxt, floatingip_id)
        rows, more = port_forwarding_db.list_port_forwardings(session, fip.id, spec)
        return fip, rows, more
