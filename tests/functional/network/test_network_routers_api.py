"""Routers over HTTP (noauth): the external gateway, interfaces by subnet and by
port, extra routes (and add/remove_extraroutes), what cannot be deleted while a
router uses it, isolation, quotas, If-Match, tags, lists, errors."""

from conftest import PROJECT_A, PROJECT_B


def _error(resp, status, kind):
    assert resp.status_code == status, (resp.status_code, resp.text)
    error = resp.json()["NeutronError"]
    assert error["type"] == kind, error
    assert error["message"] and "detail" in error
    return error["message"]


def _external(api, cidr="203.0.113.0/24"):
    net = api.create("networks", {"name": "public", "router:external": True},
                     project="admin")
    sub = api.create("subnets", {"network_id": net["id"], "cidr": cidr,
                                 "ip_version": 4, "enable_dhcp": False},
                     project="admin")
    return net, sub


def _internal(api, cidr="10.0.0.0/24", project=PROJECT_A, **subnet):
    net = api.create("networks", {"name": "private"}, project=project)
    sub = api.create("subnets", {"network_id": net["id"], "cidr": cidr,
                                 "ip_version": 4, **subnet}, project=project)
    return net, sub


def _put(api, router_id, action, body, project=PROJECT_A):
    return api.request("PUT", f"/v2.0/routers/{router_id}/{action}", json=body,
                       project=project)


def test_router_defaults_and_fields(network_api):
    router = network_api.create("routers", {"name": "r1", "description": "d"})
    assert router["name"] == "r1" and router["description"] == "d"
    assert router["status"] == "ACTIVE" and router["admin_state_up"] is True
    assert router["external_gateway_info"] is None and router["routes"] == []
    assert router["distributed"] is False and router["ha"] is False
    assert router["flavor_id"] is None
    assert router["project_id"] == router["tenant_id"] == PROJECT_A
    assert router["availability_zone_hints"] == []
    assert router["revision_number"] == 0 and router["tags"] == []
    assert router["created_at"].endswith("Z")
    shown = network_api.ok("GET", f"/v2.0/routers/{router['id']}?fields=name&fields=id")
    assert shown == {"router": {"id": router["id"], "name": "r1"}}


