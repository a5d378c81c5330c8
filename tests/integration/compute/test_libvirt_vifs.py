"""A server's VIFs on the host's real libvirtd and QEMU: the domain carries an
ethernet interface on the port's tap with its MAC and the network's MTU, libvirt
creates that tap while the guest runs (where the network agent finds it) and
removes it with the guest."""

import json
import os
import subprocess
import uuid

import pytest
from unit.compute.virt_conformance import instance

from sovra_compute.virt.libvirt import config
from sovra_compute.virt.libvirt.driver import LibvirtDriver

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="libvirt creates taps as root only")


def _link(name):
    """``ip -j link show`` of ``name``, or None when there is no such device."""
    done = subprocess.run(["ip", "-j", "link", "show", "dev", name],
                          capture_output=True, text=True, check=False)
    return json.loads(done.stdout)[0] if done.returncode == 0 else None


@pytest.fixture
def driver(libvirt_uri, instances_path):
    drv = LibvirtDriver(host=f"it-{uuid.uuid4().hex[:6]}", connection_uri=libvirt_uri,
                        instances_path=instances_path, clean_shutdown_timeout=3)
    yield drv
    for uuid_ in drv.list_instances():
        drv.destroy({"uuid": uuid_})
    drv.close()


def test_guest_gets_its_tap_with_the_ports_mac_and_mtu(driver, guest_image_source):
    port_id = str(uuid.uuid4())
    devname = "tap" + port_id[:11]
    guest = instance("vif-guest")
    guest["flavor"]["memory_mb"] = 256
    guest["network_info"] = [{
        "port_id": port_id, "network_id": "net", "network_name": "private",
        "mac": "fa:16:3e:5a:0b:01", "mtu": 1400, "vif_type": "bridge",
        "devname": devname, "preexisting": False, "tag": None,
        "fixed_ips": [{"ip_address": "10.9.0.5", "subnet_id": "s", "version": 4,
                       "cidr": "10.9.0.0/24", "gateway_ip": "10.9.0.1",
                       "dns_nameservers": []}]}]
    assert _link(devname) is None
    driver.spawn(guest, guest_image_source)
    try:
        xml = driver._lookup(guest["uuid"]).domain.XMLDesc(0)
        (nic,) = config.find_interfaces(xml)
        assert nic == {"mac": "fa:16:3e:5a:0b:01", "target": devname, "mtu": 1400}
        link = _link(devname)
        assert link is not None, f"no {devname} on the host while the guest runs"
        assert link["mtu"] == 1400
        # the host side of the tap is not the guest's MAC (the guest's is inside)
        assert link["address"] != "fa:16:3e:5a:0b:01"
    finally:
        driver.destroy(guest)
    assert _link(devname) is None


def _wait(predicate, timeout=30.0):
    import time
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_a_nic_hot_plugged_into_a_running_guest_and_out(driver, guest_image_source):
    port_id = str(uuid.uuid4())
    devname = "tap" + port_id[:11]
    guest = instance("hotplug-guest")
    guest["flavor"]["memory_mb"] = 256
    item = {"port_id": port_id, "network_id": "net", "mac": "fa:16:3e:5a:0b:02",
            "mtu": 1450, "devname": devname, "fixed_ips": []}
    driver.spawn(guest, guest_image_source)
    try:
        # hot-plug is the guest kernel's business (ACPI): let it boot first
        assert _wait(lambda: "sovra-test-image: ready" in
                     driver.get_console_output(guest), timeout=90)
        domain = driver._lookup(guest["uuid"]).domain
        driver.attach_interface(guest, item)
        assert _link(devname)["mtu"] == 1450
        assert config.find_interfaces(domain.XMLDesc(0)) == [
            {"mac": "fa:16:3e:5a:0b:02", "target": devname, "mtu": 1450}]
        inactive = domain.XMLDesc(driver.lv.VIR_DOMAIN_XML_INACTIVE)
        assert [i["mac"] for i in config.find_interfaces(inactive)] == [item["mac"]]
        driver.detach_interface(guest, item)
        inactive = domain.XMLDesc(driver.lv.VIR_DOMAIN_XML_INACTIVE)
        assert config.find_interfaces(inactive) == []
        # the live NIC goes once the guest lets go of it (ACPI hot-unplug)
        assert _wait(lambda: _link(devname) is None), \
            f"{devname} still there: the guest did not release the NIC"
        assert config.find_interfaces(domain.XMLDesc(0)) == []
    finally:
        driver.destroy(guest)
