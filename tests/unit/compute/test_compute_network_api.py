"""network_api's VIFs and the API's ``addresses`` made of them."""

from sovra_compute import network_api

PORT = {"id": "0123456789abcdef", "network_id": "net1",
        "mac_address": "fa:16:3e:00:00:01",
        "fixed_ips": [{"ip_address": "10.0.0.5", "subnet_id": "s4"},
                      {"ip_address": "10.0.0.6", "subnet_id": "s4"},
                      {"ip_address": "fd00::5", "subnet_id": "s6"}]}
NETWORK = {"id": "net1", "name": "private", "mtu": 1450}


def _fip(address, fixed, fip_id="f"):
    return {"id": fip_id, "floating_ip_address": address, "fixed_ip_address": fixed,
            "port_id": PORT["id"], "status": "ACTIVE"}


def test_a_vif_keeps_its_ports_floating_ips_in_address_order():
    item = network_api.vif(PORT, NETWORK, preexisting=False, floating_ips=[
        _fip("172.24.4.20", "10.0.0.6", "b"), _fip("172.24.4.7", "10.0.0.5", "a")])
    assert item["floating_ips"] == [
        {"id": "a", "ip_address": "172.24.4.7", "fixed_ip_address": "10.0.0.5",
         "version": 4},
        {"id": "b", "ip_address": "172.24.4.20", "fixed_ip_address": "10.0.0.6",
         "version": 4}]
    assert network_api.vif(PORT, NETWORK, preexisting=False)["floating_ips"] == []


def test_addresses_list_each_fixed_ip_then_its_floating_ips():
    item = network_api.vif(PORT, NETWORK, preexisting=False, floating_ips=[
        _fip("172.24.5.9", "10.0.0.5", "b"), _fip("172.24.4.7", "10.0.0.5", "a")])
    mac = PORT["mac_address"]

    def entry(version, addr, kind):
        return {"version": version, "addr": addr, "OS-EXT-IPS:type": kind,
                "OS-EXT-IPS-MAC:mac_addr": mac}
    assert network_api.addresses([item]) == {"private": [
        entry(4, "10.0.0.5", "fixed"), entry(4, "172.24.4.7", "floating"),
        entry(4, "172.24.5.9", "floating"), entry(4, "10.0.0.6", "fixed"),
        entry(6, "fd00::5", "fixed")]}


def test_addresses_of_a_vif_recorded_before_floating_ips_were_kept():
    item = network_api.vif(PORT, NETWORK, preexisting=True)
    del item["floating_ips"]
    assert [a["OS-EXT-IPS:type"] for a in network_api.addresses([item])[
        "private"]] == ["fixed", "fixed", "fixed"]