def test_router_bad_input_is_400(network_api):
    for body in ({"router": {"name": 5}}, {"router": {"distributed": True}},
                 {"router": {"ha": True}}, {"router": {"bogus": 1}},
                 {"router": {"external_gateway_info": {"network_id": "nope"}}},
                 {"router": {"external_gateway_info": {"enable_snat": "yes"}}},
                 {"routers": {}}, [1]):
        resp = network_api.request("POST", "/v2.0/routers", json=body)
        assert resp.status_code == 400, (body, resp.text)
        assert "NeutronError" in resp.json()
    resp = network_api.request("POST", "/v2.0/routers", data="{not json",
                               headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    router = network_api.create("routers", {})
    for body in ({"router": {"routes": [{"destination": "10.0.0.0/24"}]}},
                 {"router": {"routes": "x"}}, {"router": {"status": "DOWN"}}):
        resp = network_api.request("PUT", f"/v2.0/routers/{router['id']}", json=body)
        assert resp.status_code == 400, (body, resp.text)
    _error(network_api.request("GET", "/v2.0/routers/" + "0" * 36), 404,
           "RouterNotFound")


def test_gateway_port_snat_and_fixed_ips(network_api):
    ext, ext_sub = _external(network_api)
    router = network_api.create("routers", {"external_gateway_info": {
        "network_id": ext["id"]}})
    gateway = router["external_gateway_info"]
    assert gateway["network_id"] == ext["id"] and gateway["enable_snat"] is True
    [fixed] = gateway["external_fixed_ips"]
    assert fixed["subnet_id"] == ext_sub["id"]
    [port] = network_api.ok("GET", f"/v2.0/ports?device_id={router['id']}",
                            project="admin")["ports"]
    assert port["device_owner"] == "network:router_gateway"
    assert port["network_id"] == ext["id"]
    assert port["fixed_ips"] == [fixed] and port["project_id"] == ""
    # the gateway port belongs to the router: not the project's to see or delete
    assert network_api.ok("GET", f"/v2.0/ports?device_id={router['id']}")["ports"] == []
    _error(network_api.request("DELETE", f"/v2.0/ports/{port['id']}",
                               project="admin"), 409, "L3PortInUse")
    _error(network_api.request("DELETE", f"/v2.0/networks/{ext['id']}",
                               project="admin"), 409, "NetworkInUse")
    _error(network_api.request("PUT", f"/v2.0/networks/{ext['id']}", project="admin",
                               json={"network": {"router:external": False}}),
           409, "ExternalNetworkInUse")

    # enable_snat and external_fixed_ips are the admin's to choose
    for info in ({"network_id": ext["id"], "enable_snat": False},
                 {"network_id": ext["id"], "external_fixed_ips": [
                     {"ip_address": "203.0.113.50"}]}):
        resp = network_api.request("PUT", f"/v2.0/routers/{router['id']}",
                                   json={"router": {"external_gateway_info": info}})
        _error(resp, 403, "PolicyNotAuthorized")
        resp = network_api.request("POST", "/v2.0/routers",
                                   json={"router": {"external_gateway_info": info}})
        _error(resp, 403, "PolicyNotAuthorized")
    updated = network_api.ok("PUT", f"/v2.0/routers/{router['id']}", project="admin",
                             json={"router": {"external_gateway_info": {
                                 "network_id": ext["id"], "enable_snat": False,
                                 "external_fixed_ips": [{"subnet_id": ext_sub["id"],
                                                         "ip_address": "203.0.113.50"}]}}}
                             )["router"]
    assert updated["external_gateway_info"] == {
        "network_id": ext["id"], "enable_snat": False,
        "external_fixed_ips": [{"subnet_id": ext_sub["id"],
                                "ip_address": "203.0.113.50"}]}
    assert updated["revision_number"] == router["revision_number"] + 1
    # the old address is free again, the chosen one is taken
    taken = network_api.request("POST", "/v2.0/ports", project="admin", json={
        "port": {"network_id": ext["id"], "fixed_ips": [{"ip_address":
                                                         "203.0.113.50"}]}})
    _error(taken, 409, "IpAddressAlreadyAllocated")
    network_api.create("ports", {"network_id": ext["id"], "fixed_ips": [
        {"ip_address": fixed["ip_address"]}]}, project="admin")

    # not an external network: 400; clearing the gateway removes its port
    internal, _ = _internal(network_api)
    resp = network_api.request("PUT", f"/v2.0/routers/{router['id']}", json={
        "router": {"external_gateway_info": {"network_id": internal["id"]}}})
    assert "not an external network" in _error(resp, 400, "BadRequest")
    resp = network_api.request("PUT", f"/v2.0/routers/{router['id']}", json={
        "router": {"external_gateway_info": {"network_id": "0" * 36}}})
    _error(resp, 404, "NetworkNotFound")
    cleared = network_api.ok("PUT", f"/v2.0/routers/{router['id']}", json={
        "router": {"external_gateway_info": {}}})["router"]
    assert cleared["external_gateway_info"] is None
    assert network_api.ok("GET", f"/v2.0/ports?device_id={router['id']}",
                          project="admin")["ports"] == []
    network_api.ok("DELETE", f"/v2.0/routers/{router['id']}", status=204)


def test_interfaces_by_subnet_and_by_port(network_api):
    net, sub = _internal(network_api, "10.0.0.0/24")
    router = network_api.create("routers", {"name": "r"})
    resp = _put(network_api, router["id"], "add_router_interface",
                {"subnet_id": sub["id"]})
    assert resp.status_code == 200, resp.text
    info = resp.json()
    assert set(info) == {"id", "subnet_id", "subnet_ids", "port_id", "network_id",
                         "tenant_id", "project_id"}
    assert info["id"] == router["id"] and info["subnet_id"] == sub["id"]
    assert info["subnet_ids"] == [sub["id"]] and info["network_id"] == net["id"]
    assert info["project_id"] == PROJECT_A
    port = network_api.ok("GET", f"/v2.0/ports/{info['port_id']}")["port"]
    assert port["device_owner"] == "network:router_interface"
    assert port["device_id"] == router["id"]
    assert port["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.0.0.1"}]
    assert network_api.ok("GET", f"/v2.0/routers/{router['id']}")["router"][
        "revision_number"] == 1

    # twice on one subnet, an overlapping subnet, a subnet without gateway: 400
    msg = _error(_put(network_api, router["id"], "add_router_interface",
                      {"subnet_id": sub["id"]}), 400, "BadRequest")
    assert "already has a port on subnet" in msg
    _, overlapping = _internal(network_api, "10.0.0.128/25")
    msg = _error(_put(network_api, router["id"], "add_router_interface",
                      {"subnet_id": overlapping["id"]}), 400, "BadRequest")
    assert "overlaps" in msg
    _, no_gateway = _internal(network_api, "10.9.0.0/24", gateway_ip=None)
    _error(_put(network_api, router["id"], "add_router_interface",
                {"subnet_id": no_gateway["id"]}), 400, "BadRequest")
    # another router cannot take the subnet's gateway address
    other = network_api.create("routers", {})
    _error(_put(network_api, other["id"], "add_router_interface",
                {"subnet_id": sub["id"]}), 409, "IpAddressAlreadyAllocated")
    for body in ({}, {"subnet_id": sub["id"], "port_id": port["id"]},
                 {"subnet_id": "x"}, {"subnet_id": sub["id"], "extra": 1}):
        assert _put(network_api, router["id"], "add_router_interface",
                    body).status_code == 400, body
    _error(_put(network_api, router["id"], "add_router_interface",
                {"subnet_id": "0" * 36}), 404, "SubnetNotFound")
    _error(_put(network_api, "0" * 36, "add_router_interface",
                {"subnet_id": sub["id"]}), 404, "RouterNotFound")

    # by port: an unused port with one address; a used one is 409
    net2, sub2 = _internal(network_api, "10.2.0.0/24")
    mine = network_api.create("ports", {"network_id": net2["id"], "fixed_ips": [
        {"ip_address": "10.2.0.20"}]})
    info2 = _put(network_api, router["id"], "add_router_interface",
                 {"port_id": mine["id"]}).json()
    assert info2["port_id"] == mine["id"] and info2["subnet_ids"] == [sub2["id"]]
    port = network_api.ok("GET", f"/v2.0/ports/{mine['id']}")["port"]
    assert port["device_owner"] == "network:router_interface"
    assert port["device_id"] == router["id"]
    _error(_put(network_api, other["id"], "add_router_interface",
                {"port_id": mine["id"]}), 409, "PortInUse")
    dhcp = network_api.ok("GET", f"/v2.0/ports?network_id={net2['id']}"
                                 "&device_owner=network:dhcp")["ports"][0]
    _error(_put(network_api, other["id"], "add_router_interface",
                {"port_id": dhcp["id"]}), 409, "PortInUse")

    # what a router uses cannot go
    _error(network_api.request("DELETE", f"/v2.0/routers/{router['id']}"), 409,
           "RouterInUse")
    _error(network_api.request("DELETE", f"/v2.0/ports/{info['port_id']}"), 409,
           "L3PortInUse")
    _error(network_api.request("DELETE", f"/v2.0/subnets/{sub['id']}"), 409,
           "SubnetInUse")
    _error(network_api.request("DELETE", f"/v2.0/networks/{net['id']}"), 409,
           "NetworkInUse")

    # remove: by subnet, by port; unknown ones are 404
    _error(_put(network_api, router["id"], "remove_router_interface",
                {"port_id": dhcp["id"]}), 404, "RouterInterfaceNotFound")
    _error(_put(network_api, router["id"], "remove_router_interface",
                {"subnet_id": overlapping["id"]}), 404,
           "RouterInterfaceNotFoundForSubnet")
    _error(_put(network_api, router["id"], "remove_router_interface",
                {"port_id": mine["id"], "subnet_id": sub["id"]}), 409, "Conflict")
    assert _put(network_api, router["id"], "remove_router_interface",
                {}).status_code == 400
    removed = _put(network_api, router["id"], "remove_router_interface",
                   {"subnet_id": sub["id"]})
    assert removed.status_code == 200 and removed.json() == info
    assert network_api.request("GET", f"/v2.0/ports/{info['port_id']}").status_code \
        == 404
    removed = _put(network_api, router["id"], "remove_router_interface",
                   {"port_id": mine["id"]})
    assert removed.json()["subnet_id"] == sub2["id"]
    assert network_api.request("GET", f"/v2.0/ports/{mine['id']}").status_code == 404
    # the gateway address is free: another router may have it now
    assert _put(network_api, other["id"], "add_router_interface",
                {"subnet_id": sub["id"]}).status_code == 200
    network_api.ok("DELETE", f"/v2.0/routers/{router['id']}", status=204)
    _error(network_api.request("DELETE", f"/v2.0/routers/{router['id']}"), 404,
           "RouterNotFound")


