"""Floating IP port forwardings over HTTP (noauth): create, show, list, update,
delete; what they need (a router to the internal port, an unassociated floating
IP) and what they block; duplicates; isolation; what a deleted port releases."""

from conftest import PROJECT_A, PROJECT_B
from test_network_floatingips_api import _error, _topology


def _pf(api, fip_id, project=PROJECT_A, **body):
    return api.request("POST", f"/v2.0/floatingips/{fip_id}/port_forwardings",
                       json={"port_forwarding": body}, project=project)


def test_port_forwarding_lifecycle(network_api):
    ext, _, net, sub, router = _topology(network_api)
    vm = network_api.create("ports", {"network_id": net["id"]})
    vm_ip = vm["fixed_ips"][0]["ip_address"]
    fip = network_api.create("floatingips", {"floating_network_id": ext["id"]})
    path = f"/v2.0/floatingips/{fip['id']}/port_forwardings"

    resp = _pf(network_api, fip["id"], internal_port_id=vm["id"],
               internal_ip_address=vm_ip, internal_port=22, external_port=2222,
               protocol="tcp", description="ssh")
    assert resp.status_code == 201, resp.text
    pf = resp.json()["port_forwarding"]
    assert set(pf) == {"id", "internal_port_id", "internal_ip_address",
                       "internal_port", "external_port", "protocol", "description"}
    assert pf["internal_port_id"] == vm["id"] and pf["internal_ip_address"] == vm_ip
    assert (pf["internal_port"], pf["external_port"], pf["protocol"]) == \
        (22, 2222, "tcp")
    shown = network_api.ok("GET", f"/v2.0/floatingips/{fip['id']}")["floatingip"]
    assert shown["router_id"] == router["id"] and shown["status"] == "ACTIVE"
    assert shown["port_id"] is None
    assert network_api.ok("GET", f"{path}/{pf['id']}")["port_forwarding"] == pf

    # the same external port, or the same internal socket: 400; another is fine
    dup = _pf(network_api, fip["id"], internal_port_id=vm["id"],
              internal_ip_address=vm_ip, internal_port=23, external_port=2222,
              protocol="tcp")
    assert "duplicate" in _error(dup, 400, "BadRequest")
    dup = _pf(network_api, fip["id"], internal_port_id=vm["id"],
              internal_ip_address=vm_ip, internal_port=22, external_port=2223,
              protocol="tcp")
    _error(dup, 400, "BadRequest")
    udp = _pf(network_api, fip["id"], internal_port_id=vm["id"],
              internal_ip_address=vm_ip, internal_port=53, external_port=2222,
              protocol="udp").json()["port_forwarding"]

    # bad input
    for body in ({}, {"internal_port_id": vm["id"]},
                 {"internal_port_id": vm["id"], "internal_ip_address": vm_ip,
                  "internal_port": 0, "external_port": 1, "protocol": "tcp"},
                 {"internal_port_id": vm["id"], "internal_ip_address": vm_ip,
                  "internal_port": 1, "external_port": 65536, "protocol": "tcp"},
                 {"internal_port_id": vm["id"], "internal_ip_address": vm_ip,
                  "internal_port": 1, "external_port": 1, "protocol": "icmp"},
                 {"internal_port_id": vm["id"], "internal_ip_address": "10.0.0.250",
                  "internal_port": 1, "external_port": 1, "protocol": "tcp"},
                 {"internal_port_id": vm["id"], "internal_ip_address": "x",
                  "internal_port": 1, "external_port": 1, "protocol": "tcp"}):
        resp = _pf(network_api, fip["id"], **body)
        assert resp.status_code == 400, (body, resp.text)
    resp = _pf(network_api, fip["id"], internal_port_id="0" * 36,
               internal_ip_address=vm_ip, internal_port=1, external_port=1,
               protocol="tcp")
    _error(resp, 404, "PortNotFound")
    _error(network_api.request("GET", f"{path}/{'0' * 36}"), 404,
           "PortForwardingNotFound")

    # lists, fields, filters
    listed = network_api.ok("GET", f"{path}?protocol=udp")["port_forwardings"]
    assert [p["id"] for p in listed] == [udp["id"]]
    listed = network_api.ok("GET", f"{path}?sort_key=external_port&sort_dir=asc"
                                   "&fields=external_port")["port_forwardings"]
    assert listed == [{"external_port": 2222}, {"external_port": 2222}]

    # a forwarding floating IP cannot be associated; its internal address cannot
    # get another floating IP; its router interface cannot go
    _error(network_api.request("PUT", f"/v2.0/floatingips/{fip['id']}", json={
        "floatingip": {"port_id": vm["id"]}}), 409, "FipInUseByPortForwarding")
    other = network_api.create("floatingips", {"floating_network_id": ext["id"]})
    _error(network_api.request("PUT", f"/v2.0/floatingips/{other['id']}", json={
        "floatingip": {"port_id": vm["id"]}}), 409, "PortHasPortForwarding")
    _error(network_api.request(
        "PUT", f"/v2.0/routers/{router['id']}/remove_router_interface",
        json={"subnet_id": sub["id"]}), 409, "RouterInterfaceInUseByFloatingIP")
    # an associated floating IP cannot forward; an associated address cannot be
    # forwarded to
    vm2 = network_api.create("ports", {"network_id": net["id"]})
    network_api.ok("PUT", f"/v2.0/floatingips/{other['id']}",
                   json={"floatingip": {"port_id": vm2["id"]}})
    _error(_pf(network_api, other["id"], internal_port_id=vm["id"],
               internal_ip_address=vm_ip, internal_port=80, external_port=80,
               protocol="tcp"), 409, "FloatingIPPortAlreadyAssociated")
    _error(_pf(network_api, fip["id"], internal_port_id=vm2["id"],
               internal_ip_address=vm2["fixed_ips"][0]["ip_address"],
               internal_port=80, external_port=80, protocol="tcp"), 409,
           "PortHasBindingFloatingIP")

    # update
    updated = network_api.ok("PUT", f"{path}/{pf['id']}", json={"port_forwarding": {
        "external_port": 2200, "description": "ssh2"}})["port_forwarding"]
    assert updated["external_port"] == 2200 and updated["description"] == "ssh2"
    _error(network_api.request("PUT", f"{path}/{pf['id']}", json={"port_forwarding": {
        "external_port": 2222, "protocol": "udp"}}), 400, "BadRequest")
    assert network_api.request("PUT", f"{path}/{pf['id']}", json={
        "port_forwarding": {"internal_port": "22"}}).status_code == 400

    # delete: the last one leaves the floating IP DOWN without router
    network_api.ok("DELETE", f"{path}/{pf['id']}", status=204)
    assert network_api.ok("GET", f"/v2.0/floatingips/{fip['id']}")["floatingip"][
        "status"] == "ACTIVE"
    network_api.ok("DELETE", f"{path}/{udp['id']}", status=204)
    settled = network_api.ok("GET", f"/v2.0/floatingips/{fip['id']}")["floatingip"]
    assert settled["status"] == "DOWN" and settled["router_id"] is None
    _error(network_api.request("DELETE", f"{path}/{pf['id']}"), 404,
           "PortForwardingNotFound")


