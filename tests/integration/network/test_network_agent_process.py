"""sovra-network-agent as its own process: configured by a file, SIGKILLed, restarted.

One node of a lab (namespaces), the network API over HTTP; the agent process has a
bus and a coordinator of its own (lite-mode backends), so it learns of changes by
its periodic resync and by watching for taps, not by the API's casts.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from integration.network import network_lab

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces)")

AGENT = os.path.join(os.path.dirname(sys.executable), "sovra-network-agent")


class AgentProcess:
    def __init__(self, lab, node):
        self.lab, self.log = lab, os.path.join(lab.tmp, f"agent-{node}.log")
        self.config = os.path.join(lab.tmp, f"agent-{node}.conf")
        with open(self.config, "w") as f:
            f.write(f"""[messaging]
transport_url = sovra-inproc:///agent-{lab.prefix}
[service_auth]
auth_type = admin_token
endpoint = {lab.url}
token = admin
[network_agent]
host = {lab.host(node)}
node_namespace = {lab.node_ns(node)}
namespace_prefix = {lab.node_ns(node)}-
tunneling_ip = {lab.NODES[node]}
state_dir = {lab.state_dir(node)}
network_endpoint = {lab.url}
resync_interval = 2
""")
        self.proc = None

    def start(self):
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen([AGENT, "--config-file", self.config],
                                         stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def signal(self, sig):
        self.proc.send_signal(sig)
        return self.proc.wait(30)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def tail(self):
        with open(self.log) as f:
            return f.read()[-3000:]


def _wait(predicate, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_a_killed_agent_process_leaves_traffic_alone_and_cleans_up_after_restart(
        tmp_path):
    lab = network_lab.Lab(tmp_path)
    agent = None
    try:
        lab.build_underlay().start_api()
        agent = AgentProcess(lab, "n1").start()
        net = lab.client.create_network(name="pnet")
        lab.client.create_subnet(net["id"], "10.20.0.0/24")
        guests = []
        for name in ("a", "c"):
            port = lab.client.create_port(net["id"], device_owner="compute:nova", **{
                "binding:host_id": lab.host("n1")})
            guest = lab.guest(name, "n1", port)
            started = time.monotonic()
            assert guest.dhcp(), agent.tail()
            print(f"agent process: tap created -> lease {time.monotonic() - started:.2f} s")
            guests.append(guest)
        a, c = guests
        assert a.ping_eventually(c.lease["ip"])
        _wait(lambda: lab.client.get_port(a.port["id"])["status"] == "ACTIVE",
              what="port ACTIVE")

        assert agent.signal(signal.SIGKILL) == -signal.SIGKILL
        # no agent: the data plane, dnsmasq included, goes on
        assert a.ping(c.lease["ip"]) and c.ping(a.lease["ip"])
        assert a.dhcp(attempts=5)
        c.unplug()
        lab.client.delete_port(c.port["id"])

        agent.start()
        hosts = os.path.join(lab.state_dir("n1"), net["id"], "host")

        def c_forgotten():
            with open(hosts) as f:
                return c.port["mac_address"] not in f.read()
        _wait(c_forgotten, what="the deleted port's DHCP entry to go")
        assert a.dhcp(attempts=5)
        dhcp_ip = lab.client.list_ports(network_id=net["id"], device_owner="network:dhcp")[
            0]["fixed_ips"][0]["ip_address"]
        assert a.ping(dhcp_ip)

        lab.client.delete_port(a.port["id"])
        a.unplug()
        lab.client.delete_network(net["id"])
        _wait(lambda: not any(n.startswith(f"{lab.node_ns('n1')}-qdhcp-")
                              for n in lab.namespaces()), what="the DHCP namespace to go")
        _wait(lambda: "brq" + net["id"][:11] not in lab.links("n1"), what="the bridge")
        assert not os.path.exists(os.path.dirname(hosts))
        assert agent.signal(signal.SIGTERM) == 0, agent.tail()
    finally:
        if agent is not None:
            agent.stop()
        lab.close()
