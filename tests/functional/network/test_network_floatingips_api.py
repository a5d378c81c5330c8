"""Floating IPs over HTTP (noauth): addresses from the external network's IPAM,
association through a router, port_details, what association blocks, what a
deleted port releases, isolation, quotas, If-Match, lists, notifications and
agent casts."""

from conftest import PROJECT_A, PROJECT_B
from test_network_events import AgentRecorder, NotificationRecorder, _drain

from sovra_common import rpc
from sovra_network.rpc import AGENT_TOPIC


def _error(resp, status, kind):
    assert resp.status_code == status, (resp.status_code, resp.text)
    error = resp.json()["NeutronError"]
    assert error["type"] == kind, error
    return error["message"]


def _topology(api, project=PROJECT_A, cidr="10.0.0.0/24"):
    """An external network (admin's), a project network with a router between."""
    ext = api.create("networks", {"name": "public", "router:external": True},
                     project="admin")
    ext_sub = api.create("subnets", {"network_id": ext["id"], "cidr": "203.0.113.0/28",
                                     "ip_version": 4, "enable_dhcp": False},
                         project="admin")
    net = api.create("networks", {"name": "private"}, project=project)
    sub = api.create("subnets", {"network_id": net["id"], "cidr": cidr,
                                 "ip_version": 4}, project=project)
    router = api.create("routers", {"external_gateway_info": {
        "network_id": ext["id"]}}, project=project)
    resp = api.request("PUT", f"/v2.0/routers/{router['id']}/add_router_interface",
                       json={"subnet_id": sub["id"]}, project=project)
    assert resp.status_code == 200, resp.text
    return ext, ext_sub, net, sub, router


def _fip(api, network_id, project=PROJECT_A, **body):
    return api.create("floatingips", {"floating_network_id": network_id, **body},
                      project=project)


def test_create_show_delete_and_addresses(network_api):
    ext, ext_sub, net, _, _ = _topology(network_api)
    fip = _fip(network_api, ext["id"], description="web")
    assert fip["floating_network_id"] == ext["id"] and fip["description"] == "web"
    assert fip["port_id"] is None and fip["fixed_ip_address"] is None
    assert fip["router_id"] is None and fip["status"] == "DOWN"
    assert fip["port_details"] is None and fip["tags"] == []
    assert fip["project_id"] == fip["tenant_id"] == PROJECT_A
    assert fip["revision_number"] == 0
    assert "dns_name" not in fip and "dns_domain" not in fip
    # the address is its own port's on the external network
    [port] = network_api.ok("GET", f"/v2.0/ports?device_id={fip['id']}",
                            project="admin")["ports"]
    assert port["device_owner"] == "network:floatingip"
    assert port["fixed_ips"] == [{"subnet_id": ext_sub["id"],
                                  "ip_address": fip["floating_ip_address"]}]
    _error(network_api.request("DELETE", f"/v2.0/ports/{port['id']}",
                               project="admin"), 409, "L3PortInUse")
    assert network_api.ok("GET", f"/v2.0/floatingips/{fip['id']}")["floatingip"] == fip

    # the admin may choose the address; a member may not; a taken one is 409.
    # Automatic picks are random within the pool, so choose one nobody holds.
    taken = {ip["ip_address"] for p in network_api.ok(
        "GET", f"/v2.0/ports?network_id={ext['id']}", project="admin")["ports"]
        for ip in p["fixed_ips"]}
    free = next(f"203.0.113.{n}" for n in range(14, 1, -1)
                if f"203.0.113.{n}" not in taken)
    body = {"floatingip": {"floating_network_id": ext["id"],
                           "floating_ip_address": free}}
    _error(network_api.request("POST", "/v2.0/floatingips", json=body), 403,
           "PolicyNotAuthorized")
    chosen = network_api.ok("POST", "/v2.0/floatingips", status=201, project="admin",
                            json={"floatingip": {**body["floatingip"],
                                                 "project_id": PROJECT_A}})["floatingip"]
    assert chosen["floating_ip_address"] == free
    assert chosen["project_id"] == PROJECT_A
    _error(network_api.request("POST", "/v2.0/floatingips", json=body,
                               project="admin"), 409, "IpAddressAlreadyAllocated")
    outside = {"floatingip": {"floating_network_id": ext["id"],
                              "floating_ip_address": "198.51.100.1"}}
    _error(network_api.request("POST", "/v2.0/floatingips", json=outside,
                               project="admin"), 400, "InvalidIpForNetwork")
    # subnet_id picks the subnet
    other_sub = network_api.create("subnets", {
        "network_id": ext["id"], "cidr": "198.51.100.0/24", "ip_version": 4,
        "enable_dhcp": False}, project="admin")
    on_other = _fip(network_api, ext["id"], subnet_id=other_sub["id"])
    assert on_other["floating_ip_address"].startswith("198.51.100.")
    _error(network_api.request("POST", "/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": ext["id"], "subnet_id": net["id"]}}), 400, "BadRequest")

    # not external, unknown, or bad input: 400/404, never 500
    msg = _error(network_api.request("POST", "/v2.0/floatingips", json={
        "floatingip": {"floating_network_id": net["id"]}}), 400, "BadRequest")
    assert "not a valid external network" in msg
    _error(network_api.request("POST", "/v2.0/floatingips", json={
        "floatingip": {"floating_network_id": "0" * 36}}), 404, "NetworkNotFound")
    for bad in ({}, {"floating_network_id": "x"},
                {"floating_network_id": ext["id"], "dns_name": "a"},
                {"floating_network_id": ext["id"], "port_id": 3},
                {"floating_network_id": ext["id"], "fixed_ip_address": "10.0.0.5"}):
        resp = network_api.request("POST", "/v2.0/floatingips",
                                   json={"floatingip": bad})
        assert resp.status_code == 400, (bad, resp.text)
    _error(network_api.request("GET", "/v2.0/floatingips/" + "0" * 36), 404,
           "FloatingIPNotFound")

    # deleting frees the address and its port
    network_api.ok("DELETE", f"/v2.0/floatingips/{chosen['id']}", status=204)
    assert network_api.ok("GET", f"/v2.0/ports?device_id={chosen['id']}",
                          project="admin")["ports"] == []
    again = network_api.ok("POST", "/v2.0/floatingips", status=201, project="admin",
                           json=body)["floatingip"]
    assert again["floating_ip_address"] == free


