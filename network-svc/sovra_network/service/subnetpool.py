"""Subnet pools: prefixes subnets are carved from.

``carve`` gives the lowest free prefix of the asked length that overlaps no
subnet already taken from the pool; two concurrent carves may choose the same
prefix, and both subnets would then exist, so carving takes the pool row's lock
(``SELECT ... FOR UPDATE``; SQLite has one writer anyway).
"""

from __future__ import annotations

import ipaddress
import uuid

from sqlalchemy import or_, select

from sovra_common import exception
from sovra_network import exception as net_exc
from sovra_network.db.api import query
from sovra_network.db.models.subnet import Subnet, SubnetPool
from sovra_network.service import standard_attrs

RESOURCE = "subnetpool"

FILTER_COLUMNS = {
    "id": SubnetPool.id, "name": SubnetPool.name, "project_id": SubnetPool.project_id,
    "ip_version": SubnetPool.ip_version, "shared": SubnetPool.shared,
    "is_default": SubnetPool.is_default, "description": SubnetPool.description,
    "default_prefixlen": SubnetPool.default_prefixlen,
}
SORT_COLUMNS = FILTER_COLUMNS | {"created_at": SubnetPool.created_at}


def load(session, ctxt, pool_id: str, *, lock: bool = False) -> SubnetPool:
    row = session.get(SubnetPool, pool_id, with_for_update=lock or None)
    if row is None or not (ctxt.is_admin or row.shared or
                           row.project_id == ctxt.project_id):
        raise net_exc.SubnetPoolNotFound(id=pool_id)
    return row


def target(row) -> dict:
    return {"project_id": row.project_id, "shared": row.shared}


def _prefixes(values) -> list:
    try:
        nets = [ipaddress.ip_network(p, strict=False) for p in values]
    except ValueError as exc:
        raise exception.Invalid(f"Invalid prefix: {exc}") from None
    if not nets or len({n.version for n in nets}) != 1:
        raise exception.Invalid("A subnet pool needs prefixes of one IP version.")
    return list(ipaddress.collapse_addresses(nets))


def create(db, ctxt, values: dict) -> SubnetPool:
    nets = _prefixes(values["prefixes"])
    version = nets[0].version
    bits = 32 if version == 4 else 128
    min_len = values.get("min_prefixlen", min(n.prefixlen for n in nets))
    max_len = values.get("max_prefixlen", bits)
    default_len = values.get("default_prefixlen", min_len)
    if not min_len <= default_len <= max_len <= bits:
        raise exception.Invalid("Subnet pool prefix lengths must satisfy "
                                "min_prefixlen <= default_prefixlen <= max_prefixlen.")
    with db.writer() as session:
        row = SubnetPool(
            id=str(uuid.uuid4()), name=values.get("name", ""),
            project_id=values.get("project_id") or values.get("tenant_id")
            or ctxt.project_id, description=values.get("description", ""),
            ip_version=version, prefixes=[str(n) for n in nets],
            default_prefixlen=default_len, min_prefixlen=min_len,
            max_prefixlen=max_len, shared=values.get("shared", False),
            is_default=values.get("is_default", False))
        session.add(row)
        session.flush()
        return row


def update(db, ctxt, pool_id: str, changes: dict, *, revision=None, authorize=None):
    with db.writer() as session:
        row = load(session, ctxt, pool_id, lock=True)
        if authorize is not None:
            authorize(row)
        standard_attrs.check_revision(row, revision)
        if "prefixes" in changes:
            old = [ipaddress.ip_network(p) for p in row.prefixes]
            new = _prefixes(changes["prefixes"])
            for prefix in old:
                if not any(prefix.subnet_of(n) for n in new if n.version == prefix.version):
                    raise exception.Invalid("Existing prefixes must be a subset of the "
                                            "new prefixes.")
            row.prefixes = [str(n) for n in new]
        for key in ("name", "description", "default_prefixlen", "min_prefixlen",
                    "max_prefixlen", "is_default"):
            if key in changes:
                setattr(row, key, changes[key])
        standard_attrs.bump(row)
        return row


def delete(db, ctxt, pool_id: str, *, revision=None, authorize=None):
    with db.writer() as session:
        row = load(session, ctxt, pool_id, lock=True)
        if authorize is not None:
            authorize(row)
        standard_attrs.check_revision(row, revision)
        if session.scalar(select(Subnet.id).where(Subnet.subnetpool_id == row.id)
                          .limit(1)):
            raise exception.Conflict(f"Subnet pool {pool_id} has subnets in use.")
        standard_attrs.forget(session, RESOURCE, row.id)
        session.delete(row)
        return row


def get(db, ctxt, pool_id: str):
    with db.reader() as session:
        row = load(session, ctxt, pool_id)
        return row, standard_attrs.tags_for(session, RESOURCE, [row])[row.id]


def tags_of(db, row):
    with db.reader() as session:
        return standard_attrs.tags_for(session, RESOURCE, [row])[row.id]


def list_pools(db, ctxt, spec):
    visible = None if ctxt.is_admin else or_(SubnetPool.project_id == ctxt.project_id,
                                             SubnetPool.shared.is_(True))
    with db.reader() as session:
        rows, more = query.list_rows(session, SubnetPool, RESOURCE, spec,
                                     filter_columns=FILTER_COLUMNS,
                                     sort_columns=SORT_COLUMNS, visible=visible)
        return rows, more, standard_attrs.tags_for(session, RESOURCE, rows)


def check_inside(pool, cidr: str) -> None:
    net = ipaddress.ip_network(cidr, strict=False)
    if not any(net.version == p.version and net.subnet_of(p)
               for p in map(ipaddress.ip_network, pool.prefixes)):
        raise exception.Invalid(f"Cidr {cidr} is not within the subnet pool "
                                f"{pool.id}'s prefixes.")


def carve(session, pool, prefixlen) -> str:
    """The lowest free prefix of ``prefixlen`` (default the pool's) in the pool."""
    session.get(SubnetPool, pool.id, with_for_update=True)
    length = int(prefixlen) if prefixlen is not None else pool.default_prefixlen
    if not pool.min_prefixlen <= length <= pool.max_prefixlen:
        raise exception.Invalid(f"Prefix length {length} is outside the pool's range "
                                f"{pool.min_prefixlen}-{pool.max_prefixlen}.")
    taken = [ipaddress.ip_network(c) for c in session.scalars(
        select(Subnet.cidr).where(Subnet.subnetpool_id == pool.id))]
    for prefix in map(ipaddress.ip_network, pool.prefixes):
        if length < prefix.prefixlen:
            continue
        for candidate in prefix.subnets(new_prefix=length):
            if not any(candidate.overlaps(t) for t in taken):
                return str(candidate)
    raise exception.Conflict(f"Insufficient prefix space to allocate a /{length} "
                             f"from subnet pool {pool.id}.")
