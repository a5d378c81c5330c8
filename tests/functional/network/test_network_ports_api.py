"""Subnets, IPAM and ports over HTTP (noauth): pools, gateways, IPv6, fixed IPs,
freed addresses, MACs, bindings, the agent's status report, the DHCP port."""

from conftest import PROJECT_A, PROJECT_B


def _setup(api, cidr="10.1.0.0/24", project=PROJECT_A, **subnet):
    net = api.create("networks", {"name": "n"}, project=project)
    sub = api.create("subnets", {"network_id": net["id"], "cidr": cidr,
                                 "ip_version": 6 if ":" in cidr else 4, **subnet},
                     project=project)
    return net, sub


def _ips(port):
    return [f["ip_address"] for f in port["fixed_ips"]]


def test_subnet_validation(network_api):
    net = network_api.create("networks", {})

    def post(**body):
        return network_api.request("POST", "/v2.0/subnets", json={"subnet": {
            "network_id": net["id"], "ip_version": 4, **body}})
    assert post(cidr="10.0.0.0/33").status_code == 400
    assert post(cidr="10.0.0.0/24", gateway_ip="10.9.9.9").status_code == 400
    assert post(cidr="10.0.0.0/24", allocation_pools=[
        {"start": "10.0.0.1", "end": "10.0.0.9"}]).status_code == 400  # has gateway
    first = post(cidr="10.0.0.0/24", gateway_ip=None)
    assert first.status_code == 201
    assert first.json()["subnet"]["allocation_pools"] == [
        {"start": "10.0.0.1", "end": "10.0.0.254"}]
    overlap = post(cidr="10.0.0.128/25")
    assert overlap.status_code == 400
    assert overlap.json()["NeutronError"]["type"] == "OverlappingSubnet"
    other = network_api.request("POST", "/v2.0/subnets", project=PROJECT_B, json={
        "subnet": {"network_id": net["id"], "ip_version": 4, "cidr": "10.5.0.0/24"}})
    assert other.status_code == 404


def test_subnet_with_pools_gateway_in_the_middle_and_routes(network_api):
    net, sub = _setup(network_api, gateway_ip="10.1.0.100",
                      host_routes=[{"destination": "0.0.0.0/0",
                                    "nexthop": "10.1.0.100"}],
                      dns_nameservers=["10.1.0.53"])
    assert sub["allocation_pools"] == [{"start": "10.1.0.1", "end": "10.1.0.99"},
                                       {"start": "10.1.0.101", "end": "10.1.0.254"}]
    assert sub["host_routes"][0]["nexthop"] == "10.1.0.100"
    updated = network_api.ok("PUT", f"/v2.0/subnets/{sub['id']}", json={"subnet": {
        "dns_nameservers": ["192.0.2.1", "192.0.2.2"], "name": "renamed"}})["subnet"]
    assert updated["dns_nameservers"] == ["192.0.2.1", "192.0.2.2"]
    assert updated["revision_number"] == 1
    network_ = network_api.ok("GET", f"/v2.0/networks/{net['id']}")["network"]
    assert network_["subnets"] == [sub["id"]]


def test_ipv6_slaac_and_stateful(network_api):
    net = network_api.create("networks", {})
    slaac = network_api.create("subnets", {
        "network_id": net["id"], "ip_version": 6, "cidr": "2001:db8:1::/64",
        "ipv6_ra_mode": "slaac", "ipv6_address_mode": "slaac"})
    assert slaac["gateway_ip"] == "2001:db8:1::1"
    port = network_api.create("ports", {"network_id": net["id"],
                                        "mac_address": "fa:16:3e:11:22:33"})
    assert _ips(port) == ["2001:db8:1:0:f816:3eff:fe11:2233"]
    net2 = network_api.create("networks", {})
    stateful = network_api.create("subnets", {
        "network_id": net2["id"], "ip_version": 6, "cidr": "2001:db8:2::/64",
        "ipv6_address_mode": "dhcpv6-stateful", "enable_dhcp": False})
    port2 = network_api.create("ports", {"network_id": net2["id"]})
    assert port2["fixed_ips"][0]["subnet_id"] == stateful["id"]
    assert port2["fixed_ips"][0]["ip_address"].startswith("2001:db8:2::")


