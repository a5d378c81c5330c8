"""Networks: create (with its segment and quota), show, list, update, delete.

Visibility: a caller sees its project's networks, shared networks and external
networks; admins see all. A network the caller cannot see does not exist for it
(NetworkNotFound).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sovra_network import exception as net_exc
from sovra_network.db.api import network as network_db
from sovra_network.db.models.network import Network
from sovra_network.db.models.port import Port
from sovra_network.service import quota, segment, standard_attrs
from sovra_network.service.races import retry_on_race

RESOURCE = "network"
DHCP_OWNER = "network:dhcp"
# ports that need their network to stay external: routers' gateways, floating IPs
_EXTERNAL_OWNERS = ("network:router_gateway", "network:floatingip")


def visible(ctxt, row) -> bool:
    return (ctxt.is_admin or row.project_id == ctxt.project_id or row.shared
            or row.router_external)


def load(session, ctxt, network_id: str, *, lock: bool = False) -> Network:
    """The network, if the caller may see it (locked for update with ``lock``)."""
    row = session.get(Network, network_id, with_for_update=lock or None)
    if row is None or not visible(ctxt, row):
        raise net_exc.NetworkNotFound(id=network_id)
    return row


def target(row) -> dict:
    """The policy target of a network."""
    return {"project_id": row.project_id, "shared": row.shared,
            "router:external": row.router_external}


@retry_on_race
def create(db, conf, ctxt, values: dict) -> Network:
    """``values``: the API's attributes (provider:* included, validated by the
    caller's policy); project_id defaults to the caller's."""
    project_id = values.get("project_id") or values.get("tenant_id") or ctxt.project_id
    seg = segment.plan(conf, values)
    with db.writer() as session:
        quota.reserve(session, conf, project_id, RESOURCE)
        network_id = str(uuid.uuid4())
        row = Network(
            id=network_id, project_id=project_id, name=values.get("name", ""),
            description=values.get("description", ""),
            admin_state_up=values.get("admin_state_up", True), status="ACTIVE",
            shared=values.get("shared", False),
            router_external=values.get("router:external", False),
            mtu=values.get("mtu") or segment.default_mtu(conf, seg["network_type"]),
            port_security_enabled=values.get("port_security_enabled", True),
            network_type=seg["network_type"],
            physical_network=seg["physical_network"],
            segmentation_id=seg["segmentation_id"],
            availability_zone_hints=values.get("availability_zone_hints", []))
        session.add(row)
        session.flush()
        row.segmentation_id = segment.allocate(session, conf, network_id,
                                               seg)["segmentation_id"]
        session.flush()
        return row


_COLUMNS = {"name": "name", "description": "description",
            "admin_state_up": "admin_state_up", "shared": "shared",
            "router:external": "router_external", "mtu": "mtu",
            "port_security_enabled": "port_security_enabled"}


@retry_on_race
def update(db, ctxt, network_id: str, changes: dict, *, revision: int | None = None,
           authorize=None) -> Network:
    """Apply ``changes`` (API attribute names). ``authorize(row)`` runs on the
    locked row before anything changes (the handler's policy check)."""
    with db.writer() as session:
        row = load(session, ctxt, network_id, lock=True)
        if authorize is not None:
            authorize(row)
        standard_attrs.check_revision(row, revision)
        if changes.get("router:external") is False and row.router_external and \
                session.scalar(select(Port.id).where(
                    Port.network_id == network_id,
                    Port.device_owner.in_(_EXTERNAL_OWNERS)).limit(1)):
            raise net_exc.ExternalNetworkInUse(net_id=network_id)
        changed = False
        for key, value in changes.items():
            column = _COLUMNS[key]
            if getattr(row, column) != value:
                setattr(row, column, value)
                changed = True
        if changed:
            standard_attrs.bump(row)
        return row


def delete(db, ctxt, network_id: str, *, revision: int | None = None,
           authorize=None, delete_subnets=None) -> Network:
    """Delete a network that only DHCP ports use (those go with it, and its
    subnets through ``delete_subnets(session, network)``)."""
    with db.writer() as session:
        row = load(session, ctxt, network_id, lock=True)
        if authorize is not None:
            authorize(row)
        standard_attrs.check_revision(row, revision)
        owners = set(session.scalars(select(Port.device_owner).where(
            Port.network_id == network_id)))
        if owners - {DHCP_OWNER}:
            raise net_exc.NetworkInUse(id=network_id)
        for port in session.scalars(select(Port).where(Port.network_id == network_id)):
            standard_attrs.forget(session, "port", port.id)
            session.delete(port)
        session.flush()
        if delete_subnets is not None:
            delete_subnets(session, row)
        standard_attrs.forget(session, RESOURCE, row.id)
        session.delete(row)
        return row


def get(db, ctxt, network_id: str):
    """(network, tags, subnet ids)."""
    with db.reader() as session:
        row = load(session, ctxt, network_id)
        return (row, standard_attrs.tags_for(session, RESOURCE, [row])[row.id],
                network_db.subnet_ids(session, [row.id])[row.id])


def list_networks(db, ctxt, spec):
    """(rows, more, tags by id, subnet ids by id)."""
    with db.reader() as session:
        rows, more = network_db.list_networks(session, ctxt, spec)
        return (rows, more, standard_attrs.tags_for(session, RESOURCE, rows),
                network_db.subnet_ids(session, [r.id for r in rows]))


def tags_and_subnets(db, row):
    with db.reader() as session:
        return (standard_attrs.tags_for(session, RESOURCE, [row])[row.id],
                network_db.subnet_ids(session, [row.id])[row.id])