def test_pool_exhausted(network_api):
    ext, *_ = _topology(network_api)  # /28: 13 usable, gateway port holds one
    network_api.ok("PUT", f"/v2.0/quotas/{PROJECT_A}", project="admin",
                   json={"quota": {"floatingip": -1}})
    addresses = {_fip(network_api, ext["id"])["floating_ip_address"]
                 for _ in range(12)}
    assert len(addresses) == 12
    _error(network_api.request("POST", "/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": ext["id"]}}), 409, "IpAddressGenerationFailure")


def test_associate_disassociate(network_api):
    ext, _, net, sub, router = _topology(network_api)
    port = network_api.create("ports", {"network_id": net["id"], "name": "vm-port",
                                        "device_owner": "compute:nova",
                                        "device_id": "vm-1"})
    fixed = port["fixed_ips"][0]["ip_address"]
    fip = _fip(network_api, ext["id"], port_id=port["id"])
    assert fip["port_id"] == port["id"] and fip["fixed_ip_address"] == fixed
    assert fip["router_id"] == router["id"] and fip["status"] == "ACTIVE"
    assert fip["port_details"] == {
        "name": "vm-port", "network_id": net["id"], "mac_address": port["mac_address"],
        "admin_state_up": True, "status": "DOWN", "device_id": "vm-1",
        "device_owner": "compute:nova"}
    # one fixed IP, one floating IP per external network
    msg = _error(network_api.request("POST", "/v2.0/floatingips", json={
        "floatingip": {"floating_network_id": ext["id"], "port_id": port["id"]}}),
        409, "FloatingIPPortAlreadyAssociated")
    assert fixed in msg
    second = _fip(network_api, ext["id"])
    _error(network_api.request("PUT", f"/v2.0/floatingips/{second['id']}", json={
        "floatingip": {"port_id": port["id"]}}), 409, "FloatingIPPortAlreadyAssociated")

    # a description change keeps the association; port_id null drops it
    path = f"/v2.0/floatingips/{fip['id']}"
    kept = network_api.ok("PUT", path, json={"floatingip": {"description": "x"}})[
        "floatingip"]
    assert kept["port_id"] == port["id"] and kept["description"] == "x"
    assert kept["revision_number"] == fip["revision_number"] + 1
    dropped = network_api.ok("PUT", path, json={"floatingip": {"port_id": None}})[
        "floatingip"]
    assert dropped["port_id"] is None and dropped["fixed_ip_address"] is None
    assert dropped["router_id"] is None and dropped["status"] == "DOWN"
    assert dropped["port_details"] is None
    moved = network_api.ok("PUT", f"/v2.0/floatingips/{second['id']}", json={
        "floatingip": {"port_id": port["id"], "fixed_ip_address": fixed}})["floatingip"]
    assert moved["status"] == "ACTIVE" and moved["fixed_ip_address"] == fixed
    _error(network_api.request("PUT", path, json={"floatingip": {
        "fixed_ip_address": fixed}}), 400, "BadRequest")

    # several IPv4 addresses: fixed_ip_address chooses, and must be the port's
    multi = network_api.create("ports", {"network_id": net["id"], "fixed_ips": [
        {"ip_address": "10.0.0.50"}, {"ip_address": "10.0.0.51"}]})
    msg = _error(network_api.request("PUT", path, json={"floatingip": {
        "port_id": multi["id"]}}), 400, "BadRequest")
    assert "multiple fixed IPv4 addresses" in msg
    _error(network_api.request("PUT", path, json={"floatingip": {
        "port_id": multi["id"], "fixed_ip_address": "10.0.0.52"}}), 400, "BadRequest")
    _error(network_api.request("PUT", path, json={"floatingip": {
        "port_id": multi["id"], "fixed_ip_address": "not-an-ip"}}), 400, "BadRequest")
    chosen = network_api.ok("PUT", path, json={"floatingip": {
        "port_id": multi["id"], "fixed_ip_address": "10.0.0.51"}})["floatingip"]
    assert chosen["fixed_ip_address"] == "10.0.0.51"
    again = network_api.ok("PUT", path, json={"floatingip": {
        "fixed_ip_address": "10.0.0.50"}})["floatingip"]
    assert again["fixed_ip_address"] == "10.0.0.50" and again["port_id"] == multi["id"]

    # a port no router connects to the external network: 404
    lonely_net = network_api.create("networks", {})
    network_api.create("subnets", {"network_id": lonely_net["id"], "cidr":
                                   "10.1.0.0/24", "ip_version": 4})
    lonely = network_api.create("ports", {"network_id": lonely_net["id"]})
    _error(network_api.request("PUT", path, json={"floatingip": {
        "port_id": lonely["id"]}}), 404, "ExternalGatewayForFloatingIPNotFound")
    _error(network_api.request("PUT", path, json={"floatingip": {
        "port_id": "0" * 36}}), 404, "PortNotFound")

    # what an association needs cannot go
    _error(network_api.request(
        "PUT", f"/v2.0/routers/{router['id']}/remove_router_interface",
        json={"subnet_id": sub["id"]}), 409, "RouterInterfaceInUseByFloatingIP")
    _error(network_api.request("PUT", f"/v2.0/routers/{router['id']}", json={
        "router": {"external_gateway_info": None}}), 409,
        "RouterExternalGatewayInUseByFloatingIp")
    _error(network_api.request("DELETE", f"/v2.0/routers/{router['id']}"), 409,
           "RouterInUse")

    # deleting the port disassociates its floating IPs
    network_api.ok("DELETE", f"/v2.0/ports/{multi['id']}", status=204)
    released = network_api.ok("GET", path)["floatingip"]
    assert released["port_id"] is None and released["status"] == "DOWN"
    assert released["revision_number"] > again["revision_number"]
    network_api.ok("DELETE", f"/v2.0/ports/{port['id']}", status=204)
    assert network_api.ok("GET", "/v2.0/floatingips?status=ACTIVE")["floatingips"] == []
    assert network_api.request(
        "PUT", f"/v2.0/routers/{router['id']}/remove_router_interface",
        json={"subnet_id": sub["id"]}).status_code == 200


