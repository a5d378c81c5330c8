"""The host's libvirtd (the libvirt_uri fixture) runs a QEMU guest under TCG."""

import secrets
import time
import xml.etree.ElementTree as ET

import libvirt

# define is bounded, not benchmarked: ~0.02 s with /dev/kvm usable by group kvm,
# ~44 s when it is 0600 root:root (libvirt then re-probes QEMU on every call)
DEFINE_LIMIT_S = 5.0


def _tiny_domain_xml(name, serial_log):
    # No disk, no network: SeaBIOS finds nothing to boot and keeps trying, which is
    # a running guest for as long as the test needs one.
    return f"""
<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <on_poweroff>destroy</on_poweroff>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='file'><source path='{serial_log}'/><target port='0'/></serial>
  </devices>
</domain>
"""


def test_capabilities_offer_qemu_domains(libvirt_uri):
    conn = libvirt.open(libvirt_uri)
    try:
        caps = ET.fromstring(conn.getCapabilities())
    finally:
        conn.close()
    offered = {(guest.find("arch").get("name"), domain.get("type"))
               for guest in caps.iter("guest")
               for domain in guest.iterfind("arch/domain")}
    assert ("x86_64", "qemu") in offered, offered


def test_tiny_tcg_guest_defines_fast_and_runs(libvirt_uri, tmp_path):
    name = f"sovra-test-{secrets.token_hex(4)}"
    # libvirtd opens the file and hands QEMU (user libvirt-qemu) the descriptor
    serial_log = tmp_path / "serial.log"
    conn = libvirt.open(libvirt_uri)
    dom = None
    try:
        started = time.monotonic()
        dom = conn.defineXML(_tiny_domain_xml(name, serial_log))
        define_s = time.monotonic() - started
        print(f"define took {define_s * 1000:.0f} ms")
        assert define_s < DEFINE_LIMIT_S, f"define took {define_s:.1f} s"

        dom.create()
        state, _reason = dom.state()
        assert state == libvirt.VIR_DOMAIN_RUNNING
        assert dom.isActive()
        assert conn.lookupByName(name).UUIDString() == dom.UUIDString()
        assert serial_log.exists()
    finally:
        if dom is not None:
            if dom.isActive():
                dom.destroy()
            dom.undefine()
        conn.close()
    conn = libvirt.open(libvirt_uri)
    try:
        assert name not in [d.name() for d in conn.listAllDomains()]
    finally:
        conn.close()