def test_dhcp_port_made_with_the_first_dhcp_subnet(network_api):
    net, sub = _setup(network_api)
    dhcp = network_api.ok("GET", f"/v2.0/ports?network_id={net['id']}"
                                 "&device_owner=network:dhcp")["ports"]
    assert len(dhcp) == 1 and _ips(dhcp[0]) == ["10.1.0.2"]
    assert dhcp[0]["device_id"] == "dhcp" + net["id"]
    v6 = network_api.create("subnets", {"network_id": net["id"], "ip_version": 6,
                                        "cidr": "2001:db8:9::/64",
                                        "ipv6_address_mode": "dhcpv6-stateful"})
    dhcp = network_api.ok("GET", f"/v2.0/ports/{dhcp[0]['id']}")["port"]
    assert {f["subnet_id"] for f in dhcp["fixed_ips"]} == {sub["id"], v6["id"]}
    # no DHCP: no port
    net2, _ = _setup(network_api, cidr="10.2.0.0/24", enable_dhcp=False)
    assert network_api.ok("GET", f"/v2.0/ports?network_id={net2['id']}")["ports"] == []
    # the subnets go, the DHCP port goes with the last
    network_api.ok("DELETE", f"/v2.0/subnets/{v6['id']}", status=204)
    network_api.ok("DELETE", f"/v2.0/subnets/{sub['id']}", status=204)
    assert network_api.ok("GET", f"/v2.0/ports?network_id={net['id']}")["ports"] == []


def test_fixed_ips_requested_taken_and_freed(network_api):
    net, sub = _setup(network_api, cidr="10.3.0.0/29")  # hosts .1-.6, gw .1, dhcp .2
    asked = network_api.create("ports", {"network_id": net["id"], "fixed_ips": [
        {"ip_address": "10.3.0.5"}]})
    assert asked["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.3.0.5"}]
    taken = network_api.request("POST", "/v2.0/ports", json={"port": {
        "network_id": net["id"], "fixed_ips": [{"subnet_id": sub["id"],
                                                "ip_address": "10.3.0.5"}]}})
    assert taken.status_code == 409
    assert taken.json()["NeutronError"]["type"] == "IpAddressAlreadyAllocated"
    outside = network_api.request("POST", "/v2.0/ports", json={"port": {
        "network_id": net["id"], "fixed_ips": [{"ip_address": "10.9.0.5"}]}})
    assert outside.status_code == 400
    auto = [network_api.create("ports", {"network_id": net["id"]}) for _ in range(3)]
    assert sorted(ip for p in auto for ip in _ips(p)) == ["10.3.0.3", "10.3.0.4",
                                                          "10.3.0.6"]
    full = network_api.request("POST", "/v2.0/ports", json={"port": {
        "network_id": net["id"]}})
    assert full.status_code == 409
    assert full.json()["NeutronError"]["type"] == "IpAddressGenerationFailure"
    # deleting a port returns its address; changing fixed_ips frees the old one
    network_api.ok("DELETE", f"/v2.0/ports/{auto[0]['id']}", status=204)
    again = network_api.create("ports", {"network_id": net["id"]})
    assert _ips(again) == _ips(auto[0])
    held = network_api.request("PUT", f"/v2.0/ports/{asked['id']}", json={"port": {
        "fixed_ips": [{"subnet_id": sub["id"], "ip_address": _ips(auto[1])[0]}]}})
    assert held.status_code == 409  # another port's address
    emptied = network_api.ok("PUT", f"/v2.0/ports/{asked['id']}", json={"port": {
        "fixed_ips": []}})["port"]
    assert emptied["fixed_ips"] == []
    reuse = network_api.create("ports", {"network_id": net["id"], "fixed_ips": [
        {"ip_address": "10.3.0.5"}]})
    assert _ips(reuse) == ["10.3.0.5"]
    in_use = network_api.request("DELETE", f"/v2.0/subnets/{sub['id']}")
    assert in_use.status_code == 409
    assert in_use.json()["NeutronError"]["type"] == "SubnetInUse"
    busy = network_api.request("DELETE", f"/v2.0/networks/{net['id']}")
    assert busy.status_code == 409
    assert busy.json()["NeutronError"]["type"] == "NetworkInUse"
    avail = network_api.ok("GET", f"/v2.0/network-ip-availabilities/{net['id']}",
                           project="admin")["network_ip_availability"]
    assert (avail["total_ips"], avail["used_ips"]) == (5, 5)


def test_mac_addresses(network_api):
    net, _ = _setup(network_api)
    port = network_api.create("ports", {"network_id": net["id"]})
    assert port["mac_address"].startswith("fa:16:3e:")
    dup = network_api.request("POST", "/v2.0/ports", json={"port": {
        "network_id": net["id"], "mac_address": port["mac_address"]}})
    assert dup.status_code == 409
    assert dup.json()["NeutronError"]["type"] == "MacAddressInUse"
    assert network_api.request("POST", "/v2.0/ports", json={"port": {
        "network_id": net["id"], "mac_address": "01:00:5e:00:00:01"}}
    ).status_code == 400


