"""The domain XML of a server: what libvirt is asked to run.

``GuestConfig`` holds the decisions (sizes, disks, console); ``to_xml()`` writes
them in libvirt's domain format. Nothing here talks to libvirt.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

#: the namespace of Sovra's own data in <metadata> (which node owns the guest...)
METADATA_NS = "https://sovra.dev/xmlns/libvirt/instance/1.0"
DOMAIN_PREFIX = "sovra-"


def domain_name(instance_uuid: str) -> str:
    return f"{DOMAIN_PREFIX}{instance_uuid}"


@dataclasses.dataclass(frozen=True)
class NetworkSource:
    """A disk served over the network (``<disk type='network'>``): NBD export
    ``name`` on ``host``:``port``."""
    protocol: str                  # nbd
    name: str                      # the export's name
    host: str
    port: int


@dataclasses.dataclass(frozen=True)
class Disk:
    path: str                      # a file; "" for a network disk
    target: str                    # vda, vdb, hda...
    format: str = "qcow2"          # qcow2, raw
    bus: str = "virtio"            # virtio, ide, sata
    device: str = "disk"           # disk, cdrom
    readonly: bool = False
    cache: str = "none"
    serial: str | None = None      # a volume's id
    network: NetworkSource | None = None  # set: a network disk, not the file path


@dataclasses.dataclass(frozen=True)
class Interface:
    """A NIC on a host tap (``<interface type='ethernet'>``): libvirt creates the
    tap ``target`` (and removes it with the guest); the network agent enslaves it
    to its network's bridge."""
    mac: str
    target: str                    # tap<port id[:11]>
    mtu: int | None = None
    model: str = "virtio"


@dataclasses.dataclass(frozen=True)
class GuestConfig:
    uuid: str
    display_name: str
    host: str                      # the compute node that owns the guest
    vcpus: int
    memory_mb: int
    virt_type: str                 # kvm or qemu
    disks: tuple[Disk, ...]
    console_log: str
    machine_type: str = "pc"
    cpu_mode: str | None = None    # host-model, host-passthrough, None: QEMU's default
    flavor_name: str = ""
    project_id: str = ""
    user_id: str = ""
    interfaces: tuple[Interface, ...] = ()

    def to_xml(self) -> str:
        dom = ET.Element("domain", type=self.virt_type)
        ET.SubElement(dom, "name").text = domain_name(self.uuid)
        ET.SubElement(dom, "uuid").text = self.uuid
        ET.SubElement(dom, "title").text = self.display_name
        self._metadata(ET.SubElement(dom, "metadata"))
        ET.SubElement(dom, "memory", unit="MiB").text = str(self.memory_mb)
        ET.SubElement(dom, "vcpu").text = str(self.vcpus)
        self._sysinfo(ET.SubElement(dom, "sysinfo", type="smbios"))
        os_ = ET.SubElement(dom, "os")
        ET.SubElement(os_, "type", arch="x86_64", machine=self.machine_type).text = "hvm"
        ET.SubElement(os_, "boot", dev="hd")
        ET.SubElement(os_, "smbios", mode="sysinfo")
        features = ET.SubElement(dom, "features")
        ET.SubElement(features, "acpi")
        ET.SubElement(features, "apic")
        if self.cpu_mode:
            ET.SubElement(dom, "cpu", mode=self.cpu_mode)
        ET.SubElement(dom, "clock", offset="utc")
        ET.SubElement(dom, "on_poweroff").text = "destroy"
        ET.SubElement(dom, "on_reboot").text = "restart"
        ET.SubElement(dom, "on_crash").text = "destroy"
        devices = ET.SubElement(dom, "devices")
        for disk in self.disks:
            self._disk(devices, disk)
        for interface in self.interfaces:
            self._interface(devices, interface)
        serial = ET.SubElement(devices, "serial", type="pty")
        # virtlogd writes the console to the file; append: a restart keeps history
        ET.SubElement(serial, "log", file=self.console_log, append="on")
        ET.SubElement(serial, "target", port="0")
        console = ET.SubElement(devices, "console", type="pty")
        ET.SubElement(console, "target", type="serial", port="0")
        balloon = ET.SubElement(devices, "memballoon", model="virtio")
        ET.SubElement(balloon, "stats", period="10")
        rng = ET.SubElement(devices, "rng", model="virtio")
        ET.SubElement(rng, "backend", model="random").text = "/dev/urandom"
        return ET.tostring(dom, encoding="unicode")

    def _metadata(self, parent):
        ET.register_namespace("sovra", METADATA_NS)
        ns = f"{{{METADATA_NS}}}"
        instance = ET.SubElement(parent, f"{ns}instance")
        ET.SubElement(instance, f"{ns}host").text = self.host
        ET.SubElement(instance, f"{ns}name").text = self.display_name
        ET.SubElement(instance, f"{ns}flavor", name=self.flavor_name,
                      vcpus=str(self.vcpus), memory_mb=str(self.memory_mb))
        ET.SubElement(instance, f"{ns}owner", project=self.project_id,
                      user=self.user_id)

    def _sysinfo(self, parent):
        system = ET.SubElement(parent, "system")
        for name, value in (("manufacturer", "Sovra"), ("product", "Sovra Compute"),
                            ("serial", self.uuid), ("uuid", self.uuid)):
            ET.SubElement(system, "entry", name=name).text = value

    @staticmethod
    def _disk(devices, disk: Disk):
        kind = "file" if disk.network is None else "network"
        element = ET.SubElement(devices, "disk", type=kind, device=disk.device)
        ET.SubElement(element, "driver", name="qemu", type=disk.format, cache=disk.cache)
        if disk.network is None:
            ET.SubElement(element, "source", file=disk.path)
        else:
            source = ET.SubElement(element, "source", protocol=disk.network.protocol,
                                   name=disk.network.name)
            ET.SubElement(source, "host", name=disk.network.host,
                          port=str(disk.network.port))
        ET.SubElement(element, "target", dev=disk.target, bus=disk.bus)
        if disk.readonly:
            ET.SubElement(element, "readonly")
        if disk.serial:
            ET.SubElement(element, "serial").text = disk.serial
        return element


    @staticmethod
    def _interface(devices, interface: Interface):
        element = ET.SubElement(devices, "interface", type="ethernet")
        ET.SubElement(element, "mac", address=interface.mac)
        ET.SubElement(element, "target", dev=interface.target)
        ET.SubElement(element, "model", type=interface.model)
        if interface.mtu:
            ET.SubElement(element, "mtu", size=str(interface.mtu))
        return element


