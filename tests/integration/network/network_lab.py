"""A two-node network lab in network namespaces, for the network agent's tests.

Everything lives in namespaces named ``<prefix>...`` (a fresh prefix per lab) and
a temp dir; ``Lab.close()`` removes all of it, and kills only the processes the
lab's agents started (dnsmasq, found by the agents' own pid files).

- ``<prefix>ul``: the underlay, a bridge joining the nodes' ``eth0`` (192.0.2.0/24,
  VXLAN) and one joining their ``eth1`` (flat network ``physnet1``)
- ``<prefix>n1``, ``<prefix>n2``: the nodes; each agent's data plane lives there
  (AgentSettings.node_namespace) with namespace_prefix ``<prefix><node>-``; both
  may serve DHCP, n1 is elected (first host name)
- ``<prefix>g<name>``: guests, whose ``eth0`` is the peer of a veth named like the
  tap compute would create (``tap<port id[:11]>``), with the port's MAC
- ``<prefix>x<name>``: hosts outside the cloud on physnet1 (the ``ul1`` bridge),
  which record the source addresses of the packets they receive
- the network API (noauth, SQLite, a private in-process bus) over HTTP on
  127.0.0.1, and one in-process coordinator shared by the API and the agents
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
import types
import uuid

from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint

from sovra_common.cmd import manage
from sovra_common.coordination import inprocess
from sovra_common.wsgi import deploy
from sovra_common.wsgi.server import ApiServer
from sovra_network import conf as network_conf
from sovra_network.agent import dhcp
from sovra_network.api import app as network_app
from sovra_network.client import NetworkClient
from sovra_network.cmd import agent as agent_cmd
from sovra_network.db import DATABASE

UDHCPC_SCRIPT = """#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
    env | grep -E '^(ip|mask|router|mtu|dns|lease|staticroutes|hostname)=' > "$LEASE_FILE"
    ;;
