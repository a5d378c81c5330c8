"""LibvirtDriver: the VirtDriver contract on a libvirt daemon.

Each server is a persistent domain ``sovra-<uuid>`` whose metadata names the node
that owns it (several agents may share one libvirt daemon: each sees only its own
guests), and a directory ``<instances_path>/<uuid>/`` with its disk (a qcow2
overlay on the cached image; the agent's image cache manager removes bases no such
disk is made from any longer), its config drive (only when
``instance["config_drive"]``) and its console log. Deleting the server removes all
of them. Volumes are files outside it (storage shared with the block backend) or
NBD exports QEMU reaches over the network, plugged as virtio disks (volume.py); a
volume-backed server boots from its volume at vda and has no local disk.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

from sovra_compute.virt import driver as virt
from sovra_compute.virt.libvirt import config, configdrive, imagebackend, vif, volume
from sovra_compute.virt.libvirt import host as libvirt_host
from sovra_compute.virt.libvirt.guest import Guest, translated

LOG = logging.getLogger(__name__)

CONSOLE_TAIL_BYTES = 256 * 1024
_BACKUP_TIMEOUT = 3600


class LibvirtDriver(virt.VirtDriver):
    def __init__(self, *, host: str, connection_uri: str, instances_path: str,
                 virt_type: str = "auto", force_raw_images: bool = False,
                 clean_shutdown_timeout: float = 60, machine_type: str = "pc",
                 cpu_mode: str = "auto", disk_cachemode: str = "auto",
                 volume_detach_timeout: float = 30,
                 remove_unused_base_images: bool = True,
                 unused_base_min_age: float = 86400):
        self.node = host
        self.remove_unused_base_images = remove_unused_base_images
        self.unused_base_min_age = unused_base_min_age
        self.volume_detach_timeout = volume_detach_timeout
        self.instances_path = os.path.abspath(instances_path)
        self.clean_shutdown_timeout = clean_shutdown_timeout
        self.machine_type = machine_type
        self._listener: virt.EventListener | None = None
        self._host = libvirt_host.Host(connection_uri,
                                       lifecycle_listener=self._on_lifecycle)
        self.lv = self._host.lv
        self._host.connection()  # refuse to start when libvirt is unreachable
        if not os.path.isdir(self.instances_path):
            os.makedirs(self.instances_path)
            os.chmod(self.instances_path, 0o755)  # QEMU's user traverses it (any umask)
        self.virt_type = (self._host.detect_virt_type(self.instances_path)
                          if virt_type == "auto"
                          else virt_type)
        if cpu_mode == "auto":
            cpu_mode = "host-model" if self.virt_type == "kvm" else "none"
        self.cpu_mode = None if cpu_mode == "none" else cpu_mode
        if disk_cachemode == "auto":
            disk_cachemode = ("none" if self._host.supports_direct_io(self.instances_path)
                              else "writethrough")
        self.disk_cachemode = disk_cachemode
        self._images = imagebackend.ImageCache(
            os.path.join(self.instances_path, "_base"), force_raw=force_raw_images)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        LOG.info("libvirt driver for node %s: %s guests, instances in %s",
                 host, self.virt_type, self.instances_path)

    @classmethod
    def from_conf(cls, conf):
        opts = conf.libvirt
        return cls(host=conf.compute.host, connection_uri=opts.connection_uri,
                   instances_path=opts.instances_path, virt_type=opts.virt_type,
                   force_raw_images=opts.force_raw_images,
                   clean_shutdown_timeout=opts.clean_shutdown_timeout,
                   machine_type=opts.machine_type, cpu_mode=opts.cpu_mode,
                   disk_cachemode=opts.disk_cachemode,
                   volume_detach_timeout=opts.volume_detach_timeout,
                   remove_unused_base_images=conf.image_cache.remove_unused_base_images,
                   unused_base_min_age=conf.image_cache
                   .remove_unused_original_minimum_age_seconds)

    def close(self):
        self._host.close()

    # --- where things are ------------------------------------------------------------
    def instance_dir(self, uuid: str) -> str:
        return os.path.join(self.instances_path, uuid)

    def _paths(self, uuid: str) -> dict:
        folder = self.instance_dir(uuid)
        return {"disk": os.path.join(folder, "disk"),
                "resize_backup": os.path.join(folder, "disk.resize-backup"),
                "config": os.path.join(folder, "disk.config"),
                "console": os.path.join(folder, "console.log")}

    @contextlib.contextmanager
    def _locked(self, uuid: str):
        with self._locks_guard:
            lock = self._locks.setdefault(uuid, threading.Lock())
        with lock:
            yield

    def _lookup(self, uuid: str) -> Guest:
        """This node's guest of ``uuid``; InstanceNotFound if there is none."""
        conn = self._host.connection()
        with translated(self.lv, uuid):
            domain = conn.lookupByUUIDString(uuid)
            if config.owner_host(domain.XMLDesc(0)) != self.node:
                raise virt.InstanceNotFound(uuid=uuid)
        return Guest(self.lv, domain)

    def _on_lifecycle(self, domain):
        listener = self._listener
        if listener is None:
            return
        try:
            if domain.name().startswith(config.DOMAIN_PREFIX):
                listener(domain.UUIDString())
        except Exception:  # never raise into libvirt's event loop
            LOG.exception("lifecycle event listener failed")

    # --- the host --------------------------------------------------------------------
    def get_inventory(self):
        return libvirt_host.host_inventory(self.instances_path)

    def get_traits(self):
        return libvirt_host.cpu_traits(self.virt_type)

    def set_event_listener(self, listener):
        self._listener = listener

    def manage_image_cache(self):
        if self.remove_unused_base_images:
            self._images.remove_unused(
                lambda: imagebackend.bases_in_use(self.instances_path,
                                                  self._images.base_dir),
                self.unused_base_min_age)

    def list_instances(self):
        conn = self._host.connection()
        uuids = []
        with translated(self.lv, "*"):
            domains = conn.listAllDomains(0)
        for domain in domains:
            try:
                if domain.name().startswith(config.DOMAIN_PREFIX) and \
                        config.owner_host(domain.XMLDesc(0)) == self.node:
                    uuids.append(domain.UUIDString())
            except self.lv.libvirtError:
                continue  # undefined meanwhile
        return uuids

    # --- lifecycle -------------------------------------------------------------------
    def guest_config(self, instance: dict) -> config.GuestConfig:
        paths = self._paths(instance["uuid"])
        flavor = instance["flavor"]
        volumes = [volume.disk(b["connection_info"], b["device_name"],
                               self.disk_cachemode)
                   for b in volume.plugged(instance)]  # the boot volume first
        if volume.boot_volume(instance) is not None:
            if not volumes or volumes[0].target != "vda":
                raise virt.VirtDriverError(reason="the boot volume is not connected")
            root, volumes = volumes[0], volumes[1:]
        else:
            root = config.Disk(paths["disk"], "vda", cache=self.disk_cachemode)
        disks = [root]
        if instance.get("config_drive"):
            disks.append(config.Disk(paths["config"], "hdd", format="raw", bus="ide",
                                     device="cdrom", readonly=True,
                                     cache=self.disk_cachemode))
        disks = (*disks, *volumes)
        return config.GuestConfig(
            uuid=instance["uuid"], display_name=instance["name"], host=self.node,
            vcpus=flavor["vcpus"], memory_mb=flavor["memory_mb"],
            virt_type=self.virt_type, disks=disks, console_log=paths["console"],
            machine_type=self.machine_type, cpu_mode=self.cpu_mode,
            flavor_name=flavor.get("name", ""), project_id=instance.get("project_id", ""),
            user_id=instance.get("user_id", ""), interfaces=vif.interfaces(instance))

    def spawn(self, instance, image, *, key_data=None, user_data=None):
        uuid = instance["uuid"]
        boot = volume.boot_volume(instance)
        if boot is None and image is None:
            raise virt.VirtDriverError(reason="the libvirt driver boots from an image "
                                              "or a volume")
        if boot is not None and not boot.get("connection_info"):
            raise virt.VirtDriverError(reason="the boot volume is not connected")
        with self._locked(uuid):
            with contextlib.suppress(virt.InstanceNotFound):
                self._lookup(uuid)
                raise virt.VirtDriverError(reason=f"instance {uuid} already exists")
            paths = self._paths(uuid)
            domain = None
            try:
                shutil.rmtree(self.instance_dir(uuid), ignore_errors=True)
                os.makedirs(self.instance_dir(uuid))
                os.chmod(self.instance_dir(uuid), 0o755)  # whatever the umask
                if boot is None:
                    with self._images.fetched(image) as base:
                        imagebackend.create_overlay(
                            base, paths["disk"], instance["flavor"].get("root_gb", 0))
                if instance.get("config_drive"):
                    configdrive.build(paths["config"], instance, key_data=key_data,
                                      user_data=user_data)
                xml = self.guest_config(instance).to_xml()
                conn = self._host.connection()
                with translated(self.lv, uuid):
                    domain = conn.defineXML(xml)
                    domain.createWithFlags(0)
            except BaseException as exc:
                LOG.warning("spawn of %s failed, cleaning up: %s", uuid, exc)
                if domain is not None:
                    guest = Guest(self.lv, domain)
                    with contextlib.suppress(virt.VirtDriverError):
                        guest.destroy()
                    with contextlib.suppress(virt.VirtDriverError):
                        guest.undefine()
                shutil.rmtree(self.instance_dir(uuid), ignore_errors=True)
                if isinstance(exc, virt.VirtDriverError) or \
                        not isinstance(exc, Exception):
                    raise
                raise virt.VirtDriverError(reason=str(exc)) from exc

    def destroy(self, instance):
        uuid = instance["uuid"]
        with self._locked(uuid):
            try:
                guest = self._lookup(uuid)
            except virt.InstanceNotFound:
                guest = None
            if guest is not None:
                guest.destroy()
                guest.undefine()
            shutil.rmtree(self.instance_dir(uuid), ignore_errors=True)

    # --- resize ----------------------------------------------------------------------
    def _define(self, instance: dict, flavor: dict) -> None:
        conn = self._host.connection()
        with translated(self.lv, instance["uuid"]):
            conn.defineXML(self.guest_config(dict(instance, flavor=flavor)).to_xml())

    def _stop_for_change(self, guest: Guest) -> bool:
        """Stop the guest (cleanly if it answers); True if it was running."""
        running = guest.is_active()
        if running and (guest.power_state == virt.PAUSED or
                        not guest.shutdown(self.clean_shutdown_timeout)):
            guest.destroy()
        return running

    def resize(self, instance, flavor):
        uuid = instance["uuid"]
        old = instance["flavor"]
        local = volume.boot_volume(instance) is None
        if local and flavor.get("root_gb", 0) < old.get("root_gb", 0):
            raise virt.VirtDriverError(
                reason=f"the root disk cannot shrink from {old.get('root_gb')} GB to "
                       f"{flavor.get('root_gb')} GB")
        with self._locked(uuid):
            guest = self._lookup(uuid)
            paths = self._paths(uuid)
            running = self._stop_for_change(guest)
            if local:
                shutil.copyfile(paths["disk"], paths["resize_backup"])
            try:
                if local and flavor.get("root_gb", 0) > old.get("root_gb", 0):
                    imagebackend.qemu_img("resize", "-q", "-f", "qcow2", paths["disk"],
                                          str(flavor["root_gb"] * imagebackend.GiB))
                self._define(instance, flavor)
                if running:
                    guest.start()
            except BaseException:  # back as it was: old disk, old definition
                if local:
                    os.replace(paths["resize_backup"], paths["disk"])
                with contextlib.suppress(virt.VirtDriverError):
                    self._define(instance, old)
                    if running and not guest.is_active():
                        guest.start()
                raise

    def migrate_disk_and_power_off(self, instance, upload):
        """The guest shut down (kept defined, its files kept) and its root disk
        exported as one standalone qcow2 (``snapshot`` of a stopped guest): its
        only local disk (this driver makes no ephemeral or swap disk). A
        volume-backed guest has no root disk here: it is only shut down."""
        self.power_off(instance)
        if volume.boot_volume(instance) is None:
            self.snapshot(instance, upload)

    def confirm_resize(self, instance):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._paths(instance["uuid"])["resize_backup"])

    def revert_resize(self, instance, flavor):
        uuid = instance["uuid"]
        with self._locked(uuid):
            guest = self._lookup(uuid)
            paths = self._paths(uuid)
            running = self._stop_for_change(guest)
            if os.path.exists(paths["resize_backup"]):
                os.replace(paths["resize_backup"], paths["disk"])
            self._define(instance, flavor)
            if running:
                guest.start()

    def _require(self, guest: Guest, operation: str, *states: int) -> None:
        state = guest.power_state
        if state not in states:
            raise virt.VirtDriverError(
                reason=f"cannot {operation} a guest in power state {state}")

    def power_off(self, instance):
        with self._locked(instance["uuid"]):
            guest = self._lookup(instance["uuid"])
            if guest.power_state == virt.PAUSED:
                guest.destroy()  # a frozen guest cannot answer the power button
            elif not guest.shutdown(self.clean_shutdown_timeout):
                guest.destroy()

    def power_on(self, instance):
        with self._locked(instance["uuid"]):
            guest = self._lookup(instance["uuid"])
            if not guest.is_active():
                guest.start()

    def reboot(self, instance, reboot_type="SOFT"):
        with self._locked(instance["uuid"]):
            guest = self._lookup(instance["uuid"])
            if reboot_type == "SOFT" and guest.power_state == virt.RUNNING and \
                    guest.shutdown(self.clean_shutdown_timeout):
                guest.start()
                return
            # hard (or a soft one the guest did not answer): off, and boot again
            guest.destroy()
            guest.start()

    def pause(self, instance):
        with self._locked(instance["uuid"]):
            guest = self._lookup(instance["uuid"])
            self._require(guest, "pause", virt.RUNNING)
            guest.pause()

    def unpause(self, instance):
        with self._locked(instance["uuid"]):
            guest = self._lookup(instance["uuid"])
            self._require(guest, "unpause", virt.PAUSED)
            guest.unpause()

    def suspend(self, instance):
        with self._locked(instance["uuid"]):
            guest = self._lookup(instance["uuid"])
            self._require(guest, "suspend", virt.RUNNING)
            guest.save()

    def resume(self, instance):
        with self._locked(instance["uuid"]):
            guest = self._lookup(instance["uuid"])
            self._require(guest, "resume", virt.SUSPENDED)
            guest.start()

    def get_info(self, instance):
        return self._lookup(instance["uuid"]).info()

    def get_console_output(self, instance):
        self._lookup(instance["uuid"])
        path = self._paths(instance["uuid"])["console"]
        try:
            with open(path, "rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - CONSOLE_TAIL_BYTES))
                data = log.read()
        except FileNotFoundError:
            return ""
        except OSError as exc:
            raise virt.VirtDriverError(reason=f"cannot read the console log: {exc}") \
                from None
        return data.replace(b"\0", b"").decode("utf-8", errors="replace")

    # --- volumes ---------------------------------------------------------------------
    def _affect(self, guest: Guest) -> int:
        lv = self.lv
        return lv.VIR_DOMAIN_AFFECT_CONFIG | (
            lv.VIR_DOMAIN_AFFECT_LIVE if guest.is_active() else 0)

    def attach_volume(self, instance, connection_info, device_name):
        uuid = instance["uuid"]
        disk = volume.disk(connection_info, device_name, self.disk_cachemode)
        with self._locked(uuid):
            guest = self._lookup(uuid)
            if config.find_disk(guest.xml(), disk.target) is not None:
                raise virt.VirtDriverError(reason=f"{device_name} is in use")
            with translated(self.lv, uuid):
                guest.domain.attachDeviceFlags(config.disk_xml(disk),
                                               self._affect(guest))
        LOG.info("volume %s plugged into %s as %s", disk.serial, uuid, disk.target)

    def attach_interface(self, instance, vif_):
        uuid = instance["uuid"]
        nic = vif.interface(vif_)
        with self._locked(uuid):
            guest = self._lookup(uuid)
            if any(i["mac"] == nic.mac for i in config.find_interfaces(guest.xml())):
                raise virt.VirtDriverError(reason=f"MAC {nic.mac} is in use")
            with translated(self.lv, uuid):
                guest.domain.attachDeviceFlags(config.interface_xml(nic),
                                               self._affect(guest))
        LOG.info("NIC %s (%s) plugged into %s", nic.target, nic.mac, uuid)

    def detach_interface(self, instance, vif_):
        uuid = instance["uuid"]
        nic = vif.interface(vif_)
        lv = self.lv
        with self._locked(uuid):
            try:
                guest = self._lookup(uuid)
            except virt.InstanceNotFound:
                return
            xml = config.interface_xml(nic)
            if guest.is_active() and any(
                    i["mac"] == nic.mac for i in config.find_interfaces(guest.xml())):
                with translated(lv, uuid):
                    guest.domain.detachDeviceFlags(xml, lv.VIR_DOMAIN_AFFECT_LIVE)
            with translated(lv, uuid):
                persistent = guest.domain.XMLDesc(lv.VIR_DOMAIN_XML_INACTIVE)
                if any(i["mac"] == nic.mac for i in config.find_interfaces(persistent)):
                    guest.domain.detachDeviceFlags(xml, lv.VIR_DOMAIN_AFFECT_CONFIG)
        LOG.info("NIC %s (%s) unplugged from %s", nic.target, nic.mac, uuid)

    def detach_volume(self, instance, connection_info, device_name):
        uuid = instance["uuid"]
        target = volume.target(device_name)
        lv = self.lv
        with self._locked(uuid):
            try:
                guest = self._lookup(uuid)
            except virt.InstanceNotFound:
                return
            if guest.is_active():
                live = config.find_disk(guest.xml(), target)
                if live is not None:
                    with translated(lv, uuid):
                        guest.domain.detachDeviceFlags(live, lv.VIR_DOMAIN_AFFECT_LIVE)
                    self._wait_released(guest, target)
            with translated(lv, uuid):
                persistent = config.find_disk(
                    guest.domain.XMLDesc(lv.VIR_DOMAIN_XML_INACTIVE), target)
                if persistent is not None:
                    guest.domain.detachDeviceFlags(persistent,
                                                   lv.VIR_DOMAIN_AFFECT_CONFIG)
        LOG.info("volume at %s unplugged from %s", target, uuid)

    def extend_volume(self, instance, connection_info, device_name, new_size):
        uuid = instance["uuid"]
        target = volume.target(device_name)
        lv = self.lv
        with self._locked(uuid):
            guest = self._lookup(uuid)
            if config.find_disk(guest.xml(), target) is None:
                raise virt.VirtDriverError(reason=f"no volume at {device_name}")
            if connection_info.get("driver_volume_type") == "nbd":
                # QEMU's NBD client learns an export's size when it connects and
                # refuses to grow the node ("Cannot grow NBD nodes")
                raise virt.VirtDriverError(reason=f"the NBD disk {target} cannot "
                                                  "grow while plugged")
            if not guest.is_active():
                return  # QEMU opens the grown volume when the guest starts
            with translated(lv, uuid):
                capacity = guest.domain.blockInfo(target, 0)[0]
                if new_size < capacity:
                    raise virt.VirtDriverError(
                        reason=f"{target} cannot shrink from {capacity} to "
                               f"{new_size} bytes")
                # QEMU's block_resize: the volume (grown by block storage) keeps
                # its bytes, and virtio tells the guest its disk's new capacity
                guest.domain.blockResize(target, new_size,
                                         lv.VIR_DOMAIN_BLOCK_RESIZE_BYTES)
        LOG.info("volume at %s of %s extended to %d bytes", target, uuid, new_size)

    def _wait_released(self, guest: Guest, target: str) -> None:
        """Wait until the running guest let ``target`` go (QEMU removes the device
        when the guest OS acknowledges the unplug)."""
        deadline = time.monotonic() + self.volume_detach_timeout
        while guest.is_active() and config.find_disk(guest.xml(), target) is not None:
            if time.monotonic() > deadline:
                raise virt.VirtDriverError(
                    reason=f"the guest did not release {target} within "
                           f"{self.volume_detach_timeout:g} s: the volume stays "
                           "attached (is the guest OS up and does it handle PCI "
                           "hot-unplug?)")
            time.sleep(0.1)

    # --- snapshots -------------------------------------------------------------------
    def snapshot(self, instance, upload):
        uuid = instance["uuid"]
        if volume.boot_volume(instance) is not None:
            raise virt.VirtDriverError(reason="the root disk of a volume-backed server "
                                              "is a volume: snapshot the volume")
        with self._locked(uuid):
            guest = self._lookup(uuid)
            disk = self._paths(uuid)["disk"]
            workdir = tempfile.mkdtemp(prefix=".snapshot-", dir=self.instance_dir(uuid))
            os.chmod(workdir, 0o755)  # QEMU (its own user) writes the backup there
            try:
                image = os.path.join(workdir, "image.qcow2")
                if guest.is_active():
                    copy = os.path.join(workdir, "backup.qcow2")
                    self._backup(guest, copy)
                    imagebackend.export_disk(copy, image)  # compact, standalone
                else:
                    imagebackend.export_disk(disk, image)
            except BaseException:
                shutil.rmtree(workdir, ignore_errors=True)
                raise
        try:  # the upload runs without the guest's lock: other operations go on
            with open(image, "rb") as data:
                upload(data, "qcow2")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _backup(self, guest: Guest, target: str) -> None:
        """A point-in-time copy of the running guest's root disk (libvirt's push
        backup: QEMU copies the disk as it was when the job began while the guest
        keeps running)."""
        backup = ET.Element("domainbackup")
        disks = ET.SubElement(backup, "disks")
        disk = ET.SubElement(disks, "disk", name="vda", type="file")
        ET.SubElement(disk, "target", file=target)
        ET.SubElement(disk, "driver", type="qcow2")
        for cdrom in ET.fromstring(guest.domain.XMLDesc(0)).iterfind(
                "devices/disk[@device='cdrom']/target"):  # the config drive, if any
            ET.SubElement(disks, "disk", name=cdrom.get("dev"), backup="no")
        lv = self.lv
        with translated(lv, guest.uuid):
            guest.domain.backupBegin(ET.tostring(backup, encoding="unicode"), None, 0)
            deadline = time.monotonic() + _BACKUP_TIMEOUT
            while guest.domain.jobStats(0).get("type", lv.VIR_DOMAIN_JOB_NONE) \
                    != lv.VIR_DOMAIN_JOB_NONE:
                if time.monotonic() > deadline:
                    with contextlib.suppress(lv.libvirtError):
                        guest.domain.abortJob()
                    raise virt.VirtDriverError(reason="disk backup timed out")
                time.sleep(0.05)
            done = guest.domain.jobStats(lv.VIR_DOMAIN_JOB_STATS_COMPLETED)
        if done.get("type") != lv.VIR_DOMAIN_JOB_COMPLETED:
            raise virt.VirtDriverError(
                reason=f"disk backup failed: {done.get('errmsg', done.get('type'))}")
