"""The libvirt driver's parts that need no daemon: domain XML, config drive, image
cache and disks (with the real qemu-img), host facts."""

import base64
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from sovra_compute.virt import driver as virt
from sovra_compute.virt.libvirt import config, configdrive, imagebackend
from sovra_compute.virt.libvirt import host as libvirt_host

UUID = "4a3e0f43-6f0d-4d1e-9a59-0c1b5b0c9d21"


def _guest_config(**overrides):
    values = dict(uuid=UUID, display_name="web <1>", host="node1", vcpus=2,
                  memory_mb=256, virt_type="qemu", console_log="/i/console.log",
                  disks=(config.Disk("/i/disk", "vda"),
                         config.Disk("/i/disk.config", "hdd", format="raw", bus="ide",
                                     device="cdrom", readonly=True)))
    values.update(overrides)
    return config.GuestConfig(**values)


def test_domain_xml_says_what_the_server_is():
    root = ET.fromstring(_guest_config().to_xml())
    assert root.get("type") == "qemu"
    assert root.findtext("name") == f"sovra-{UUID}"
    assert root.findtext("uuid") == UUID
    assert root.findtext("title") == "web <1>"  # escaped, not injected
    assert root.find("memory").get("unit") == "MiB" and root.findtext("memory") == "256"
    assert root.findtext("vcpu") == "2"
    assert root.find("cpu") is None  # TCG: QEMU's own CPU model
    disks = root.findall("devices/disk")
    assert [(d.get("device"), d.find("target").get("dev"), d.find("target").get("bus"),
             d.find("driver").get("type")) for d in disks] == [
        ("disk", "vda", "virtio", "qcow2"), ("cdrom", "hdd", "ide", "raw")]
    assert disks[1].find("readonly") is not None
    log = root.find("devices/serial/log")
    assert log.get("file") == "/i/console.log" and log.get("append") == "on"
    assert {e.get("name"): e.text for e in root.findall("sysinfo/system/entry")}[
        "serial"] == UUID


def test_domain_xml_under_kvm_asks_for_the_host_cpu():
    root = ET.fromstring(_guest_config(virt_type="kvm", cpu_mode="host-model").to_xml())
    assert root.get("type") == "kvm" and root.find("cpu").get("mode") == "host-model"


def test_owner_host_reads_sovra_metadata_only():
    assert config.owner_host(_guest_config(host="node7").to_xml()) == "node7"
    assert config.owner_host("<domain><name>other</name></domain>") is None


def _iso_file(iso, path):
    return subprocess.run(["isoinfo", "-i", str(iso), "-R", "-x", path],
                          capture_output=True, check=True).stdout


def test_config_drive_holds_the_openstack_layout(tmp_path):
    instance = {"uuid": UUID, "name": "My Web_Server", "key_name": "k1",
                "metadata": {"role": "web"}, "availability_zone": None,
                "project_id": "p1"}
    iso = tmp_path / "disk.config"
    configdrive.build(str(iso), instance, key_data="ssh-ed25519 AAAA k1",
                      user_data=base64.b64encode(b"#!/bin/sh\necho hi\n").decode())
    label = subprocess.run(["isoinfo", "-d", "-i", str(iso)], capture_output=True,
                           text=True, check=True).stdout
    assert "Volume id: config-2" in label
    meta = json.loads(_iso_file(iso, "/openstack/latest/meta_data.json"))
    assert meta["uuid"] == UUID and meta["name"] == "My Web_Server"
    assert meta["hostname"] == "my-web-server"  # derived from the name
    configdrive.build(str(iso), dict(instance, hostname="web1.example.org"))
    assert json.loads(_iso_file(iso, "/openstack/latest/meta_data.json"))[
        "hostname"] == "web1.example.org"  # chosen (2.90)
    configdrive.build(str(iso), instance, key_data="ssh-ed25519 AAAA k1",
                      user_data=base64.b64encode(b"#!/bin/sh\necho hi\n").decode())
    assert meta["public_keys"] == {"k1": "ssh-ed25519 AAAA k1"}
    assert meta["meta"] == {"role": "web"} and meta["availability_zone"] == "nova"
    assert _iso_file(iso, "/openstack/latest/user_data") == b"#!/bin/sh\necho hi\n"
    network = json.loads(_iso_file(iso, "/openstack/latest/network_data.json"))
    assert network == {"links": [], "networks": [], "services": []}