def test_isolation(network_api):
    ext, _, net_a, _, _ = _topology(network_api)
    port_a = network_api.create("ports", {"network_id": net_a["id"]})
    fip_a = _fip(network_api, ext["id"])
    fip_b = _fip(network_api, ext["id"], project=PROJECT_B)
    assert [f["id"] for f in network_api.ok("GET", "/v2.0/floatingips",
                                            project=PROJECT_B)["floatingips"]] == \
        [fip_b["id"]]
    for method, body in (("GET", None), ("PUT", {"floatingip": {"port_id": None}}),
                         ("DELETE", None)):
        _error(network_api.request(method, f"/v2.0/floatingips/{fip_a['id']}",
                                   json=body, project=PROJECT_B), 404,
               "FloatingIPNotFound")
    # B cannot point its floating IP at A's port, at create or update
    _error(network_api.request("PUT", f"/v2.0/floatingips/{fip_b['id']}",
                               project=PROJECT_B, json={"floatingip": {
                                   "port_id": port_a["id"]}}), 404, "PortNotFound")
    _error(network_api.request("POST", "/v2.0/floatingips", project=PROJECT_B, json={
        "floatingip": {"floating_network_id": ext["id"], "port_id": port_a["id"]}}),
        404, "PortNotFound")
    # nor may A create one for B; admins see all
    _error(network_api.request("POST", "/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": ext["id"], "project_id": PROJECT_B}}), 403,
        "PolicyNotAuthorized")
    assert len(network_api.ok("GET", "/v2.0/floatingips",
                              project="admin")["floatingips"]) == 2
    # a reader cannot change a floating IP
    _error(network_api.request("PUT", f"/v2.0/floatingips/{fip_a['id']}",
                               roles="reader", json={"floatingip": {
                                   "description": "x"}}), 403, "PolicyNotAuthorized")


