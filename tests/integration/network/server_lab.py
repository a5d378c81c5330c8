"""Servers on the network lab: compute with the libvirt driver on the lab's two
nodes, for the end-to-end tests (test_network_servers.py) and the benchmark
(tests/benchmarks/bench_network.py --libvirt). As root, with libvirtd running.

- the nodes: network_lab's (two network namespaces on an underlay, VXLAN between
  them), each with a network agent in its namespace and a compute agent with the
  libvirt driver whose [compute] host is the node's host name (its ports are
  bound there);
- one process: identity, placement, image, compute (API, conductor, the two
  agents), compute's metadata API and the network API (compute_network_cloud), on
  one in-process bus; the network agents relay guests' metadata requests
  (169.254.169.254 in the DHCP namespace) to compute's metadata API;
- libvirtd makes a guest's tap (``tap<port id[:11]>``) in the host's namespace: a
  watcher (TapMover) moves it into its node's namespace once libvirt has set it
  up (on a real node, the host's namespace is the node's).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "functional" / "compute"))

import libvirt  # noqa: E402
from compute_cloud import (  # noqa: E402
    ADMIN_PASSWORD,
    SERVICE_PASSWORD,
    _free_port,
    _load,
)
from compute_network_cloud import start_network_cloud  # noqa: E402
from integration.network import network_lab  # noqa: E402
from keystoneauth1 import session as ks_session  # noqa: E402
from keystoneauth1.identity import v3  # noqa: E402

from sovra_compute.cmd import metadata as metadata_cmd  # noqa: E402
from sovra_compute.virt import driver as virt  # noqa: E402
from sovra_compute.virt.libvirt.driver import LibvirtDriver  # noqa: E402
from sovra_network.client import NetworkClient  # noqa: E402
from sovra_network.cmd import agent as agent_cmd  # noqa: E402

SECRET = "metadata-proxy-secret-for-the-test"
PREFIX = "sovra-test-image: "


class TapMover:
    """Moves the taps libvirt makes in this namespace for the ports bound to the
    lab's nodes into those nodes' namespaces, once their guest runs (libvirt sets
    a tap up, then its MTU, then starts QEMU: moved earlier, the start fails)."""

    def __init__(self, lab, client, libvirt_uri, interval=0.1):
        self.lab, self.client, self.interval = lab, client, interval
        self.libvirt_uri = libvirt_uri
        self.moved = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.hosts = {lab.host(node): node for node in lab.NODES}

    def _running_taps(self, conn) -> set[str]:
        taps = set()
        for domain in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_RUNNING):
            with contextlib.suppress(libvirt.libvirtError):  # gone meanwhile
                taps.update(re.findall(r"<target dev='(tap[0-9a-f-]{11})'",
                                       domain.XMLDesc(0)))
        return taps

    def _run(self):
        pattern = re.compile(r"^\d+: (tap[0-9a-f-]{11})[:@]")
        conn = None
        while not self.stopping.wait(self.interval):
            out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True,
                                 text=True).stdout
            taps = {m.group(1) for m in map(pattern.match, out.splitlines()) if m}
            taps -= set(self.moved)
            if not taps:
                continue
            try:
                conn = conn if conn is not None else libvirt.openReadOnly(
                    self.libvirt_uri)
                taps &= self._running_taps(conn)
            except libvirt.libvirtError:
                conn = None  # libvirtd restarted: reconnect at the next round
                continue
            if not taps:
                continue
            for port in self.client.list_ports():
                tap = "tap" + port["id"][:11]
                node = self.hosts.get(port.get("binding:host_id"))
                if tap in taps and node:
                    done = subprocess.run(["ip", "link", "set", tap, "netns",
                                           self.lab.node_ns(node)], capture_output=True)
                    if done.returncode == 0:
                        self.moved[tap] = time.monotonic()
        if conn is not None:
            conn.close()

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.thread.join()


def _client(cloud, user, password, project) -> NetworkClient:
    auth = v3.Password(auth_url=cloud.auth_url, username=user, password=password,
                       project_name=project, user_domain_id="default",
                       project_domain_id="default")
    return NetworkClient(ks_session.Session(auth=auth),
                         endpoint_override=cloud.network_url)


class ServerLab:
    """``start()`` it, ``close()`` it (whatever start got to). ``admin``: a
    NetworkClient as the cloud's admin (also ``lab.client``); ``cloud.connect()``:
    an openstacksdk connection."""

    def __init__(self, tmp: Path, libvirt_uri: str, compute_extra: str = ""):
        self.tmp, self.libvirt_uri = Path(tmp), libvirt_uri
        self.compute_extra = compute_extra
        (self.tmp / "lab").mkdir(parents=True)
        self.lab = network_lab.Lab(self.tmp / "lab")
        self.instances = tempfile.mkdtemp(prefix="sovra-netservers-", dir="/tmp")
        os.chmod(self.instances, 0o755)  # QEMU (another user) opens the disks in it
        self.cloud = self.metadata = self.mover = self.admin = None
        self._resources = None

    def start(self) -> ServerLab:
        lab = self.lab
        lab.build_underlay()

        def make_driver(host):
            return LibvirtDriver(host=host, connection_uri=self.libvirt_uri,
                                 instances_path=os.path.join(self.instances, host),
                                 clean_shutdown_timeout=5)
        cloud_dir = self.tmp / "cloud"
        cloud_dir.mkdir()
        self.cloud = start_network_cloud(
            cloud_dir, compute_extra="vif_plugging_timeout = 180\n" + self.compute_extra,
            hosts=tuple(lab.host(n) for n in lab.NODES), make_driver=make_driver,
            bus=lab.bus)
        md_file = cloud_dir / "sovra-metadata.conf"
        md_file.write_text(f"[metadata]\nproxy_shared_secret = {SECRET}\n"
                           f"bind_host = 127.0.0.1\nbind_port = {_free_port()}\n")
        self.metadata = metadata_cmd.COMPONENT.start(
            _load(metadata_cmd.COMPONENT, cloud_dir / "sovra.conf",
                  cloud_dir / "sovra-compute.conf", md_file), self.cloud.resources)
        self._resources = types.SimpleNamespace(
            coordinator=self.cloud.resources.coordinator)
        for node in lab.NODES:
            self.start_agent(node)
        self.admin = lab.client = _client(self.cloud, "admin", ADMIN_PASSWORD, "admin")
        self.mover = TapMover(lab, self.admin, self.libvirt_uri).start()
        return self

    def start_agent(self, node):
        """(Re)start ``node``'s network agent, with the service's credentials."""
        conf = self.lab.agent_conf(node, metadata_proxy_shared_secret=SECRET,
                                   metadata_url=self.metadata.url)
        client = _client(self.cloud, "neutron", SERVICE_PASSWORD, "service")
        running = agent_cmd.COMPONENT.start(conf, self._resources, client=client)
        self.lab.agents[node] = running
        assert running.agent.synced.wait(30), running.agent.last_error
        return running

    def driver(self, node):
        return self.cloud.drivers[self.lab.host(node)]

    def console(self, node, server_id) -> list[str]:
        """The guest's console lines ([] while it has no guest yet)."""
        try:
            text = self.driver(node).get_console_output({"uuid": server_id})
        except virt.InstanceNotFound:
            return []
        return text.replace("\r", "").split("\n")

    def wait_console(self, node, server_id, line, timeout) -> float:
        """``time.monotonic()`` once ``line`` is a whole line of the console."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if line in self.console(node, server_id):
                return time.monotonic()
            time.sleep(0.5)
        raise AssertionError(f"{server_id}: no {line!r} within {timeout} s:\n"
                             + "\n".join(self.console(node, server_id)[-60:]))

    def boot_times(self, conn, servers, timeout=300, poll=0.2):
        """{name: (create -> ACTIVE, create -> first DHCP lease)} in seconds, for
        ``servers`` {name: (server id, node, created at (monotonic))}: both
        watched at once for every server."""
        times = {name: [None, None] for name in servers}
        deadline = time.monotonic() + timeout
        while any(None in t for t in times.values()):
            assert time.monotonic() < deadline, (times, {
                name: self.console(node, sid)[-20:]
                for name, (sid, node, _) in servers.items()})
            for name, (server_id, node, created) in servers.items():
                if times[name][0] is None:
                    status = conn.compute.get_server(server_id).status
                    assert status != "ERROR", f"{name} went to ERROR"
                    if status == "ACTIVE":
                        times[name][0] = time.monotonic() - created
                if times[name][1] is None and any(
                        line.startswith(PREFIX + "eth0 address=")
                        for line in self.console(node, server_id)):
                    times[name][1] = time.monotonic() - created
            time.sleep(poll)
        return {name: tuple(t) for name, t in times.items()}

    def close(self):
        if self.mover is not None:
            self.mover.stop()
        for node in list(self.lab.agents):
            self.lab.stop_agent(node)
        if self.cloud is not None:
            self.cloud.stop()
            for driver in self.cloud.drivers.values():
                with contextlib.suppress(Exception):  # libvirtd may be gone
                    for leftover in driver.list_instances():
                        driver.destroy({"uuid": leftover})
                driver.close()
        if self.metadata is not None:
            self.metadata.stop()
        self.lab.close()
        shutil.rmtree(self.instances, ignore_errors=True)
