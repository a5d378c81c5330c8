"""The one registry of API extensions this service implements.

``GET /v2.0/extensions`` lists exactly these, and clients (openstacksdk, the
openstack CLI, Terraform) adapt to it: add an alias here only together with the
code that implements it, and remove it if that code goes.
"""

_UPDATED = "2026-12-04T00:00:00-00:00"

# (alias, name, description)
EXTENSIONS = (
    ("agent", "agent", "The agent management extension."),
    ("allowed-address-pairs", "Allowed Address Pairs",
     "Provides allowed address pairs"),
    ("availability_zone", "Availability Zone",
     "The availability zone extension."),
    ("network_availability_zone", "Network Availability Zone",
     "Availability zone support for network."),
    ("binding", "Port Binding", "Expose port bindings of a virtual port to external "
     "application"),
    ("external-net", "Neutron external network", "Adds external network attribute to "
     "network resource."),
    ("net-mtu", "Network MTU", "Provides MTU attribute for a network resource."),
    ("network-ip-availability", "Network IP Availability",
     "Provides IP availability data for each network and subnet."),
    ("pagination", "Pagination support", "Extension that indicates that pagination is "
     "enabled."),
    ("sorting", "Sorting support", "Extension that indicates that sorting is "
     "enabled."),
    ("port-security", "Port Security", "Provides port security"),
    ("project-id", "project_id field enabled", "Extension that indicates that "
     "project_id field is enabled."),
    ("provider", "Provider Network", "Expose mapping of virtual networks to physical "
     "networks"),
    ("quotas", "Quota management support", "Expose functions for quotas management "
     "per project"),
    ("quota_details", "Quota details management support", "Expose functions for "
     "quotas usage statistics per project"),
    ("revision-if-match", "If-Match constraints based on revision_number",
     "Extension indicating that If-Match based on revision_number is supported."),
    ("security-group", "security-group", "The security groups extension."),
    ("standard-attr-description", "standard-attr-description",
     "Extension to add descriptions to standard attributes"),
    ("standard-attr-revisions", "Resource revision numbers",
     "This extension will display the revision number of neutron resources."),
    ("standard-attr-tag", "Tag support for resources with standard attribute: "
     "subnet, trunk, network_segment_range, router, network, policy, subnetpool, "
     "port, security_group, floatingip", "Enables to set tag on resources with "
     "standard attribute."),
    ("standard-attr-timestamp", "Resource timestamps", "Adds created_at and "
     "updated_at fields to all Neutron resources that have Neutron standard "
     "attributes."),
    ("subnet_allocation", "Subnet Allocation", "Enables allocation of subnets from a "
     "subnet pool"),
    ("router", "Neutron L3 Router", "Routers between internal subnets and an "
     "external network, and floating IPs on that network."),
    ("ext-gw-mode", "Neutron L3 Configurable external gateway mode",
     "Routers' external_gateway_info with enable_snat and external_fixed_ips."),
    ("extraroute", "Neutron Extra Route", "Extra routes (routes) on routers."),
    ("extraroute-atomic", "Atomically add/remove extra routes",
     "add_extraroutes and remove_extraroutes on routers."),
    ("router_availability_zone", "Router Availability Zone",
     "availability_zone_hints and availability_zones on routers."),
    ("fip-port-details", "Floating IP Port Details Extension",
     "port_details on floating IPs: what their associated port is."),
    ("floating-ip-port-forwarding", "Floating IP Port Forwarding",
     "Port forwardings (/floatingips/{id}/port_forwardings) from a floating IP's "
     "ports to internal addresses and ports."),
    ("floating-ip-port-forwarding-description", "Floating IP Port Forwarding "
     "new attribute description", "description on port forwardings."),
)


def as_dicts() -> list[dict]:
    return [{"alias": alias, "name": name, "description": description,
             "updated": _UPDATED, "links": []}
            for alias, name, description in EXTENSIONS]


def find(alias: str) -> dict | None:
    for extension in as_dicts():
        if extension["alias"] == alias:
            return extension
    return None