def test_quota_if_match_tags_and_lists(network_api):
    ext, _, net, _, router = _topology(network_api)
    port = network_api.create("ports", {"network_id": net["id"]})
    network_api.ok("PUT", f"/v2.0/quotas/{PROJECT_A}", project="admin",
                   json={"quota": {"floatingip": 2}})
    first = _fip(network_api, ext["id"], port_id=port["id"], description="b")
    second = _fip(network_api, ext["id"], description="a")
    _error(network_api.request("POST", "/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": ext["id"]}}), 409, "OverQuota")
    assert network_api.ok("GET", f"/v2.0/quotas/{PROJECT_A}/details")["quota"][
        "floatingip"]["used"] == 2
    assert network_api.ok("GET", f"/v2.0/quotas/{PROJECT_B}", project="admin")[
        "quota"]["floatingip"] == 50

    path = f"/v2.0/floatingips/{second['id']}"
    resp = network_api.request("PUT", path, headers={"If-Match": "revision_number=3"},
                               json={"floatingip": {"description": "c"}})
    assert resp.status_code == 412
    network_api.ok("PUT", path, headers={"If-Match": "revision_number=0"},
                   json={"floatingip": {"description": "c"}})
    assert network_api.request("DELETE", path, headers={
        "If-Match": "revision_number=0"}).status_code == 412

    network_api.ok("PUT", path + "/tags", json={"tags": ["web"]})
    assert network_api.ok("GET", path)["floatingip"]["tags"] == ["web"]

    def ids(query):
        return [f["id"] for f in network_api.ok(
            "GET", "/v2.0/floatingips" + query)["floatingips"]]
    assert ids("?tags=web") == [second["id"]]
    assert ids(f"?port_id={port['id']}") == [first["id"]]
    assert ids(f"?router_id={router['id']}") == [first["id"]]
    assert ids(f"?fixed_ip_address={first['fixed_ip_address']}") == [first["id"]]
    assert ids(f"?floating_ip_address={second['floating_ip_address']}") == \
        [second["id"]]
    assert ids("?status=DOWN") == [second["id"]]
    assert ids(f"?floating_network_id={ext['id']}&sort_key=description"
               "&sort_dir=desc") == [second["id"], first["id"]]
    page = network_api.ok("GET", "/v2.0/floatingips?limit=1&sort_key=description")
    assert [f["id"] for f in page["floatingips"]] == [first["id"]]
    assert page["floatingips_links"][0]["rel"] == "next"
    fields = network_api.ok("GET", "/v2.0/floatingips?fields=floating_ip_address")
    assert all(set(f) == {"floating_ip_address"} for f in fields["floatingips"])