def test_extra_routes(network_api):
    ext, _ = _external(network_api)
    _, sub = _internal(network_api, "10.0.0.0/24")
    router = network_api.create("routers", {"external_gateway_info": {
        "network_id": ext["id"]}})
    path = f"/v2.0/routers/{router['id']}"

    def routes(value):
        return network_api.request("PUT", path, json={"router": {"routes": value}})
    msg = _error(routes([{"destination": "10.8.0.0/16", "nexthop": "10.0.0.10"}]),
                 400, "InvalidRoutes")
    assert "not connected" in msg
    _put(network_api, router["id"], "add_router_interface", {"subnet_id": sub["id"]})
    for bad in ([{"destination": "10.8.0.1/16", "nexthop": "10.0.0.10"}],
                [{"destination": "10.8.0.0/16", "nexthop": "10.0.0.1"}],
                [{"destination": "10.8.0.0/16", "nexthop": "nonsense"}],
                [{"destination": "2001:db8::/64", "nexthop": "10.0.0.10"}]):
        _error(routes(bad), 400, "InvalidRoutes")
    many = [{"destination": f"10.{100 + i}.0.0/16", "nexthop": "10.0.0.10"}
            for i in range(31)]
    _error(routes(many), 400, "RoutesExhausted")
    done = routes([{"destination": "10.8.0.0/16", "nexthop": "10.0.0.10"},
                   {"destination": "198.51.100.0/24", "nexthop": "203.0.113.99"}])
    assert done.status_code == 200, done.text
    assert done.json()["router"]["routes"] == [
        {"destination": "10.8.0.0/16", "nexthop": "10.0.0.10"},
        {"destination": "198.51.100.0/24", "nexthop": "203.0.113.99"}]

    added = _put(network_api, router["id"], "add_extraroutes", {"router": {"routes": [
        {"destination": "10.9.0.0/16", "nexthop": "10.0.0.11"},
        {"destination": "10.8.0.0/16", "nexthop": "10.0.0.10"}]}})
    assert added.status_code == 200, added.text
    assert [r["destination"] for r in added.json()["router"]["routes"]] == [
        "10.8.0.0/16", "198.51.100.0/24", "10.9.0.0/16"]
    _error(_put(network_api, router["id"], "add_extraroutes", {"router": {"routes": [
        {"destination": "10.7.0.0/16", "nexthop": "192.0.2.1"}]}}), 400,
        "InvalidRoutes")
    assert _put(network_api, router["id"], "add_extraroutes",
                {"routes": []}).status_code == 400

    # an interface a route needs cannot go
    _error(_put(network_api, router["id"], "remove_router_interface",
                {"subnet_id": sub["id"]}), 409, "RouterInterfaceInUseByRoute")
    removed = _put(network_api, router["id"], "remove_extraroutes", {"router": {
        "routes": [{"destination": "10.8.0.0/16", "nexthop": "10.0.0.10"},
                   {"destination": "10.9.0.0/16", "nexthop": "10.0.0.11"},
                   {"destination": "10.6.0.0/16", "nexthop": "10.0.0.11"}]}})
    assert removed.json()["router"]["routes"] == [
        {"destination": "198.51.100.0/24", "nexthop": "203.0.113.99"}]
    assert _put(network_api, router["id"], "remove_router_interface",
                {"subnet_id": sub["id"]}).status_code == 200
    assert routes(None).json()["router"]["routes"] == []