def test_config_drive_refuses_bad_user_data(tmp_path):
    with pytest.raises(virt.VirtDriverError):
        configdrive.build(str(tmp_path / "d"), {"uuid": UUID, "name": "x"},
                          user_data="not base64!")


def _qcow2(tmp_path, name="img.qcow2", size="64M", backing=None):
    path = tmp_path / name
    args = ["qemu-img", "create", "-q", "-f", "qcow2"]
    if backing:
        args += ["-F", "raw", "-b", str(backing)]
    subprocess.run([*args, str(path), size], check=True)
    return path


def _source(path, image_id="11111111-2222-3333-4444-555555555555", disk_format="qcow2",
            fetches=None, corrupt=False):
    data = path.read_bytes()

    def fetch(out):
        if fetches is not None:
            fetches.append(1)
        if corrupt:  # what the image client raises when the hash does not match
            out.write(data[:100])
            raise virt.VirtDriverError(reason="hash mismatch")
        out.write(data)
        return len(data)
    meta = {"id": image_id, "disk_format": disk_format, "size": len(data),
            "os_hash_algo": "sha512", "os_hash_value": hashlib.sha512(data).hexdigest()}
    return virt.ImageSource(meta=meta, fetch=fetch)


def test_image_is_fetched_once_per_node_even_concurrently(tmp_path):
    cache = imagebackend.ImageCache(str(tmp_path / "_base"))
    fetches = []
    source = _source(_qcow2(tmp_path), fetches=fetches)
    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.fetch(source)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fetches) == 1 and len({r.path for r in results}) == 1
    cached = results[0]
    assert cached.format == "qcow2" and cached.virtual_size == 64 * 1024 ** 2
    assert sorted(p.name for p in (tmp_path / "_base").iterdir()) == [
        source.meta["id"], f"{source.meta['id']}.json", f"{source.meta['id']}.lock"]
    # the image service now says other bytes: the stale base is not reused
    changed = virt.ImageSource(meta=dict(source.meta, os_hash_value="0" * 128),
                               fetch=source.fetch)
    cache.fetch(changed)
    assert len(fetches) == 2


@pytest.mark.parametrize("case", ["backing file", "wrong format", "corrupt", "iso"])
def test_unbootable_images_leave_nothing_in_the_cache(tmp_path, case):
    raw = tmp_path / "base.raw"
    raw.write_bytes(b"\0" * 1024 * 1024)
    if case == "backing file":
        source = _source(_qcow2(tmp_path, backing=raw))
    elif case == "wrong format":  # says raw, is qcow2
        source = _source(_qcow2(tmp_path), disk_format="raw")
    elif case == "corrupt":
        source = _source(_qcow2(tmp_path), corrupt=True)
    else:
        source = _source(raw, disk_format="iso")
    cache = imagebackend.ImageCache(str(tmp_path / "_base"))
    with pytest.raises(virt.VirtDriverError):
        cache.fetch(source)
    leftovers = [p.name for p in (tmp_path / "_base").iterdir()
                 if not p.name.endswith(".lock")]
    assert leftovers == []


def test_overlay_has_the_flavor_size_and_the_base_behind_it(tmp_path):
    cache = imagebackend.ImageCache(str(tmp_path / "_base"), force_raw=True)
    base = cache.fetch(_source(_qcow2(tmp_path)))
    assert base.format == "raw"
    disk = tmp_path / "disk"
    imagebackend.create_overlay(base, str(disk), root_gb=1)
    info = json.loads(imagebackend.qemu_img("info", "--output=json", str(disk)))
    assert info["virtual-size"] == 1024 ** 3
    assert info["backing-filename"] == base.path and info["backing-filename-format"] == "raw"
    with pytest.raises(virt.VirtDriverError, match="smaller than the image"):
        big = imagebackend.CachedImage(base.path, "raw", 2 * 1024 ** 3)
        imagebackend.create_overlay(big, str(tmp_path / "disk2"), root_gb=1)
    exported = tmp_path / "export.qcow2"
    imagebackend.export_disk(str(disk), str(exported))
    info = json.loads(imagebackend.qemu_img("info", "--output=json", str(exported)))
    assert "backing-filename" not in info and info["format"] == "qcow2"


