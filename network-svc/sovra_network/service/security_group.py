"""Security groups and their rules, and each project's "default" group.

The default group is made on first use (listing groups, or a port created without
groups) with upstream's default rules: egress anywhere over IPv4 and IPv6, ingress
from members of the same group over IPv4 and IPv6. ``default_security_groups``
keys it by project, so two first uses racing end with one group.
"""

from __future__ import annotations

import ipaddress
import uuid

from sqlalchemy import or_, select

from sovra_common import exception
from sovra_common.db import errors
from sovra_network import exception as net_exc
from sovra_network.db.api import query
from sovra_network.db.models.port import PortSecurityGroup
from sovra_network.db.models.security_group import (
    DefaultSecurityGroup,
    SecurityGroup,
    SecurityGroupRule,
)
from sovra_network.service import quota, standard_attrs
from sovra_network.service.races import retry_on_race

RESOURCE = "security_group"
RULE_RESOURCE = "security_group_rule"
DEFAULT_NAME = "default"

PROTOCOLS = {"ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "icmp": 1,
             "icmpv6": 58, "igmp": 2, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44,
             "ipv6-icmp": 58, "ipv6-nonxt": 59, "ipv6-opts": 60, "ipv6-route": 43,
             "ospf": 89, "pgm": 113, "rsvp": 46, "sctp": 132, "tcp": 6, "udp": 17,
             "udplite": 136, "vrrp": 112}
_PORT_PROTOCOLS = {"tcp", "udp", "sctp", "dccp", "udplite", "6", "17", "132", "33",
                   "136"}
_ICMP_PROTOCOLS = {"icmp", "icmpv6", "ipv6-icmp", "1", "58"}

GROUP_FILTERS = {"id": SecurityGroup.id, "name": SecurityGroup.name,
                 "project_id": SecurityGroup.project_id,
                 "description": SecurityGroup.description,
                 "stateful": SecurityGroup.stateful,
                 "revision_number": SecurityGroup.revision_number}
GROUP_SORTS = GROUP_FILTERS | {"created_at": SecurityGroup.created_at}
RULE_FILTERS = {
    "id": SecurityGroupRule.id, "project_id": SecurityGroupRule.project_id,
    "security_group_id": SecurityGroupRule.security_group_id,
    "remote_group_id": SecurityGroupRule.remote_group_id,
    "direction": SecurityGroupRule.direction, "ethertype": SecurityGroupRule.ethertype,
    "protocol": SecurityGroupRule.protocol,
    "port_range_min": SecurityGroupRule.port_range_min,
    "port_range_max": SecurityGroupRule.port_range_max,
    "remote_ip_prefix": SecurityGroupRule.remote_ip_prefix,
    "description": SecurityGroupRule.description,
}
RULE_SORTS = RULE_FILTERS | {"created_at": SecurityGroupRule.created_at}


def _visible(ctxt, row) -> bool:
    return ctxt.is_admin or row.project_id == ctxt.project_id


def load(session, ctxt, group_id: str, *, lock: bool = False) -> SecurityGroup:
    row = session.get(SecurityGroup, group_id, with_for_update=lock or None)
    if row is None or not _visible(ctxt, row):
        raise net_exc.SecurityGroupNotFound(id=group_id)
    return row


def load_rule(session, ctxt, rule_id: str, *, lock: bool = False):
    row = session.get(SecurityGroupRule, rule_id, with_for_update=lock or None)
    if row is None or not _visible(ctxt, row):
        raise net_exc.SecurityGroupRuleNotFound(id=rule_id)
    return row


def target(row) -> dict:
    return {"project_id": row.project_id}


def _rule(group_id, project_id, direction, ethertype, remote_group_id=None, **extra):
    return SecurityGroupRule(id=str(uuid.uuid4()), project_id=project_id,
                             security_group_id=group_id, direction=direction,
                             ethertype=ethertype, remote_group_id=remote_group_id,
                             description=extra.get("description", ""),
                             protocol=extra.get("protocol"),
                             port_range_min=extra.get("port_range_min"),
                             port_range_max=extra.get("port_range_max"),
                             remote_ip_prefix=extra.get("remote_ip_prefix"))


def default_group_id(db, project_id: str) -> str:
    """The id of ``project_id``'s default group, made now if it has none. Opens its
    own transactions: call it outside any writer."""
    with db.reader() as session:
        row = session.get(DefaultSecurityGroup, project_id)
        if row is not None:
            return row.security_group_id
    group_id = str(uuid.uuid4())
    try:
        with db.writer() as session:
            session.add(SecurityGroup(id=group_id, project_id=project_id,
                                      name=DEFAULT_NAME,
                                      description="Default security group"))
            session.flush()
            session.add(DefaultSecurityGroup(project_id=project_id,
                                             security_group_id=group_id))
            for ethertype in ("IPv4", "IPv6"):
                session.add(_rule(group_id, project_id, "egress", ethertype))
                session.add(_rule(group_id, project_id, "ingress", ethertype,
                                  remote_group_id=group_id))
            session.flush()
    except (errors.DuplicateEntry, errors.Deadlock):
        with db.reader() as session:
            row = session.get(DefaultSecurityGroup, project_id)
            if row is None:
                raise
            return row.security_group_id
    return group_id