def interface_xml(interface: Interface) -> str:
    """One ``<interface>`` device, as attachDeviceFlags takes it."""
    holder = ET.Element("devices")
    return ET.tostring(GuestConfig._interface(holder, interface), encoding="unicode")


def find_interfaces(domain_xml: str) -> list[dict]:
    """The domain's NICs: ``{"mac", "target", "mtu"}`` each (mtu None if unset)."""
    root = ET.fromstring(domain_xml)
    found = []
    for element in root.findall("devices/interface"):
        mac, target, mtu = (element.find(tag) for tag in ("mac", "target", "mtu"))
        found.append({"mac": mac.get("address") if mac is not None else None,
                      "target": target.get("dev") if target is not None else None,
                      "mtu": int(mtu.get("size")) if mtu is not None else None})
    return found


def disk_xml(disk: Disk) -> str:
    """One ``<disk>`` device, as attachDeviceFlags takes it."""
    holder = ET.Element("devices")
    return ET.tostring(GuestConfig._disk(holder, disk), encoding="unicode")


def find_disk(domain_xml: str, target: str) -> str | None:
    """The ``<disk>`` element of the domain whose target is ``target`` (vdb...),
    as XML; None if it has none."""
    root = ET.fromstring(domain_xml)
    for element in root.findall("devices/disk"):
        found = element.find("target")
        if found is not None and found.get("dev") == target:
            return ET.tostring(element, encoding="unicode")
    return None


def owner_host(domain_xml: str) -> str | None:
    """The compute node named in a domain's Sovra metadata (None: not ours)."""
    root = ET.fromstring(domain_xml)
    host = root.find(f"metadata/{{{METADATA_NS}}}instance/{{{METADATA_NS}}}host")
    return host.text if host is not None else None
