"""Every route of the network API (walked from its route table, so a new route is
covered by itself): no request body or query string, however broken, gets a 500;
a broken body is a 400 in Neutron's fault format."""

import uuid

import pytest
from functional import route_walk
from test_network_floatingips_api import _topology

from sovra_network.api.routes import ROUTES

WRITES = ("POST", "PUT")


@pytest.fixture(scope="module")
def resources(_shared_network_api):
    """One of each resource a route names, so that requests reach their body."""
    api = _shared_network_api
    ext, _, net, sub, router = _topology(api, project="admin", cidr="10.9.0.0/24")
    port = api.create("ports", {"network_id": net["id"]}, project="admin")
    group = api.create("security-groups", {"name": "every-route"}, project="admin")
    rule = api.create("security-group-rules", {
        "security_group_id": group["id"], "direction": "ingress"}, project="admin")
    pool = api.create("subnetpools", {"name": "every-route",
                                      "prefixes": ["10.200.0.0/16"]}, project="admin")
    fip = api.create("floatingips", {"floating_network_id": ext["id"]}, project="admin")
    forwarding = api.ok("POST", f"/v2.0/floatingips/{fip['id']}/port_forwardings",
                        status=201, project="admin", json={"port_forwarding": {
                            "internal_port_id": port["id"], "protocol": "tcp",
                            "internal_ip_address": port["fixed_ips"][0]["ip_address"],
                            "internal_port": 22, "external_port": 2222}})
    api.ok("PUT", f"/v2.0/networks/{net['id']}/tags/t1", status=201, project="admin")
    return {"network_id": net["id"], "subnet_id": sub["id"], "port_id": port["id"],
            "subnetpool_id": pool["id"], "security_group_id": group["id"],
            "rule_id": rule["id"], "router_id": router["id"], "floatingip_id": fip["id"],
            "port_forwarding_id": forwarding["port_forwarding"]["id"],
            "project_id": "a" * 32, "agent_id": str(uuid.uuid4()), "alias": "router",
            "collection": "networks", "resource_id": net["id"], "tag": "t1"}


def _takes_body(path, method):
    """Whether the route reads a JSON body (PUT of one tag names all in its path)."""
    return method in WRITES and not path.endswith("/tags/<tag>")


BAD_BODIES = {
    **route_walk.BAD_BODIES,
    "wrong member types": b'{"network": [], "subnet": 5, "port": "x", "router": 1,'
                          b' "quota": null, "tags": {}, "subnet_id": [], "routes": 7,'
                          b' "floatingip": [], "security_group_rule": "r"}',
}


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
def test_bad_bodies_are_400_on_every_write(_shared_network_api, resources, kind):
    api = _shared_network_api
    wrong = []
    for path, methods in ROUTES.items():
        for method in methods:
            if method not in WRITES:
                continue
            resp = api.request(method, route_walk.fill(path, resources), project="admin",
                               data=BAD_BODIES[kind],
                               headers={"Content-Type": "application/json"})
            missing = path.startswith("/v2.0/agents/") and resp.status_code == 404
            if resp.status_code >= 500 or (
                    _takes_body(path, method) and resp.status_code != 400
                    and not missing):  # (no agent runs here to update)
                wrong.append(f"{method} {path}: {resp.status_code} {resp.text[:160]}")
            elif resp.status_code == 400:
                assert resp.json()["NeutronError"]["type"]
    assert not wrong, wrong


BAD_QUERY = {"limit": "many", "marker": "nobody", "sort_key": "\x00", "sort_dir": "up",
             "page_reverse": "perhaps", "fields": "\x01", "id": "[", "name": "*(",
             "admin_state_up": "maybe", "shared": "2", "router:external": "x",
             "ip_version": "five", "cidr": "10.0.0.0/99", "fixed_ips": "ip_address=x",
             "mac_address": "zz", "device_id": "\u2603", "tags": ",", "tags-any": ",,",
             "not-tags": "", "revision_number": "r", "port_range_min": "low",
             "protocol": "\x02", "floating_ip_address": "not.an.ip",
             "external_port": "-1", "ip_version=4&cidr": "x", "project_id": "%"}


def test_bad_query_strings_are_never_a_500(_shared_network_api, resources):
    api = _shared_network_api
    assert not route_walk.server_errors_of_queries(
        lambda path, params: api.request("GET", route_walk.fill(path, resources),
                                         project="admin", params=params),
        ROUTES, BAD_QUERY)