def is_default(session, group_id: str) -> bool:
    return session.scalar(select(DefaultSecurityGroup.project_id).where(
        DefaultSecurityGroup.security_group_id == group_id)) is not None


@retry_on_race
def create(db, conf, ctxt, values: dict) -> SecurityGroup:
    project_id = values.get("project_id") or values.get("tenant_id") or ctxt.project_id
    if values.get("name") == DEFAULT_NAME:
        raise exception.Conflict("Default security group already exists.")
    default_group_id(db, project_id)
    with db.writer() as session:
        quota.reserve(session, conf, project_id, RESOURCE)
        group_id = str(uuid.uuid4())
        row = SecurityGroup(id=group_id, project_id=project_id,
                            name=values.get("name", ""),
                            description=values.get("description", ""),
                            stateful=values.get("stateful", True))
        session.add(row)
        session.flush()
        for ethertype in ("IPv4", "IPv6"):
            session.add(_rule(group_id, project_id, "egress", ethertype))
        session.flush()
        return row


def update(db, ctxt, group_id: str, changes: dict, *, revision=None, authorize=None):
    with db.writer() as session:
        row = load(session, ctxt, group_id, lock=True)
        if authorize is not None:
            authorize(row)
        standard_attrs.check_revision(row, revision)
        if "name" in changes and changes["name"] != row.name and \
                is_default(session, row.id):
            raise exception.Conflict("Renaming the default security group is not "
                                     "allowed.")
        for key in ("name", "description", "stateful"):
            if key in changes:
                setattr(row, key, changes[key])
        standard_attrs.bump(row)
        return row


def delete(db, ctxt, group_id: str, *, revision=None, authorize=None):
    with db.writer() as session:
        row = load(session, ctxt, group_id, lock=True)
        if authorize is not None:
            authorize(row)
        standard_attrs.check_revision(row, revision)
        if is_default(session, row.id):
            raise net_exc.SecurityGroupCannotRemoveDefault()
        if session.scalar(select(PortSecurityGroup.port_id).where(
                PortSecurityGroup.security_group_id == row.id).limit(1)):
            raise net_exc.SecurityGroupInUse(id=group_id)
        for rule in session.scalars(select(SecurityGroupRule).where(or_(
                SecurityGroupRule.security_group_id == row.id,
                SecurityGroupRule.remote_group_id == row.id))):
            standard_attrs.forget(session, RULE_RESOURCE, rule.id)
            session.delete(rule)
        session.flush()
        standard_attrs.forget(session, RESOURCE, row.id)
        session.delete(row)
        return row


def rules_of(session, group_ids) -> dict[str, list]:
    ids = list(group_ids)
    result = {i: [] for i in ids}
    if ids:
        for rule in session.scalars(select(SecurityGroupRule).where(
                SecurityGroupRule.security_group_id.in_(ids)).order_by(
                SecurityGroupRule.created_at, SecurityGroupRule.id)):
            result[rule.security_group_id].append(rule)
    return result


def get(db, ctxt, group_id: str):
    """(group, tags, rules, rule tags, default group ids)."""
    with db.reader() as session:
        row = load(session, ctxt, group_id)
        return (row, *_details(session, [row]))


def _details(session, rows):
    tags = standard_attrs.tags_for(session, RESOURCE, rows)
    rules = rules_of(session, [r.id for r in rows])
    all_rules = [rule for rs in rules.values() for rule in rs]
    rule_tags = standard_attrs.tags_for(session, RULE_RESOURCE, all_rules)
    defaults = set(session.scalars(select(DefaultSecurityGroup.security_group_id)))
    return tags, rules, rule_tags, defaults


def details(db, rows):
    with db.reader() as session:
        return _details(session, rows)


def list_groups(db, ctxt, spec):
    if not ctxt.is_admin and ctxt.project_id:
        default_group_id(db, ctxt.project_id)
    visible = None if ctxt.is_admin else SecurityGroup.project_id == ctxt.project_id
    with db.reader() as session:
        rows, more = query.list_rows(session, SecurityGroup, RESOURCE, spec,
                                     filter_columns=GROUP_FILTERS,
                                     sort_columns=GROUP_SORTS, visible=visible)
        return (rows, more, *_details(session, rows))


# -- rules


def _normalize_protocol(protocol):
    if protocol in (None, "", "any"):
        return None
    text = str(protocol).lower()
    if text in PROTOCOLS:
        return text
    if text.isdigit() and 0 <= int(text) <= 255:
        return text
    raise exception.Invalid(f"Security group rule protocol {protocol} not supported. "
                            f"Only protocol values {sorted(PROTOCOLS)} and integer "
                            "representations [0 to 255] are supported.")


