"""The libvirt host: one connection to the daemon, its lifecycle events, and what
the host is (domain type that really works, capacity, CPU traits)."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import threading
import time
import uuid as uuidlib
import xml.etree.ElementTree as ET

import os_traits

from sovra_compute.virt import driver as virt

LOG = logging.getLogger(__name__)

# libvirt's event loop is process-wide by libvirt's design: registered once, before
# the first connection that wants events, and run by one thread for every Host.
_EVENT_LOOP_LOCK = threading.Lock()
_event_loop_thread: threading.Thread | None = None

# Traits every libvirt node has (the driver boots these image types on virtio).
_DRIVER_TRAITS = ("COMPUTE_IMAGE_TYPE_QCOW2", "COMPUTE_IMAGE_TYPE_RAW",
                  "COMPUTE_STORAGE_BUS_VIRTIO", "COMPUTE_NET_VIF_MODEL_VIRTIO")
# /proc/cpuinfo flags whose os-traits name is not HW_CPU_X86_<FLAG>
_CPU_FLAG_TRAITS = {"sse4_1": "HW_CPU_X86_SSE41", "sse4_2": "HW_CPU_X86_SSE42",
                    "pclmulqdq": "HW_CPU_X86_CLMUL", "aes": "HW_CPU_X86_AESNI"}
_KVM_PROBE_SECONDS = 5.0
KVM_PROBE_OK = b"sovra-kvm-probe: ok"
# A boot sector (without its 0x55AA signature), assembled from:
#   bits 16 / org 0x7c00
#       cli; xor ax,ax; mov ds,ax; mov ss,ax; mov sp,0x7c00
#       lgdt [gdtr]; mov eax,cr0; or eax,1; mov cr0,eax; jmp 0x08:pm
#   bits 32
#   pm: mov ax,0x10; mov ds,ax; mov es,ax; mov ss,ax; mov esp,0x7c00
#       pushfd; push dword 0x08; push dword after; iretd
#   after: mov dx,0x3f8; mov esi,msg
#   .next: lodsb; test al,al; jz .done; out dx,al; jmp .next
#   .done: hlt; jmp .done
#   msg: db "sovra-kvm-probe: ok", 10, 0
#   align 8
#   gdt: dq 0, 0x00cf9a000000ffff, 0x00cf92000000ffff   (null, code32, data32)
#   gdtr: dw 23 / dd gdt
KVM_PROBE_BOOT_SECTOR = bytes.fromhex(
    "fa31c08ed88ed0bc007c0f0116787c0f20c06683c8010f22c0ea1e7c080066b810008ed8"
    "8ec08ed0bc007c00009c6a0868367c0000cf66baf803be4a7c0000ac84c07403eeebf8f4"
    "ebfd736f7672612d6b766d2d70726f62653a206f6b0a00900000000000000000ffff0000"
    "009acf00ffff00000092cf001700607c00000000")


class LibvirtUnavailable(virt.VirtDriverError):
    message = ("Cannot use libvirt at %(uri)s: %(reason)s. Is libvirtd running? "
               "(devstack/tools/start-libvirt.sh starts it)")


def libvirt():
    """The libvirt-python module (imported on first use)."""
    try:
        return importlib.import_module("libvirt")
    except ImportError:
        raise virt.VirtDriverError(
            reason="libvirt-python is not installed (pip install 'sovra[libvirt]')"
        ) from None


def _run_event_loop(lv):
    while True:
        try:
            lv.virEventRunDefaultImpl()
        except Exception:  # never let the loop die; log and go on
            LOG.exception("libvirt event loop iteration failed")
            time.sleep(0.5)


def _ensure_event_loop(lv):
    global _event_loop_thread
    with _EVENT_LOOP_LOCK:
        if _event_loop_thread is None:
            lv.virEventRegisterDefaultImpl()
            _event_loop_thread = threading.Thread(
                target=_run_event_loop, args=(lv,), name="libvirt-events", daemon=True)
            _event_loop_thread.start()


class Host:
    """A connection to one libvirt daemon, reopened when the daemon restarts.

    ``lifecycle_listener(domain)`` is called (on libvirt's event thread) for every
    lifecycle event of every domain; the driver keeps its own.
    """

    def __init__(self, uri: str, *, lifecycle_listener=None):
        self.uri = uri
        self._listener = lifecycle_listener
        self._lock = threading.Lock()
        self._conn = None
        self.lv = libvirt()
        # errors are raised as exceptions; libvirt's default handler would also
        # print every one of them to stderr
        self.lv.registerErrorHandler(lambda _ctx, _err: None, None)
        _ensure_event_loop(self.lv)

    def connection(self):
        """The open connection (reopened if the daemon went away)."""
        with self._lock:
            if self._conn is not None:
                try:
                    if self._conn.isAlive():
                        return self._conn
                except self.lv.libvirtError:
                    pass
                LOG.warning("connection to libvirt at %s was lost; reconnecting",
                            self.uri)
                self._conn = None
            try:
                conn = self.lv.open(self.uri)
            except self.lv.libvirtError as exc:
                raise LibvirtUnavailable(uri=self.uri,
                                         reason=exc.get_error_message()) from None
            if self._listener is not None:
                conn.domainEventRegisterAny(
                    None, self.lv.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                    lambda _conn, dom, _event, _detail, _opaque: self._listener(dom),
                    None)
            self._conn = conn
            return conn

    def close(self):
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                except self.lv.libvirtError:
                    pass
                self._conn = None

    # --- what the host is ----------------------------------------------------------
    def domain_types(self) -> set[str]:
        """Domain types libvirt offers for x86_64 guests (``qemu``, ``kvm``)."""
        caps = ET.fromstring(self.connection().getCapabilities())
        return {domain.get("type")
                for guest in caps.findall("guest")
                if guest.find("arch") is not None
                and guest.find("arch").get("name") == "x86_64"
                for domain in guest.find("arch").findall("domain")}

    def detect_virt_type(self, workdir: str) -> str:
        """``kvm`` if a guest really runs under KVM here, else ``qemu``.

        Tried, not inferred: on nested or paravirtualised hosts /dev/kvm opens and
        libvirt offers kvm, yet guests die at their first mode switch (KVM cannot
        emulate an instruction and pauses them). A transient guest boots
        ``KVM_PROBE_BOOT_SECTOR``, which enters protected mode, returns through an
        iret (where such hosts fail) and prints a line on its serial port; KVM works
        if the line appears. ``workdir``: where the probe's disk and log go.
        """
        if "kvm" not in self.domain_types():
            return "qemu"
        conn = self.connection()
        tag = uuidlib.uuid4().hex[:8]
        disk = os.path.join(workdir, f".kvm-probe-{tag}.img")
        log = os.path.join(workdir, f".kvm-probe-{tag}.log")
        with open(disk, "wb") as fh:
            fh.write(KVM_PROBE_BOOT_SECTOR.ljust(510, b"\0") + b"\x55\xaa")
        xml = (f"<domain type='kvm'><name>sovra-kvm-probe-{tag}</name>"
               "<memory unit='MiB'>16</memory><vcpu>1</vcpu>"
               "<os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>"
               "<on_crash>destroy</on_crash><devices>"
               f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
               f"<source file='{disk}'/><target dev='hda' bus='ide'/></disk>"
               f"<serial type='file'><source path='{log}'/></serial>"
               "</devices></domain>")
        works = False
        try:
            dom = conn.createXML(xml, 0)
        except self.lv.libvirtError as exc:
            LOG.info("KVM guests cannot start here (%s)", exc.get_error_message())
            dom = None
        try:
            deadline = time.monotonic() + _KVM_PROBE_SECONDS
            while dom is not None and time.monotonic() < deadline:
                with contextlib.suppress(OSError):
                    with open(log, "rb") as fh:
                        if KVM_PROBE_OK in fh.read():
                            works = True
                            break
                if dom.state()[0] != self.lv.VIR_DOMAIN_RUNNING:
                    break  # paused by an emulation failure
                time.sleep(0.05)
        except self.lv.libvirtError:
            works = False
        finally:
            if dom is not None:
                with contextlib.suppress(self.lv.libvirtError):
                    dom.destroy()
            for path in (disk, log):
                with contextlib.suppress(OSError):
                    os.unlink(path)
        if not works:
            LOG.warning("KVM is offered but a KVM guest does not run on this host: "
                        "guests run under QEMU TCG emulation (slow)")
        return "kvm" if works else "qemu"

    def supports_direct_io(self, path: str) -> bool:
        """True if files under ``path`` can be opened with O_DIRECT (cache=none)."""
        probe = os.path.join(path, f".directio-{uuidlib.uuid4().hex[:8]}")
        try:
            fd = os.open(probe, os.O_CREAT | os.O_WRONLY | getattr(os, "O_DIRECT", 0))
        except OSError:
            return False
        os.close(fd)
        os.unlink(probe)
        return hasattr(os, "O_DIRECT")


def host_inventory(instances_path: str) -> dict:
    """The host's own totals: CPUs, memory and the instances filesystem.

    Memory comes from /proc/meminfo, not libvirt's node info, which on some hosts
    counts one NUMA node only.
    """
    with open("/proc/meminfo") as meminfo:
        fields = dict(line.split(":", 1) for line in meminfo if ":" in line)
    memory_mb = int(fields["MemTotal"].split()[0]) // 1024
    st = os.statvfs(instances_path)
    return {"VCPU": os.cpu_count() or 1, "MEMORY_MB": memory_mb,
            "DISK_GB": max(1, st.f_blocks * st.f_frsize // 1024 ** 3)}


def cpu_traits(virt_type: str, cpuinfo_path: str = "/proc/cpuinfo") -> list[str]:
    """Placement traits of the node.

    Under kvm guests get the host's CPU model, so its x86 feature flags become
    ``HW_CPU_X86_*`` traits; under TCG guests see QEMU's emulated CPU, not the
    host's, so no CPU feature is promised.
    """
    known = set(os_traits.get_traits())
    traits = {t for t in _DRIVER_TRAITS if t in known}
    if virt_type != "kvm":
        return sorted(traits)
    flags: set[str] = set()
    with open(cpuinfo_path) as cpuinfo:
        for line in cpuinfo:
            if line.startswith("flags"):
                flags.update(line.split(":", 1)[1].split())
                break
    for flag in flags:
        trait = _CPU_FLAG_TRAITS.get(flag, f"HW_CPU_X86_{flag.upper()}")
        if trait in known:
            traits.add(trait)
    return sorted(traits)