def test_cpu_traits_only_under_kvm(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor: 0\nflags\t\t: fpu sse4_2 avx2 aes madeup\n")
    kvm = libvirt_host.cpu_traits("kvm", str(cpuinfo))
    assert {"HW_CPU_X86_SSE42", "HW_CPU_X86_AVX2", "HW_CPU_X86_AESNI"} <= set(kvm)
    assert not [t for t in kvm if "MADEUP" in t or "FPU" in t]
    assert "COMPUTE_IMAGE_TYPE_QCOW2" in kvm
    tcg = libvirt_host.cpu_traits("qemu", str(cpuinfo))
    assert not [t for t in tcg if t.startswith("HW_CPU_X86_")]
    assert "COMPUTE_IMAGE_TYPE_QCOW2" in tcg


def test_host_inventory_is_the_real_host(tmp_path):
    inventory = libvirt_host.host_inventory(str(tmp_path))
    with open("/proc/meminfo") as fh:
        meminfo = dict(line.split(":", 1) for line in fh)
    assert inventory["MEMORY_MB"] == int(meminfo["MemTotal"].split()[0]) // 1024
    assert inventory["VCPU"] >= 1 and inventory["DISK_GB"] >= 1


def test_console_output_is_read_from_the_log_tail(tmp_path, monkeypatch):
    from sovra_compute.virt.libvirt import driver as libvirt_driver

    drv = object.__new__(libvirt_driver.LibvirtDriver)
    drv.instances_path = str(tmp_path)
    monkeypatch.setattr(drv, "_lookup", lambda uuid: None, raising=False)
    (tmp_path / UUID).mkdir()
    log = tmp_path / UUID / "console.log"
    log.write_bytes(b"x" * (libvirt_driver.CONSOLE_TAIL_BYTES + 10) + b"\0end \xff\n")
    out = drv.get_console_output({"uuid": UUID})
    assert out.endswith("end \ufffd\n") and len(out) <= libvirt_driver.CONSOLE_TAIL_BYTES
    assert "\0" not in out


def _cached_node(tmp_path, *image_ids):
    """An instances path whose cache holds ``image_ids`` (real qcow2 bases)."""
    instances = tmp_path / "instances"
    cache = imagebackend.ImageCache(str(instances / "_base"))
    image = _qcow2(tmp_path)
    bases = {image_id: cache.fetch(_source(image, image_id=image_id))
             for image_id in image_ids}
    return instances, cache, bases


def _in_use(instances, cache):
    return lambda: imagebackend.bases_in_use(str(instances), cache.base_dir)


def _age(path, seconds):
    """Last used ``seconds`` ago: the file (and a base's record) dated back."""
    then = time.time() - seconds
    for each in (path, f"{path}.json"):
        if os.path.exists(each):
            os.utime(each, (then, then))


def test_unused_bases_leave_the_cache_after_their_minimum_age(tmp_path):
    instances, cache, bases = _cached_node(tmp_path, "img-disk", "img-kept", "img-old",
                                           "img-recent")
    server = instances / "5e1d1a9e-0000-4000-8000-000000000001"
    server.mkdir()
    imagebackend.create_overlay(bases["img-disk"], str(server / "disk"), root_gb=1)
    reverted = instances / "5e1d1a9e-0000-4000-8000-000000000002"
    reverted.mkdir()  # only the disk kept for a resize's revert is made from it
    imagebackend.create_overlay(bases["img-kept"], str(reverted / "disk.resize-backup"),
                                root_gb=1)
    (reverted / "console.log").write_text("not a disk")
    day = 86400
    for image_id in ("img-disk", "img-kept", "img-old"):
        _age(bases[image_id].path, 2 * day)
    # a download a killed agent left behind, of a base now unused
    stale_part = instances / "_base" / ".img-old.0123abcd.part"
    stale_part.write_bytes(b"half an image")
    _age(stale_part, 2 * day)

    assert imagebackend.bases_in_use(str(instances), cache.base_dir) == {
        "img-disk", "img-kept"}
    assert cache.remove_unused(_in_use(instances, cache), min_age=day) == ["img-old"]
    left = sorted(p.name for p in (instances / "_base").iterdir())
    assert left == ["img-disk", "img-disk.json", "img-disk.lock",
                    "img-kept", "img-kept.json", "img-kept.lock",
                    "img-old.lock",  # the lock stays: another agent may hold it open
                    "img-recent", "img-recent.json", "img-recent.lock"]
    # the disks still open on their bases
    imagebackend.qemu_img("info", "--backing-chain", str(server / "disk"))
    # once unused long enough, the rest go too
    shutil.rmtree(server)
    shutil.rmtree(reverted)
    assert cache.remove_unused(_in_use(instances, cache), min_age=day) == [
        "img-disk", "img-kept"]
    assert cache.remove_unused(_in_use(instances, cache), min_age=0) == ["img-recent"]


def test_a_cache_hit_is_a_use_that_renews_the_base(tmp_path):
    instances, cache, bases = _cached_node(tmp_path, "img-a")
    _age(bases["img-a"].path, 3600)
    fetches = []
    again = cache.fetch(_source(_qcow2(tmp_path), image_id="img-a", fetches=fetches))
    assert fetches == [] and again == bases["img-a"]  # not downloaded again
    assert cache.remove_unused(_in_use(instances, cache), min_age=600) == []
    assert os.path.exists(bases["img-a"].path)


def test_a_base_held_by_a_spawn_or_a_download_is_left(tmp_path):
    instances, cache, bases = _cached_node(tmp_path, "img-a")
    source = _source(_qcow2(tmp_path), image_id="img-a")
    holding, release, removed = threading.Event(), threading.Event(), []

    def spawn():  # between the look-up and its disk, the base must stay
        with cache.fetched(source) as base:
            holding.set()
            release.wait(10)
            server = instances / "5e1d1a9e-0000-4000-8000-000000000003"
            server.mkdir()
            imagebackend.create_overlay(base, str(server / "disk"), root_gb=1)

    thread = threading.Thread(target=spawn)
    thread.start()
    try:
        assert holding.wait(10)
        removed = cache.remove_unused(_in_use(instances, cache), min_age=0)
    finally:
        release.set()
        thread.join()
    assert removed == [] and os.path.exists(bases["img-a"].path)
    # another agent process (sharing the cache) holding the lock: left as well
    with open(os.path.join(cache.base_dir, "img-a.lock"), "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        shutil.rmtree(instances / "5e1d1a9e-0000-4000-8000-000000000003")
        assert cache.remove_unused(_in_use(instances, cache), min_age=0) == []
    assert cache.remove_unused(_in_use(instances, cache), min_age=0) == ["img-a"]


def test_a_disk_made_while_the_manager_runs_keeps_its_base(tmp_path):
    instances, cache, bases = _cached_node(tmp_path, "img-a")
    answers = []

    def in_use():  # the first scan is before the disk exists, the second after
        answers.append(imagebackend.bases_in_use(str(instances), cache.base_dir))
        if len(answers) == 1:
            server = instances / "5e1d1a9e-0000-4000-8000-000000000004"
            server.mkdir()
            imagebackend.create_overlay(bases["img-a"], str(server / "disk"), root_gb=1)
        return answers[-1]

    assert cache.remove_unused(in_use, min_age=0) == []
    assert answers == [set(), {"img-a"}]


def test_backing_file_is_read_from_the_qcow2_header(tmp_path):
    raw = tmp_path / "base.raw"
    raw.write_bytes(b"\0" * 1024 * 1024)
    assert imagebackend.backing_file(str(raw)) is None
    assert imagebackend.backing_file(str(_qcow2(tmp_path, "plain.qcow2"))) is None
    overlay = _qcow2(tmp_path, "overlay.qcow2", backing=raw)
    assert imagebackend.backing_file(str(overlay)) == str(raw)
    sub = tmp_path / "sub"
    sub.mkdir()
    relative = sub / "rel.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                    "../base.raw", str(relative), "1M"], check=True)
    assert imagebackend.backing_file(str(relative)) == str(raw)
    assert imagebackend.backing_file(str(tmp_path / "missing")) is None