def check_rule(values: dict) -> dict:
    """The rule's attributes validated and normalised (protocol name, prefix in
    network form)."""
    rule = dict(values)
    if rule.get("direction") not in ("ingress", "egress"):
        raise exception.Invalid("Invalid input for direction: must be ingress or "
                                "egress.")
    ethertype = rule.setdefault("ethertype", "IPv4")
    if ethertype not in ("IPv4", "IPv6"):
        raise exception.Invalid(f"Invalid input for ethertype: {ethertype}.")
    rule["protocol"] = _normalize_protocol(rule.get("protocol"))
    low, high = rule.get("port_range_min"), rule.get("port_range_max")
    protocol = rule["protocol"]
    if low is not None or high is not None:
        if protocol in _PORT_PROTOCOLS:
            if low is None or high is None or not 1 <= low <= high <= 65535:
                raise exception.Invalid("For TCP/UDP protocols, port_range_min must be "
                                        "<= port_range_max and both in 1-65535.")
        elif protocol in _ICMP_PROTOCOLS:
            for value in (low, high):
                if value is not None and not 0 <= value <= 255:
                    raise exception.Invalid(f"Invalid value for ICMP type or code: "
                                            f"{value}.")
        else:
            raise exception.Invalid("Port ranges need a protocol of tcp, udp, sctp, "
                                    "icmp or icmpv6.")
    prefix = rule.get("remote_ip_prefix")
    if prefix is not None and rule.get("remote_group_id"):
        raise exception.Invalid("Only remote_ip_prefix or remote_group_id may be "
                                "provided.")
    if prefix is not None:
        try:
            net = ipaddress.ip_network(prefix, strict=False)
        except ValueError:
            raise exception.Invalid(f"'{prefix}' is not a valid IP prefix.") from None
        if f"IPv{net.version}" != ethertype:
            raise exception.Invalid(f"Conflicting value ethertype {ethertype} for CIDR "
                                    f"{prefix}")
        rule["remote_ip_prefix"] = str(net)
    return rule


_KEYS = ("direction", "ethertype", "protocol", "port_range_min", "port_range_max",
         "remote_ip_prefix", "remote_group_id")


def _same(existing, rule) -> bool:
    def norm(key, value):
        if key == "remote_ip_prefix" and value in ("0.0.0.0/0", "::/0"):
            return None
        return value
    return all(norm(k, getattr(existing, k)) == norm(k, rule.get(k)) for k in _KEYS)


@retry_on_race
def create_rule(db, conf, ctxt, values: dict, *, authorize=None) -> SecurityGroupRule:
    rule = check_rule(values)
    with db.writer() as session:
        group = load(session, ctxt, rule["security_group_id"], lock=True)
        if authorize is not None:
            authorize(group)
        if rule.get("remote_group_id"):
            load(session, ctxt, rule["remote_group_id"])
        for existing in session.scalars(select(SecurityGroupRule).where(
                SecurityGroupRule.security_group_id == group.id)):
            if _same(existing, rule):
                raise net_exc.SecurityGroupRuleExists(id=existing.id)
        project_id = rule.get("project_id") or rule.get("tenant_id") or group.project_id
        quota.reserve(session, conf, project_id, RULE_RESOURCE)
        row = _rule(group.id, project_id, rule["direction"], rule["ethertype"],
                    remote_group_id=rule.get("remote_group_id"),
                    **{k: rule.get(k) for k in ("protocol", "port_range_min",
                                                "port_range_max", "remote_ip_prefix",
                                                "description") if k in rule})
        session.add(row)
        standard_attrs.bump(group)
        session.flush()
        return row


def delete_rule(db, ctxt, rule_id: str, *, authorize=None):
    with db.writer() as session:
        row = load_rule(session, ctxt, rule_id, lock=True)
        if authorize is not None:
            authorize(row)
        group = session.get(SecurityGroup, row.security_group_id)
        standard_attrs.forget(session, RULE_RESOURCE, row.id)
        session.delete(row)
        if group is not None:
            standard_attrs.bump(group)
        return row


def get_rule(db, ctxt, rule_id: str):
    with db.reader() as session:
        row = load_rule(session, ctxt, rule_id)
        return (row, standard_attrs.tags_for(session, RULE_RESOURCE, [row])[row.id],
                is_default(session, row.security_group_id))


def list_rules(db, ctxt, spec):
    visible = None if ctxt.is_admin else SecurityGroupRule.project_id == ctxt.project_id
    with db.reader() as session:
        rows, more = query.list_rows(session, SecurityGroupRule, RULE_RESOURCE, spec,
                                     filter_columns=RULE_FILTERS,
                                     sort_columns=RULE_SORTS, visible=visible)
        defaults = set(session.scalars(select(DefaultSecurityGroup.security_group_id)))
        return (rows, more, standard_attrs.tags_for(session, RULE_RESOURCE, rows),
                defaults)