def test_isolation(network_api):
    router = network_api.create("routers", {"name": "a-router"})
    _, sub_a = _internal(network_api, "10.0.0.0/24")
    port_a = network_api.create("ports", {"network_id": sub_a["network_id"]})
    router_b = network_api.create("routers", {"name": "b-router"}, project=PROJECT_B)
    assert [r["id"] for r in network_api.ok(
        "GET", "/v2.0/routers", project=PROJECT_B)["routers"]] == [router_b["id"]]
    for method, path, body in (
            ("GET", f"/v2.0/routers/{router['id']}", None),
            ("PUT", f"/v2.0/routers/{router['id']}", {"router": {"name": "x"}}),
            ("DELETE", f"/v2.0/routers/{router['id']}", None),
            ("PUT", f"/v2.0/routers/{router['id']}/add_router_interface",
             {"subnet_id": sub_a["id"]})):
        _error(network_api.request(method, path, json=body, project=PROJECT_B), 404,
               "RouterNotFound")
    # B's router cannot take A's subnet or port
    _error(_put(network_api, router_b["id"], "add_router_interface",
                {"subnet_id": sub_a["id"]}, project=PROJECT_B), 404, "SubnetNotFound")
    _error(_put(network_api, router_b["id"], "add_router_interface",
                {"port_id": port_a["id"]}, project=PROJECT_B), 404, "PortNotFound")
    # A's port on B's network is visible to B, but not B's to plug into a router
    net_b = network_api.create("networks", {}, project=PROJECT_B)
    network_api.create("subnets", {"network_id": net_b["id"], "cidr": "10.60.0.0/24",
                                   "ip_version": 4}, project=PROJECT_B)
    a_on_b = network_api.create("ports", {"network_id": net_b["id"],
                                          "project_id": PROJECT_A}, project="admin")
    assert network_api.request("GET", f"/v2.0/ports/{a_on_b['id']}",
                               project=PROJECT_B).status_code == 200
    _error(_put(network_api, router_b["id"], "add_router_interface",
                {"port_id": a_on_b["id"]}, project=PROJECT_B), 400, "BadRequest")
    # nor pass a port of its own off as an interface of A's router
    for owner in ("network:router_interface", "network:router_gateway"):
        resp = network_api.request("POST", "/v2.0/ports", project=PROJECT_B, json={
            "port": {"network_id": net_b["id"], "device_owner": owner,
                     "device_id": router["id"]}})
        _error(resp, 409, "DeviceIDNotOwnedByTenant")
    own = network_api.create("ports", {"network_id": net_b["id"]}, project=PROJECT_B)
    resp = network_api.request("PUT", f"/v2.0/ports/{own['id']}", project=PROJECT_B,
                               json={"port": {"device_owner": "network:router_interface",
                                              "device_id": router["id"]}})
    _error(resp, 409, "DeviceIDNotOwnedByTenant")
    assert network_api.request("PUT", f"/v2.0/ports/{own['id']}", project=PROJECT_B,
                               json={"port": {"device_id": router["id"]}}
                               ).status_code == 200  # not a router port: any id
    # a shared network's subnet is fine; an external network's is not an interface
    shared = network_api.create("networks", {"shared": True}, project="admin")
    shared_sub = network_api.create("subnets", {"network_id": shared["id"],
                                                "cidr": "10.50.0.0/24",
                                                "ip_version": 4}, project="admin")
    info = _put(network_api, router_b["id"], "add_router_interface",
                {"subnet_id": shared_sub["id"]}, project=PROJECT_B)
    assert info.status_code == 200 and info.json()["project_id"] == PROJECT_B
    ext, ext_sub = _external(network_api)
    _error(_put(network_api, router_b["id"], "add_router_interface",
                {"subnet_id": ext_sub["id"]}, project=PROJECT_B), 400, "BadRequest")
    # admins see every router; readers cannot change one
    assert len(network_api.ok("GET", "/v2.0/routers", project="admin")["routers"]) == 2
    resp = network_api.request("PUT", f"/v2.0/routers/{router['id']}",
                               roles="reader", json={"router": {"name": "x"}})
    _error(resp, 403, "PolicyNotAuthorized")
    resp = _put(network_api, router["id"], "add_router_interface",
                {"subnet_id": sub_a["id"]})
    assert resp.status_code == 200
    resp = network_api.request(
        "PUT", f"/v2.0/routers/{router['id']}/remove_router_interface",
        roles="reader", json={"subnet_id": sub_a["id"]})
    _error(resp, 403, "PolicyNotAuthorized")