esac
exit 0
"""


def run(argv, check=True, timeout=60):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{argv}: exit {proc.returncode}: {proc.stderr}")
    return proc


def netns(name, *argv, check=True, timeout=60):
    return run(["ip", "netns", "exec", name, *argv], check=check, timeout=timeout)


class Guest:
    def __init__(self, lab, name, node, port):
        self.lab, self.node, self.port = lab, node, port
        self.ns = f"{lab.prefix}g{name}"
        self.tap = "tap" + port["id"][:11]
        self.lease = {}

    def plug(self):
        """What compute does for a VM: a tap in the node, the guest's NIC behind it."""
        run(["ip", "netns", "add", self.ns])
        run(["ip", "-n", self.lab.node_ns(self.node), "link", "add", self.tap, "type",
             "veth", "peer", "name", "eth0", "netns", self.ns])
        run(["ip", "-n", self.ns, "link", "set", "eth0", "address",
             self.port["mac_address"]])
        run(["ip", "-n", self.ns, "link", "set", "eth0", "up"])
        run(["ip", "-n", self.ns, "link", "set", "lo", "up"])
        return self

    def dhcp(self, attempts=20):
        """Run busybox udhcpc until it has a lease (or gives up); returns the lease's
        variables (ip, mask, router, mtu, ...), {} if none."""
        lease_file = os.path.join(self.lab.tmp, f"{self.ns}.lease")
        if os.path.exists(lease_file):
            os.unlink(lease_file)
        netns(self.ns, "env", f"LEASE_FILE={lease_file}", "busybox", "udhcpc", "-i",
              "eth0", "-s", self.lab.udhcpc_script, "-q", "-n", "-t", str(attempts),
              "-T", "1", "-A", "1", "-O", "mtu", "-O", "staticroutes",
              check=False, timeout=attempts * 3 + 10)
        if not os.path.exists(lease_file):
            return {}
        with open(lease_file) as f:
            self.lease = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        return self.lease

    def ping(self, address, count=1, wait=1, source=None):
        argv = ["ping", "-n", "-c", str(count), "-W", str(wait)]
        if source:
            argv += ["-I", source]
        return netns(self.ns, *argv, address, check=False).returncode == 0

    def ping_eventually(self, address, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping(address):
                return True
        return False

    def serve_tcp(self, port, text="hello"):
        """A one-shot TCP server (busybox nc) sending ``text``; returns the process."""
        proc = subprocess.Popen(["ip", "netns", "exec", self.ns, "busybox", "nc", "-l",
                                 "-p", str(port)], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                text=True)
        proc.stdin.write(text + "\n")
        proc.stdin.flush()
        time.sleep(0.2)
        return proc

    def tcp_read(self, address, port, timeout=2):
        """What a TCP connection to ``address:port`` receives ("" if none)."""
        return netns(self.ns, "busybox", "nc", "-w", str(timeout), address, str(port),
                     check=False, timeout=timeout + 10).stdout.strip()

    def unplug(self):
        run(["ip", "-n", self.lab.node_ns(self.node), "link", "del", self.tap],
            check=False)
        run(["ip", "netns", "delete", self.ns], check=False)


PROBE = """table ip probe {
  set seen { type ipv4_addr; flags dynamic; size 4096; }
  chain input {
    type filter hook input priority 0; policy accept;
    add @seen { ip saddr }
  }
}
"""


class ExternalHost(Guest):
    """A host outside the cloud on the flat physical network physnet1 (the
    underlay's ``ul1`` bridge): ``eth0`` with ``address`` (ip/len) and, when given,
    a default route via ``gateway``. ``seen()``: the sources of the IPv4 packets it
    received since ``forget()``."""

    def __init__(self, lab, name, address, gateway=None):
        self.lab, self.address, self.gateway = lab, address, gateway
        self.ns = f"{lab.prefix}x{name}"
        self.uplink = f"x{name}"
        self.port, self.lease = None, {}

    def plug(self):
        ul = f"{self.lab.prefix}ul"
        run(["ip", "netns", "add", self.ns])
        run(["ip", "-n", ul, "link", "add", self.uplink, "type", "veth", "peer", "name",
             "eth0", "netns", self.ns])
        run(["ip", "-n", ul, "link", "set", self.uplink, "master", "ul1", "up"])
        run(["ip", "-n", self.ns, "addr", "add", self.address, "dev", "eth0"])
        run(["ip", "-n", self.ns, "link", "set", "eth0", "up"])
        run(["ip", "-n", self.ns, "link", "set", "lo", "up"])
        if self.gateway:
            run(["ip", "-n", self.ns, "route", "add", "default", "via", self.gateway])
        subprocess.run(["ip", "netns", "exec", self.ns, "nft", "-f", "-"], input=PROBE,
                       text=True, check=True, capture_output=True)
        return self

    def seen(self):
        out = netns(self.ns, "nft", "-j", "list", "set", "ip", "probe", "seen").stdout
        for item in json.loads(out)["nftables"]:
            if "set" in item:
                return set(item["set"].get("elem", ()))
        return set()

    def forget(self):
        netns(self.ns, "nft", "flush", "set", "ip", "probe", "seen")

    def unplug(self):
        run(["ip", "netns", "delete", self.ns], check=False)


class Lab:
    NODES = {"n1": "192.0.2.1", "n2": "192.0.2.2"}

    def __init__(self, tmp):
        self.tmp = str(tmp)
        self.prefix = f"sv{secrets.token_hex(3)}"
        self.udhcpc_script = os.path.join(self.tmp, "udhcpc.sh")
        with open(self.udhcpc_script, "w") as f:
            f.write(UDHCPC_SCRIPT)
        os.chmod(self.udhcpc_script, 0o755)
        self.coordinator = inprocess.InProcessCoordinator(heartbeat_ttl=10)
        self.coordinator.start()
        self.bus = f"sovra-inproc:///net-{uuid.uuid4().hex}"
        self.agents = {}
        self.guests = []
        self._server = self._app = None

    # --- names -----------------------------------------------------------------------
    def node_ns(self, node):
        return f"{self.prefix}{node}"

    def host(self, node):
        return f"{self.prefix}-{node}"

    def state_dir(self, node):
        return os.path.join(self.tmp, f"state-{node}")

    # --- the underlay ----------------------------------------------------------------
    def build_underlay(self):
        ul = f"{self.prefix}ul"
        run(["ip", "netns", "add", ul])
        for bridge in ("ul0", "ul1"):
            run(["ip", "-n", ul, "link", "add", bridge, "type", "bridge"])
            run(["ip", "-n", ul, "link", "set", bridge, "up"])
        for i, (node, address) in enumerate(sorted(self.NODES.items())):
            ns = self.node_ns(node)
            run(["ip", "netns", "add", ns])
            run(["ip", "-n", ul, "link", "add", f"p{i}", "type", "veth", "peer", "name",
                 "eth0", "netns", ns])
            run(["ip", "-n", ul, "link", "set", f"p{i}", "master", "ul0", "up"])
            # eth1: the flat physical network physnet1, no address
            run(["ip", "-n", ul, "link", "add", f"f{i}", "type", "veth", "peer", "name",
                 "eth1", "netns", ns])
            run(["ip", "-n", ul, "link", "set", f"f{i}", "master", "ul1", "up"])
            run(["ip", "-n", ns, "link", "set", "eth1", "up"])
            run(["ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "eth0"])
            run(["ip", "-n", ns, "link", "set", "eth0", "up"])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
        return self

    # --- the API ---------------------------------------------------------------------
    def start_api(self):
        config = os.path.join(self.tmp, "sovra-network.conf")
        with open(config, "w") as f:
            f.write(f"[database]\nconnection = sqlite:///{self.tmp}/network.sqlite\n"
                    f"[messaging]\ntransport_url = {self.bus}\n")
        assert manage.main(["--config-file", config, "network", "db", "sync"],
                           services=[DATABASE], commands=[]) == 0
        conf = network_conf.new_conf()
        conf(args=["--config-file", config], project="sovra-network",
             default_config_files=[])
        conf.set_override("strategy", "noauth", group="auth")
        self._app = network_app.create_app(conf, coordinator=self.coordinator)
        deploy.install_middleware(self._app, conf)
        self._server = ApiServer(self._app, "127.0.0.1", 0, name="network").start()
        self.url = self._server.url
        self.client = self.new_client()
        return self

    def new_client(self):
        sess = ks_session.Session(auth=token_endpoint.Token(self.url, "admin"))
        return NetworkClient(sess, endpoint_override=self.url)

    # --- agents ----------------------------------------------------------------------
    def agent_conf(self, node, **options):
        conf = agent_cmd.COMPONENT.new_conf()
        conf(args=[], project="sovra-network", default_config_files=[])
        conf.set_override("transport_url", self.bus, group="messaging")
        values = {"host": self.host(node), "node_namespace": self.node_ns(node),
                  "namespace_prefix": f"{self.node_ns(node)}-",
                  "tunneling_ip": self.NODES[node], "state_dir": self.state_dir(node),
                  "serve_unbound_dhcp": True, "resync_interval": 30,
                  "physical_interface_mappings": ["physnet1:eth1"],
                  "firewall_table": "sovra_fw"}
        values.update(options)
        for key, value in values.items():
            conf.set_override(key, value, group="network_agent")
        return conf

    def start_agent(self, node, **options):
        resources = types.SimpleNamespace(coordinator=self.coordinator)
        running = agent_cmd.COMPONENT.start(self.agent_conf(node, **options), resources,
                                            client=self.new_client())
        self.agents[node] = running
        assert running.agent.synced.wait(30), running.agent.last_error
        return running

    def stop_agent(self, node):
        running = self.agents.pop(node, None)
        if running is not None:
            running.stop()

    def wait_synced(self, node, after=None, timeout=15.0):
        """Wait for a sync of ``node``'s agent that started after now."""
        agent = self.agents[node].agent
        count = agent.sync_count if after is None else after
        deadline = time.monotonic() + timeout
        while agent.sync_count <= count + 1 and time.monotonic() < deadline:
            agent.schedule("test")
            time.sleep(0.05)
        assert agent.sync_count > count + 1, agent.last_error

    # --- guests ----------------------------------------------------------------------
    def guest(self, name, node, port):
        guest = Guest(self, name, node, port).plug()
        self.guests.append(guest)
        return guest

    def external_host(self, name, address, gateway=None):
        host = ExternalHost(self, name, address, gateway).plug()
        self.guests.append(host)
        return host

    # --- inspection ------------------------------------------------------------------
    def links(self, node):
        out = run(["ip", "-n", self.node_ns(node), "-o", "link", "show"]).stdout
        return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}

    def namespaces(self):
        out = run(["ip", "netns", "list"]).stdout
        return {line.split()[0] for line in out.splitlines() if line.strip()}

    # --- teardown --------------------------------------------------------------------
    def close(self):
        for node in list(self.agents):
            self.stop_agent(node)
        for node in self.NODES:
            folder = self.state_dir(node)
            if os.path.isdir(folder):
                for net_id in os.listdir(folder):
                    dhcp.stop_dnsmasq(os.path.join(folder, net_id))
        for name in sorted(self.namespaces()):
            if name.startswith(self.prefix):
                run(["ip", "netns", "delete", name], check=False)
        if self._server is not None:
            self._server.stop()
            network_app.close(self._app)
        self.coordinator.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