def test_binding_is_for_services_and_status_for_the_agent(network_api):
    net, _ = _setup(network_api)
    port = network_api.create("ports", {"network_id": net["id"],
                                        "device_owner": "compute:nova"})
    assert "binding:host_id" not in port  # a member does not see bindings
    assert network_api.request("PUT", f"/v2.0/ports/{port['id']}", json={"port": {
        "binding:host_id": "node1"}}).status_code == 403
    bound = network_api.ok("PUT", f"/v2.0/ports/{port['id']}", project="admin",
                           json={"port": {"binding:host_id": "node1"}})["port"]
    assert bound["binding:vif_type"] == "bridge"
    assert bound["binding:vif_details"]["bridge_name"] == "brq" + net["id"][:11]
    on_node = network_api.ok("GET", "/v2.0/ports?binding:host_id=node1",
                             project="admin")["ports"]
    assert [p["id"] for p in on_node] == [port["id"]]
    assert network_api.request("PUT", f"/v2.0/ports/{port['id']}", json={"port": {
        "status": "ACTIVE"}}).status_code == 403
    active = network_api.ok("PUT", f"/v2.0/ports/{port['id']}", project="admin",
                            json={"port": {"status": "ACTIVE"}})["port"]
    assert active["status"] == "ACTIVE"
    assert network_api.ok("GET", f"/v2.0/ports/{port['id']}")["port"]["status"] == \
        "ACTIVE"


def test_port_security_groups_and_address_pairs(network_api):
    net, _ = _setup(network_api)
    port = network_api.create("ports", {"network_id": net["id"]})
    default = network_api.ok("GET", "/v2.0/security-groups?name=default"
                             )["security_groups"]
    assert port["security_groups"] == [default[0]["id"]]
    conflict = network_api.request("PUT", f"/v2.0/ports/{port['id']}", json={"port": {
        "port_security_enabled": False}})
    assert conflict.status_code == 409
    plain = network_api.ok("PUT", f"/v2.0/ports/{port['id']}", json={"port": {
        "port_security_enabled": False, "security_groups": []}})["port"]
    assert plain["security_groups"] == [] and plain["port_security_enabled"] is False
    pairs = network_api.create("ports", {"network_id": net["id"],
                                         "allowed_address_pairs": [
                                             {"ip_address": "10.1.0.200/32"}]})
    assert pairs["allowed_address_pairs"] == [{"ip_address": "10.1.0.200/32",
                                               "mac_address": pairs["mac_address"]}]
    other_group = network_api.create("security-groups", {"name": "b"},
                                     project=PROJECT_B)
    assert network_api.request("POST", "/v2.0/ports", json={"port": {
        "network_id": net["id"], "security_groups": [other_group["id"]]}}
    ).status_code == 404


def test_port_isolation_and_fixed_ip_filter(network_api):
    net, _ = _setup(network_api)
    port = network_api.create("ports", {"network_id": net["id"]})
    assert network_api.request("GET", f"/v2.0/ports/{port['id']}",
                               project=PROJECT_B).status_code == 404
    assert network_api.request("DELETE", f"/v2.0/ports/{port['id']}",
                               project=PROJECT_B).status_code == 404
    assert network_api.ok("GET", "/v2.0/ports", project=PROJECT_B)["ports"] == []
    ip = _ips(port)[0]
    found = network_api.ok("GET", f"/v2.0/ports?fixed_ips=ip_address%3D{ip}")["ports"]
    assert [p["id"] for p in found] == [port["id"]]


def test_subnet_pools_carve_prefixes(network_api):
    pool = network_api.create("subnetpools", {"name": "p", "prefixes": ["10.100.0.0/16"],
                                              "default_prefixlen": 24})
    assert pool["ip_version"] == 4 and pool["min_prefixlen"] == 16
    net = network_api.create("networks", {})
    first = network_api.create("subnets", {"network_id": net["id"], "ip_version": 4,
                                           "subnetpool_id": pool["id"]})
    second = network_api.create("subnets", {"network_id": net["id"], "ip_version": 4,
                                            "subnetpool_id": pool["id"],
                                            "prefixlen": 26})
    assert first["cidr"] == "10.100.0.0/24" and second["cidr"] == "10.100.1.0/26"
    assert first["subnetpool_id"] == pool["id"]
    assert network_api.request("DELETE", f"/v2.0/subnetpools/{pool['id']}"
                               ).status_code == 409