def test_changes_are_notified_and_cast(network_api):
    conf = network_api.conf
    rpc_transport = rpc.build_rpc_transport(conf)
    notification_transport = rpc.build_notification_transport(conf)
    agent = AgentRecorder()
    server = rpc.RPCServer(rpc_transport, AGENT_TOPIC, "node0", [agent]).start()
    recorder = NotificationRecorder()
    listener = rpc.NotificationListener(notification_transport, [recorder],
                                        pool="l3-test").start()
    try:
        ext, _, net, _, router = _topology(network_api)
        port = network_api.create("ports", {"network_id": net["id"]})
        fip = _fip(network_api, ext["id"], port_id=port["id"])
        network_api.ok("PUT", f"/v2.0/floatingips/{fip['id']}",
                       json={"floatingip": {"port_id": None}})
        network_api.ok("DELETE", f"/v2.0/floatingips/{fip['id']}", status=204)
        # network, subnet, network, subnet, router create, interface, port,
        # floating IP create, update, delete
        events = _drain(recorder.events, 10)
        kinds = [kind for kind, _ in events]
        assert kinds[4:] == ["router.create.end", "router.update.end",
                             "port.create.end", "floatingip.create.end",
                             "floatingip.update.end", "floatingip.delete.end"]
        assert events[4][1]["router"]["external_gateway_info"]["network_id"] == \
            ext["id"]
        assert events[7][1]["floatingip"]["port_id"] == port["id"]
        assert events[8][1]["floatingip"]["port_id"] is None
        casts = _drain(agent.calls, 10)
        assert casts[4] == casts[5] == (None, None)  # router: every agent
        assert casts[7:] == [(None, None)] * 3  # floating IPs: every agent
        assert router["id"] == events[5][1]["router"]["id"]
    finally:
        listener.stop()
        server.stop()
        rpc_transport.cleanup()
        notification_transport.cleanup()


def test_concurrent_creates_and_associations(network_api):
    import collections
    import concurrent.futures
    import time

    api = network_api
    ext = api.create("networks", {"router:external": True}, project="admin")
    api.create("subnets", {"network_id": ext["id"], "cidr": "198.51.100.0/24",
                           "ip_version": 4, "enable_dhcp": False}, project="admin")
    net = api.create("networks", {})
    sub = api.create("subnets", {"network_id": net["id"], "cidr": "10.0.0.0/24",
                                 "ip_version": 4})
    routers = [api.create("routers", {"external_gateway_info": {
        "network_id": ext["id"]}}) for _ in range(2)]
    api.ok("PUT", f"/v2.0/quotas/{PROJECT_A}", project="admin",
           json={"quota": {"floatingip": -1}})

    def put(args):
        path, body = args
        resp = api.request("PUT", path, json=body)
        return resp.status_code, resp.json()

    # two routers race for the subnet's gateway address: one wins
    results = list(concurrent.futures.ThreadPoolExecutor(2).map(put, [
        (f"/v2.0/routers/{r['id']}/add_router_interface", {"subnet_id": sub["id"]})
        for r in routers]))
    assert sorted(status for status, _ in results) == [200, 409], results

    count = 251  # the /24 pools hold 253 addresses; two router gateways hold 2
    started = time.monotonic()

    def create(_):
        resp = api.request("POST", "/v2.0/floatingips", json={"floatingip": {
            "floating_network_id": ext["id"]}})
        return resp.status_code, resp.json()
    with concurrent.futures.ThreadPoolExecutor(25) as pool:
        results = list(pool.map(create, range(count)))
    elapsed = time.monotonic() - started
    statuses = collections.Counter(status for status, _ in results)
    assert statuses == {201: count}, (statuses, [b for s, b in results if s != 201][:3])
    fips = [body["floatingip"] for _, body in results]
    assert len({f["floating_ip_address"] for f in fips}) == count
    _error(api.request("POST", "/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": ext["id"]}}), 409, "IpAddressGenerationFailure")

    # twenty floating IPs race for one fixed IP: one gets it
    port = api.create("ports", {"network_id": net["id"]})
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        results = list(pool.map(put, [(f"/v2.0/floatingips/{f['id']}", {
            "floatingip": {"port_id": port["id"]}}) for f in fips[:20]]))
    statuses = collections.Counter(status for status, _ in results)
    assert statuses == {200: 1, 409: 19}, statuses
    assert {b["NeutronError"]["type"] for s, b in results if s == 409} == {
        "FloatingIPPortAlreadyAssociated"}
    print(f"\n{count} concurrent floating IP creates (25 threads): {elapsed:.1f} s")