def test_quota_if_match_tags_and_lists(network_api):
    network_api.ok("PUT", f"/v2.0/quotas/{PROJECT_A}", project="admin",
                   json={"quota": {"router": 2}})
    first = network_api.create("routers", {"name": "b"})
    second = network_api.create("routers", {"name": "a"})
    resp = network_api.request("POST", "/v2.0/routers", json={"router": {}})
    _error(resp, 409, "OverQuota")
    details = network_api.ok("GET", f"/v2.0/quotas/{PROJECT_A}/details")["quota"]
    assert details["router"] == {"limit": 2, "used": 2, "reserved": 0}
    assert network_api.ok("GET", f"/v2.0/quotas/{PROJECT_B}",
                          project="admin")["quota"]["router"] == 10

    path = f"/v2.0/routers/{first['id']}"
    resp = network_api.request("PUT", path, headers={"If-Match": "revision_number=7"},
                               json={"router": {"name": "x"}})
    assert resp.status_code == 412
    assert "Constrained to 7" in resp.json()["NeutronError"]["message"]
    network_api.ok("PUT", path, headers={"If-Match": "revision_number=0"},
                   json={"router": {"admin_state_up": False}})
    resp = network_api.request("DELETE", path, headers={"If-Match": "revision_number=0"})
    assert resp.status_code == 412

    network_api.ok("PUT", path + "/tags", json={"tags": ["red", "blue"]})
    network_api.ok("PUT", path + "/tags/green", status=201)
    shown = network_api.ok("GET", path)["router"]
    assert shown["tags"] == ["blue", "green", "red"] and shown["revision_number"] == 3
    assert [r["id"] for r in network_api.ok("GET", "/v2.0/routers?tags=red")[
        "routers"]] == [first["id"]]
    assert [r["id"] for r in network_api.ok("GET", "/v2.0/routers?admin_state_up=false")[
        "routers"]] == [first["id"]]
    names = [r["name"] for r in network_api.ok(
        "GET", "/v2.0/routers?sort_key=name&sort_dir=asc")["routers"]]
    assert names == ["a", "b"]
    page = network_api.ok("GET", "/v2.0/routers?limit=1&sort_key=name")
    assert [r["id"] for r in page["routers"]] == [second["id"]]
    assert page["routers_links"][0]["rel"] == "next"
    network_api.ok("DELETE", path, status=204)
    assert network_api.ok("GET", "/v2.0/routers?tags=red")["routers"] == []
