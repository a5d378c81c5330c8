"""IPAM under load: 1,000 port creates on one /22 from 50 threads at once. No
address twice, no 500, and every address handed out is in the pools."""

import collections
import concurrent.futures
import ipaddress
import time

from conftest import PROJECT_A

PORTS = 1000
THREADS = 50


def test_concurrent_port_creates_never_share_an_address(network_api):
    api = network_api
    api.ok("PUT", f"/v2.0/quotas/{PROJECT_A}", project="admin",
           json={"quota": {"port": -1}})
    net = api.create("networks", {"name": "busy"})
    subnet = api.create("subnets", {"network_id": net["id"], "ip_version": 4,
                                    "cidr": "10.20.0.0/22"})

    def create(_):
        resp = api.request("POST", "/v2.0/ports",
                           json={"port": {"network_id": net["id"]}})
        return resp.status_code, resp.json()

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(create, range(PORTS)))
    elapsed = time.monotonic() - started
    statuses = collections.Counter(status for status, _ in results)
    assert statuses == {201: PORTS}, (statuses, [b for s, b in results if s != 201][:3])
    addresses = [body["port"]["fixed_ips"][0]["ip_address"] for _, body in results]
    macs = [body["port"]["mac_address"] for _, body in results]
    assert len(set(addresses)) == PORTS
    assert len(set(macs)) == PORTS
    net_range = ipaddress.ip_network(subnet["cidr"])
    gateway = ipaddress.ip_address(subnet["gateway_ip"])
    for address in map(ipaddress.ip_address, addresses):
        assert address in net_range and address != gateway
    dhcp = api.ok("GET", f"/v2.0/ports?network_id={net['id']}&device_owner=network:dhcp"
                  )["ports"][0]["fixed_ips"][0]["ip_address"]
    assert dhcp not in addresses
    avail = api.ok("GET", f"/v2.0/network-ip-availabilities/{net['id']}",
                   project="admin")["network_ip_availability"]
    assert avail["used_ips"] == PORTS + 1
    print(f"\n{PORTS} concurrent port creates ({THREADS} threads): {elapsed:.1f} s, "
          f"{PORTS / elapsed:.0f}/s")
