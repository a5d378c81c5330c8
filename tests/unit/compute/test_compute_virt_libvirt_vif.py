"""VIFs as libvirt NICs (virt/libvirt/vif.py, config.Interface) and as the
guest's network_data.json (metadata/content.py)."""

import json
import xml.etree.ElementTree as ET

import pytest
from virt_conformance import instance

from sovra_compute import network_api
from sovra_compute.metadata import content
from sovra_compute.virt import driver as virt
from sovra_compute.virt.libvirt import config, vif

PORT = "0123456789abcdef-0000-0000-000000000000"


def _vif(**extra):
    port = {"id": PORT, "mac_address": "fa:16:3e:12:34:56",
            "fixed_ips": [{"ip_address": "10.0.0.5", "subnet_id": "s4"},
                          {"ip_address": "fd00::5", "subnet_id": "s6"}]}
    network = {"id": "net-1", "name": "private", "mtu": 1450}
    subnets = {"s4": {"cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.1",
                      "dns_nameservers": ["10.0.0.2"]},
               "s6": {"cidr": "fd00::/64", "gateway_ip": None}}
    return {**network_api.vif(port, network, preexisting=False, subnets=subnets),
            **extra}


def _config(interfaces):
    return config.GuestConfig(uuid="u", display_name="vm", host="node1", vcpus=1,
                              memory_mb=64, virt_type="qemu", disks=(),
                              console_log="/tmp/console.log", interfaces=interfaces)


def test_a_vif_is_an_ethernet_interface_on_its_tap():
    nic = vif.interface(_vif())
    assert nic == config.Interface(mac="fa:16:3e:12:34:56", target="tap0123456789a",
                                   mtu=1450)
    xml = _config((nic,)).to_xml()
    element = ET.fromstring(xml).find("devices/interface")
    assert element.get("type") == "ethernet"
    assert element.find("mac").get("address") == "fa:16:3e:12:34:56"
    assert element.find("target").get("dev") == "tap0123456789a"
    assert element.find("model").get("type") == "virtio"
    assert element.find("mtu").get("size") == "1450"
    assert config.find_interfaces(xml) == [
        {"mac": "fa:16:3e:12:34:56", "target": "tap0123456789a", "mtu": 1450}]
    assert ET.fromstring(config.interface_xml(nic)).tag == "interface"


def test_interfaces_keep_the_vifs_order_and_none_means_no_nic():
    guest = instance()
    assert vif.interfaces(guest) == ()
    assert ET.fromstring(_config(()).to_xml()).find("devices/interface") is None
    second = _vif(port_id="ffff", devname="tapffff", mac="fa:16:3e:00:00:02")
    guest["network_info"] = [_vif(), second]
    assert [n.target for n in vif.interfaces(guest)] == ["tap0123456789a", "tapffff"]


@pytest.mark.parametrize("devname", ["", "tap0123456789abcdef"])
def test_a_bad_tap_name_is_refused(devname):
    with pytest.raises(virt.VirtDriverError, match="bad tap name"):
        vif.interface(_vif(devname=devname))


def test_network_data_describes_links_static_networks_and_dns():
    data = content.network_data_of([_vif()])
    assert data["links"] == [{"id": "tap0123456789a", "vif_id": PORT, "type": "bridge",
                              "mtu": 1450, "ethernet_mac_address": "fa:16:3e:12:34:56"}]
    v4, v6 = data["networks"]
    assert v4 == {"id": "network0", "link": "tap0123456789a", "network_id": "net-1",
                  "type": "ipv4", "ip_address": "10.0.0.5", "netmask": "255.255.255.0",
                  "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0",
                              "gateway": "10.0.0.1"}],
                  "services": [{"type": "dns", "address": "10.0.0.2"}]}
    assert (v6["type"], v6["ip_address"], v6["netmask"], v6["routes"]) == (
        "ipv6", "fd00::5", "ffff:ffff:ffff:ffff::", [])
    assert data["services"] == [{"type": "dns", "address": "10.0.0.2"}]


def test_config_drive_files_carry_the_instances_network_data():
    guest = instance()
    guest["network_info"] = [_vif()]
    files = content.openstack_files(guest)
    assert json.loads(files[content.NETWORK_DATA])["links"][0]["vif_id"] == PORT
    assert json.loads(content.openstack_files(instance())[content.NETWORK_DATA]) == {
        "links": [], "networks": [], "services": []}


def test_a_subnet_not_read_gives_a_dhcp_network():
    item = network_api.vif({"id": PORT, "mac_address": "fa:16:3e:00:00:01",
                            "fixed_ips": [{"ip_address": "10.0.0.9"}]},
                           {"id": "n"}, preexisting=True)
    assert item["mtu"] == 1500 and item["network_name"] == "n"
    (net,) = content.network_data_of([item])["networks"]
    assert net["type"] == "ipv4_dhcp" and "ip_address" not in net


def test_addresses_group_fixed_ips_by_network_name():
    shown = network_api.addresses([_vif()])
    assert shown == {"private": [
        {"version": 4, "addr": "10.0.0.5", "OS-EXT-IPS:type": "fixed",
         "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:12:34:56"},
        {"version": 6, "addr": "fd00::5", "OS-EXT-IPS:type": "fixed",
         "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:12:34:56"}]}
    assert network_api.addresses([]) == {}
