"""Port queries: the common filters, plus ``fixed_ips`` (``?fixed_ips=ip_address=X``,
``?fixed_ips=subnet_id=Y``, ``ip_address_substr=``) and ``security_groups``."""

from sqlalchemy import and_, or_, select

from sovra_common import exception
from sovra_network.db.api import query
from sovra_network.db.models.network import Network
from sovra_network.db.models.port import IpAllocation, Port, PortSecurityGroup

FILTER_COLUMNS = {
    "id": Port.id, "name": Port.name, "project_id": Port.project_id,
    "network_id": Port.network_id, "mac_address": Port.mac_address,
    "admin_state_up": Port.admin_state_up, "status": Port.status,
    "device_id": Port.device_id, "device_owner": Port.device_owner,
    "port_security_enabled": Port.port_security_enabled,
    "binding:host_id": Port.binding_host_id,
    "binding:vnic_type": Port.binding_vnic_type,
    "description": Port.description, "revision_number": Port.revision_number,
}
SORT_COLUMNS = FILTER_COLUMNS | {"created_at": Port.created_at,
                                 "updated_at": Port.updated_at}


def visible_clause(ctxt):
    """A caller's ports, and the ports on its networks."""
    if ctxt.is_admin:
        return None
    return or_(Port.project_id == ctxt.project_id, Port.network_id.in_(
        select(Network.id).where(Network.project_id == ctxt.project_id)))


def _fixed_ip_clauses(values):
    clauses = []
    for value in values:
        key, sep, wanted = value.partition("=")
        if not sep:
            raise exception.Invalid(f"Invalid fixed_ips filter {value!r}: use "
                                    "ip_address=X, subnet_id=Y or ip_address_substr=Z.")
        if key == "ip_address":
            cond = IpAllocation.ip_address == wanted
        elif key == "subnet_id":
            cond = IpAllocation.subnet_id == wanted
        elif key == "ip_address_substr":
            cond = IpAllocation.ip_address.contains(wanted, autoescape=True)
        else:
            raise exception.Invalid(f"Invalid fixed_ips filter key {key!r}.")
        clauses.append(Port.id.in_(select(IpAllocation.port_id).where(cond)))
    return clauses


def list_ports(session, ctxt, spec):
    visible = visible_clause(ctxt)
    extra = []
    filters = dict(spec.filters)
    extra += _fixed_ip_clauses(filters.pop("fixed_ips", []))
    groups = filters.pop("security_groups", [])
    if groups:
        extra.append(Port.id.in_(select(PortSecurityGroup.port_id).where(
            PortSecurityGroup.security_group_id.in_(groups))))
    if extra:
        visible = and_(*([visible] if visible is not None else []), *extra)
    spec = query.ListSpec(filters=filters, tags=spec.tags, sorts=spec.sorts,
                          limit=spec.limit, marker=spec.marker,
                          page_reverse=spec.page_reverse)
    return query.list_rows(session, Port, "port", spec, filter_columns=FILTER_COLUMNS,
                           sort_columns=SORT_COLUMNS, visible=visible)