def test_port_deletion_and_floating_ip_deletion_release_forwardings(network_api):
    ext, _, net, _, _ = _topology(network_api)
    vm = network_api.create("ports", {"network_id": net["id"]})
    vm_ip = vm["fixed_ips"][0]["ip_address"]
    fip = network_api.create("floatingips", {"floating_network_id": ext["id"]})
    assert _pf(network_api, fip["id"], internal_port_id=vm["id"],
               internal_ip_address=vm_ip, internal_port=80, external_port=8080,
               protocol="tcp").status_code == 201
    network_api.ok("DELETE", f"/v2.0/ports/{vm['id']}", status=204)
    settled = network_api.ok("GET", f"/v2.0/floatingips/{fip['id']}")["floatingip"]
    assert settled["status"] == "DOWN" and settled["router_id"] is None
    assert network_api.ok("GET", f"/v2.0/floatingips/{fip['id']}/port_forwardings")[
        "port_forwardings"] == []

    vm = network_api.create("ports", {"network_id": net["id"]})
    assert _pf(network_api, fip["id"], internal_port_id=vm["id"],
               internal_ip_address=vm["fixed_ips"][0]["ip_address"],
               internal_port=80, external_port=8080, protocol="tcp").status_code == 201
    network_api.ok("DELETE", f"/v2.0/floatingips/{fip['id']}", status=204)
    network_api.ok("DELETE", f"/v2.0/ports/{vm['id']}", status=204)


def test_isolation_and_unreachable_ports(network_api):
    ext, _, net, _, _ = _topology(network_api)
    vm = network_api.create("ports", {"network_id": net["id"]})
    vm_ip = vm["fixed_ips"][0]["ip_address"]
    fip = network_api.create("floatingips", {"floating_network_id": ext["id"]})
    pf = _pf(network_api, fip["id"], internal_port_id=vm["id"],
             internal_ip_address=vm_ip, internal_port=80, external_port=80,
             protocol="tcp").json()["port_forwarding"]
    path = f"/v2.0/floatingips/{fip['id']}/port_forwardings"
    for method, url, body in (("GET", path, None), ("GET", f"{path}/{pf['id']}", None),
                              ("PUT", f"{path}/{pf['id']}",
                               {"port_forwarding": {"description": "x"}}),
                              ("DELETE", f"{path}/{pf['id']}", None)):
        _error(network_api.request(method, url, json=body, project=PROJECT_B), 404,
               "FloatingIPNotFound")
    fip_b = network_api.create("floatingips", {"floating_network_id": ext["id"]},
                               project=PROJECT_B)
    _error(_pf(network_api, fip_b["id"], project=PROJECT_B, internal_port_id=vm["id"],
               internal_ip_address=vm_ip, internal_port=81, external_port=81,
               protocol="tcp"), 404, "PortNotFound")
    resp = network_api.request("POST", path, roles="reader", json={"port_forwarding": {
        "internal_port_id": vm["id"], "internal_ip_address": vm_ip,
        "internal_port": 82, "external_port": 82, "protocol": "tcp"}})
    _error(resp, 403, "PolicyNotAuthorized")
    # a port no router reaches
    lonely = network_api.create("networks", {})
    network_api.create("subnets", {"network_id": lonely["id"], "cidr": "10.7.0.0/24",
                                   "ip_version": 4})
    far = network_api.create("ports", {"network_id": lonely["id"]})
    _error(_pf(network_api, fip["id"], internal_port_id=far["id"],
               internal_ip_address=far["fixed_ips"][0]["ip_address"],
               internal_port=80, external_port=90, protocol="tcp"), 404,
           "ExternalGatewayForFloatingIPNotFound")
