"""The agent's ports: made or bound at build, handed to the driver as VIFs,
waited for (network-vif-plugged), released on failure and on delete."""

import logging
import threading
import time

import oslo_messaging
import pytest
from keystoneauth1 import exceptions as ks_exc
from virt_conformance import instance

from sovra_compute.agent import events as instance_events
from sovra_compute.agent import network
from sovra_compute.agent.endpoint import ComputeAgentEndpoint
from sovra_compute.virt import fake

NET = "11111111-1111-1111-1111-111111111111"


class FakeNetworkAPI:
    """Ports and networks in memory, answering as the network API's client does
    (keystoneauth errors); ``calls`` records (method, port id, who)."""

    def __init__(self):
        self.networks = {NET: {"id": NET, "name": "private", "mtu": 1450}}
        self.ports, self.calls, self._n = {}, [], 0
        #: {floating IP id: the network API's floating IP}
        self.floating_ips = {}

    def associate(self, fip_id, address, port_id):
        port = self.ports[port_id]
        self.floating_ips[fip_id] = {
            "id": fip_id, "floating_ip_address": address, "port_id": port_id,
            "fixed_ip_address": port["fixed_ips"][0]["ip_address"]}

    def for_user(self, _ctxt):
        return _Client(self, "user")

    def service(self):
        return _Client(self, "service")

    def add_port(self, project="proj-a"):
        self._n += 1
        port_id = f"{self._n:08d}-aaaa-bbbb-cccc-000000000000"
        self.ports[port_id] = {"id": port_id, "network_id": NET, "device_id": "",
                               "device_owner": "", "binding:host_id": "",
                               "mac_address": f"fa:16:3e:00:00:{self._n:02x}",
                               "status": "DOWN", "project_id": project,
                               "fixed_ips": [{"ip_address": f"10.0.0.{10 + self._n}",
                                              "subnet_id": "sub"}]}
        return port_id


class _Client:
    def __init__(self, api, who):
        self._api, self._who = api, who

    def _port(self, port_id):
        if port_id not in self._api.ports:
            raise ks_exc.NotFound(message=f"Port {port_id} could not be found.")
        return self._api.ports[port_id]

    def get_network(self, network_id):
        return dict(self._api.networks[network_id])

    def get_port(self, port_id):
        self._api.calls.append(("get_port", port_id, self._who))
        return dict(self._port(port_id))

    def list_floating_ips(self, port_id=None):
        return [dict(f) for f in self._api.floating_ips.values()
                if port_id is None or f["port_id"] == port_id]

    def get_subnet(self, subnet_id):
        self._api.calls.append(("get_subnet", subnet_id, self._who))
        return {"id": subnet_id, "cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.1",
                "dns_nameservers": ["10.0.0.2"]}

    def create_port(self, network_id, **attrs):
        port_id = self._api.add_port()
        self._api.ports[port_id].update(attrs)
        self._api.calls.append(("create_port", port_id, self._who))
        return dict(self._api.ports[port_id])

    def bind_port(self, port_id, host, *, device_id=None, device_owner=None):
        assert self._who == "service", "binding is a service's right"
        port = self._port(port_id)
        port["binding:host_id"] = host
        if device_id is not None:
            port["device_id"] = device_id
        if device_owner is not None:
            port["device_owner"] = device_owner
        self._api.calls.append(("bind_port", port_id, self._who))
        return dict(port)

    def unbind_port(self, port_id):
        self._port(port_id).update({"binding:host_id": "", "device_id": "",
                                    "device_owner": ""})
        self._api.calls.append(("unbind_port", port_id, self._who))

    def delete_port(self, port_id):
        self._port(port_id)
        del self._api.ports[port_id]
        self._api.calls.append(("delete_port", port_id, self._who))

    def list_ports(self, device_id=None):
        return [dict(p) for p in self._api.ports.values()
                if device_id is None or p["device_id"] == device_id]


def _agent(recorder, networks, timeout=0.0, fatal=True, **driver_opts):
    driver = fake.FakeDriver(**driver_opts)
    conductor = recorder()
    agent = ComputeAgentEndpoint(
        "node1", driver, conductor,
        networking=network.Networking(networks.for_user, networks.service, "net-node1"),
        vif_plugging_timeout=timeout, vif_plugging_is_fatal=fatal)
    return agent, driver, conductor


def _with_network(**entry):
    guest = instance()
    guest["availability_zone"] = "az1"
    guest["requested_networks"] = [{"network_id": NET, "port_id": None,
                                    "fixed_ip": None, "tag": None, **entry}]
    return guest


def test_build_makes_and_binds_a_port_and_hands_its_vif_to_the_driver(recorder):
    networks = FakeNetworkAPI()
    agent, driver, conductor = _agent(recorder, networks)
    guest = _with_network(fixed_ip="10.0.0.99", tag="nic1")
    agent.build_instance(None, guest)
    assert conductor.named("build_done")
    (port,) = networks.ports.values()
    assert port["device_id"] == guest["uuid"]
    assert port["device_owner"] == "compute:az1"
    assert port["binding:host_id"] == "net-node1"
    assert port["fixed_ips"] == [{"ip_address": "10.0.0.99"}]
    assert networks.calls[:2] == [("create_port", port["id"], "user"),
                                  ("bind_port", port["id"], "service")]
    (vif,) = driver.plugged_vifs(guest["uuid"])
    assert vif["port_id"] == port["id"] and vif["mac"] == port["mac_address"]
    assert vif["mtu"] == 1450 and vif["devname"] == "tap" + port["id"][:11]
    assert vif["network_name"] == "private" and vif["tag"] == "nic1"
    assert not vif["preexisting"]
    # the conductor heard of the port as soon as it was made, then bound
    reports = [args[3] for args, _ in conductor.named("network_info_update")]
    assert [r[-1]["port_id"] for r in reports] == [port["id"], port["id"]]
    assert reports[-1][0]["network_name"] == "private"


def test_delete_deletes_made_ports_and_unbinds_given_ones(recorder):
    networks = FakeNetworkAPI()
    given = networks.add_port()
    agent, _, conductor = _agent(recorder, networks)
    guest = _with_network()
    guest["requested_networks"].append({"network_id": None, "port_id": given,
                                        "fixed_ip": None, "tag": None})
    agent.build_instance(None, guest)
    assert networks.ports[given]["device_id"] == guest["uuid"]
    assert networks.ports[given]["binding:host_id"] == "net-node1"
    assert len(networks.ports) == 2
    agent.terminate_instance(None, guest)
    assert list(networks.ports) == [given]
    assert networks.ports[given]["device_id"] == ""
    assert networks.ports[given]["binding:host_id"] == ""
    assert conductor.named("instance_destroyed")
    assert conductor.named("network_info_update")[-1][0][3] == []


def test_failed_spawn_releases_its_ports(recorder):
    networks = FakeNetworkAPI()
    given = networks.add_port()
    agent, driver, conductor = _agent(recorder, networks, fail_operations=["spawn"])
    guest = _with_network()
    guest["requested_networks"].append({"network_id": None, "port_id": given,
                                        "fixed_ip": None, "tag": None})
    agent.build_instance(None, guest)
    assert conductor.named("build_failed")
    assert list(networks.ports) == [given]
    assert networks.ports[given]["device_id"] == ""
    assert driver.list_instances() == []


def test_build_waits_for_vif_plugged_events(recorder):
    networks = FakeNetworkAPI()
    agent, _, conductor = _agent(recorder, networks, timeout=30)
    guest = _with_network()

    def plug_when_bound():
        while not any(c[0] == "bind_port" for c in networks.calls):
            time.sleep(0.01)
        time.sleep(0.1)  # the build is waiting by now (or not: either works)
        (port_id,) = networks.ports
        agent.external_instance_event(None, guest, [
            {"name": "network-vif-plugged", "tag": port_id, "status": "completed"}])
    thread = threading.Thread(target=plug_when_bound)
    thread.start()
    start = time.monotonic()
    agent.build_instance(None, guest)
    thread.join()
    assert conductor.named("build_done")
    assert time.monotonic() - start < 10


def test_ports_that_never_plug_abort_the_build(recorder):
    networks = FakeNetworkAPI()
    agent, driver, conductor = _agent(recorder, networks, timeout=0.2)
    guest = _with_network()
    agent.build_instance(None, guest)
    (args, _), = conductor.named("build_aborted")
    assert "did not become ACTIVE within 0.2 s" in args[3]
    assert not conductor.named("build_failed") and not conductor.named("build_done")
    assert networks.ports == {}
    assert driver.list_instances() == []
    (port_id,) = [c[1] for c in networks.calls if c[0] == "create_port"]
    assert port_id in args[3]


def test_a_failed_plug_event_aborts_the_build(recorder):
    networks = FakeNetworkAPI()
    agent, _, conductor = _agent(recorder, networks, timeout=30)
    guest = _with_network()
    original = networks.service

    def service():
        client = original()
        bind = client.bind_port

        def bind_then_fail(port_id, host, **kwargs):
            port = bind(port_id, host, **kwargs)
            threading.Timer(0.05, agent.external_instance_event, (None, guest, [
                {"name": "network-vif-plugged", "tag": port_id,
                 "status": "failed"}])).start()
            return port
        client.bind_port = bind_then_fail
        return client
    networks.service = service
    agent._networking = network.Networking(networks.for_user, service, "net-node1")
    agent.build_instance(None, guest)
    (args, _), = conductor.named("build_aborted")
    assert "failed to plug" in args[3]


def test_ports_that_never_plug_are_tolerated_when_not_fatal(recorder):
    networks = FakeNetworkAPI()
    agent, _, conductor = _agent(recorder, networks, timeout=0.1, fatal=False)
    agent.build_instance(None, _with_network())
    assert conductor.named("build_done")
    assert len(networks.ports) == 1


def test_events_nobody_waits_for_nor_handles_are_only_logged(recorder, caplog):
    agent, _, _ = _agent(recorder, FakeNetworkAPI())
    with caplog.at_level(logging.INFO, logger="sovra_compute.agent.endpoint"):
        agent.external_instance_event(None, instance(), [
            {"name": "network-vif-unplugged", "tag": "p1", "status": "completed"}])
    assert "network-vif-unplugged (tag p1, completed)" in caplog.text
    assert "nothing here handles it" in caplog.text


# --- floating IPs ---------------------------------------------------------------------
def test_a_given_port_with_a_floating_ip_has_it_in_its_vif(recorder):
    networks = FakeNetworkAPI()
    given = networks.add_port()
    networks.associate("fip1", "172.24.4.7", given)
    agent, driver, conductor = _agent(recorder, networks)
    guest = _with_network(network_id=None, port_id=given)
    agent.build_instance(None, guest)
    assert conductor.named("build_done")
    (vif,) = conductor.named("network_info_update")[-1][0][3]
    assert vif["floating_ips"] == [{"id": "fip1", "ip_address": "172.24.4.7",
                                    "fixed_ip_address": "10.0.0.11", "version": 4}]


def _changed(agent, guest, tag):
    agent.external_instance_event(None, guest, [
        {"name": "network-changed", "tag": tag, "status": "completed"}])


def test_network_changed_reads_the_port_again_and_reports_its_vif(recorder):
    networks = FakeNetworkAPI()
    agent, driver, conductor = _agent(recorder, networks)
    guest = _with_network(tag="nic1")
    agent.build_instance(None, guest)
    plugged = driver.plugged_vifs(guest["uuid"])
    vif = dict(plugged[0], active=True)  # as recorded once plugged
    guest["network_info"] = [vif]
    port_id = vif["port_id"]
    assert vif["floating_ips"] == []

    networks.associate("fip1", "172.24.4.7", port_id)
    _changed(agent, guest, port_id)
    (args, _), = conductor.named("vif_update")
    assert args[1:4] == (guest["uuid"], "node1", port_id)
    fresh = args[4]
    assert fresh["floating_ips"] == [{"id": "fip1", "ip_address": "172.24.4.7",
                                      "fixed_ip_address": "10.0.0.11", "version": 4}]
    # the rest as it was: what the build knew (tag, network, subnet, plugged)
    assert {k: v for k, v in fresh.items() if k != "floating_ips"} == {
        k: v for k, v in vif.items() if k != "floating_ips"}
    assert ("get_subnet", "sub", "service") not in networks.calls  # known already
    # the guest is not touched
    assert driver.plugged_vifs(guest["uuid"]) == plugged

    # reported again even if it looks the same (the event's copy may be old)
    guest["network_info"] = [fresh]
    _changed(agent, guest, port_id)
    assert conductor.named("vif_update")[-1][0][4] == fresh
    # disassociated, and a fixed IP on another subnet: read, reported
    del networks.floating_ips["fip1"]
    networks.ports[port_id]["fixed_ips"] = [{"ip_address": "10.0.1.5",
                                             "subnet_id": "sub2"}]
    _changed(agent, guest, None)  # no tag: every port of the server
    last = conductor.named("vif_update")[-1][0][4]
    assert last["floating_ips"] == []
    assert [ip["ip_address"] for ip in last["fixed_ips"]] == ["10.0.1.5"]
    assert ("get_subnet", "sub2", "service") in networks.calls


def test_network_changed_for_a_port_not_the_servers_reports_nothing(recorder):
    networks = FakeNetworkAPI()
    agent, driver, conductor = _agent(recorder, networks)
    guest = _with_network()
    agent.build_instance(None, guest)
    guest["network_info"] = driver.plugged_vifs(guest["uuid"])
    port_id = guest["network_info"][0]["port_id"]
    other = networks.add_port()
    networks.associate("fip1", "172.24.4.7", other)
    _changed(agent, guest, other)  # not one of its NICs
    networks.associate("fip2", "172.24.4.8", port_id)
    networks.ports[port_id]["device_id"] = "another-server"  # taken meanwhile
    _changed(agent, guest, port_id)
    del networks.ports[port_id]  # gone (network-vif-deleted's matter)
    _changed(agent, guest, port_id)
    assert conductor.named("vif_update") == []


def test_a_deleted_port_loses_its_nic_and_its_vif(recorder):
    networks = FakeNetworkAPI()
    agent, driver, conductor = _agent(recorder, networks)
    guest = _with_network()
    agent.build_instance(None, guest)
    (first,) = driver.plugged_vifs(guest["uuid"])
    given = networks.add_port()
    second = agent.attach_interface(None, guest, {"network_id": None, "port_id": given,
                                                  "fixed_ip": None, "tag": None})
    guest["network_info"] = [first, second]
    calls = len(networks.calls)
    del networks.ports[given]  # deleted by its user, in the network service
    agent.external_instance_event(None, guest, [
        {"name": "network-vif-deleted", "tag": given, "status": "completed"}])
    assert [v["port_id"] for v in driver.plugged_vifs(guest["uuid"])] == [
        first["port_id"]]
    assert conductor.named("vif_update")[-1][0][3:] == (given, None)
    assert networks.calls[calls:] == []  # nothing to release: the port is gone
    # a port not the server's (or already dropped) changes nothing
    updates = len(conductor.named("vif_update"))
    guest["network_info"] = [first]
    agent.external_instance_event(None, guest, [
        {"name": "network-vif-deleted", "tag": given, "status": "completed"}])
    assert len(conductor.named("vif_update")) == updates
    # a guest that refuses the unplug: the VIF is dropped all the same
    guest["network_info"] = [first]
    del networks.ports[first["port_id"]]
    driver.fail_operations.add("detach_interface")
    agent.external_instance_event(None, guest, [
        {"name": "network-vif-deleted", "tag": first["port_id"],
         "status": "completed"}])
    assert conductor.named("vif_update")[-1][0][3:] == (first["port_id"], None)


def test_a_request_the_network_api_refuses_aborts_the_build(recorder):
    """No reschedule: another host would be refused the same."""
    networks = FakeNetworkAPI()
    agent, _, conductor = _agent(recorder, networks)
    guest = _with_network()
    guest["requested_networks"][0]["network_id"] = "gone"

    def create_port(network_id, **attrs):
        raise ks_exc.NotFound(message=f"Network {network_id} could not be found.")
    user = networks.for_user(None)
    user.create_port = create_port
    agent._networking = network.Networking(lambda _c: user, networks.service, "n")
    agent.build_instance(None, guest)
    (args, _), = conductor.named("build_aborted")
    assert "Network gone could not be found" in args[3]
    assert not conductor.named("build_failed")


def test_an_unreachable_network_service_fails_the_build_for_a_retry(recorder):
    networks = FakeNetworkAPI()
    agent, _, conductor = _agent(recorder, networks)
    user = networks.for_user(None)

    def create_port(network_id, **attrs):
        raise ks_exc.ConnectFailure("connection refused")
    user.create_port = create_port
    agent._networking = network.Networking(lambda _c: user, networks.service, "n")
    agent.build_instance(None, _with_network())
    (args, _), = conductor.named("build_failed")
    assert "connection refused" in args[3]


# --- the event registry -------------------------------------------------------------
def test_waiter_returns_what_did_not_come():
    registry = instance_events.InstanceEvents()
    waiter = registry.expect("i1", [("network-vif-plugged", "p1"),
                                    ("network-vif-plugged", "p2")])
    assert registry.deliver("i1", "network-vif-plugged", "p1")
    assert not registry.deliver("i1", "network-vif-plugged", "p3")
    assert not registry.deliver("i2", "network-vif-plugged", "p2")
    assert waiter.wait(0.05) == {("network-vif-plugged", "p2")}
    # forgotten once waited: a late event finds nobody
    assert not registry.deliver("i1", "network-vif-plugged", "p2")


def test_waiter_ends_at_once_when_everything_came_and_keeps_failures():
    registry = instance_events.InstanceEvents()
    waiter = registry.expect("i1", [("network-vif-plugged", "p1"),
                                    ("network-vif-plugged", "p2")])
    registry.deliver("i1", "network-vif-plugged", "p1", "in-progress")  # not an end
    registry.deliver("i1", "network-vif-plugged", "p1")
    registry.deliver("i1", "network-vif-plugged", "p2", "failed")
    start = time.monotonic()
    assert waiter.wait(30) == set()
    assert time.monotonic() - start < 1
    assert waiter.failed == {("network-vif-plugged", "p2")}


def test_waiter_with_nothing_to_wait_for_does_not_wait():
    registry = instance_events.InstanceEvents()
    start = time.monotonic()
    assert registry.expect("i1", []).wait(30) == set()
    assert time.monotonic() - start < 1


@pytest.mark.parametrize("status", ["completed", "failed"])
def test_event_wakes_a_waiting_thread(status):
    registry = instance_events.InstanceEvents()
    waiter = registry.expect("i1", [("network-vif-plugged", "p1")])
    threading.Timer(0.05, registry.deliver,
                    ("i1", "network-vif-plugged", "p1", status)).start()
    assert waiter.wait(30) == set()
    assert bool(waiter.failed) == (status == "failed")


# --- os-interface -------------------------------------------------------------------
def test_attach_plugs_one_more_port_and_detach_releases_it(recorder):
    networks = FakeNetworkAPI()
    agent, driver, conductor = _agent(recorder, networks)
    guest = _with_network()
    agent.build_instance(None, guest)
    (first,) = driver.plugged_vifs(guest["uuid"])
    guest["network_info"] = [first]
    given = networks.add_port()
    item = agent.attach_interface(None, guest, {"network_id": None, "port_id": given,
                                                "fixed_ip": None, "tag": "t"})
    assert item["preexisting"] and item["tag"] == "t"
    assert [v["port_id"] for v in driver.plugged_vifs(guest["uuid"])] == [
        first["port_id"], given]
    assert networks.ports[given]["device_id"] == guest["uuid"]
    assert conductor.named("vif_update")[-1][0][3:] == (given, item)
    guest["network_info"] = [first, item]
    agent.detach_interface(None, guest, given)
    agent.detach_interface(None, guest, first["port_id"])
    assert driver.plugged_vifs(guest["uuid"]) == []
    assert list(networks.ports) == [given]  # the made one deleted
    assert networks.ports[given]["device_id"] == ""
    assert [args[3:] for args, _ in conductor.named("vif_update")][-2:] == [
        (given, None), (first["port_id"], None)]


def test_a_failed_attach_releases_only_its_own_port(recorder):
    networks = FakeNetworkAPI()
    agent, driver, conductor = _agent(recorder, networks)
    guest = _with_network()
    agent.build_instance(None, guest)
    guest["network_info"] = driver.plugged_vifs(guest["uuid"])
    driver.fail_operations.add("attach_interface")
    # an expected error: the caller gets it (oslo's ExpectedException carries it)
    with pytest.raises(oslo_messaging.ExpectedException) as raised:
        agent.attach_interface(None, guest, {"network_id": NET, "port_id": None,
                                             "fixed_ip": None, "tag": None})
    assert "injected failure of attach_interface" in str(raised.value.exc_info[1])
    assert list(networks.ports) == [guest["network_info"][0]["port_id"]]
    made = [c[1] for c in networks.calls if c[0] == "create_port"][-1]
    assert conductor.named("vif_update")[-1][0][3:] == (made, None)
    assert len(driver.plugged_vifs(guest["uuid"])) == 1


def test_delete_releases_ports_attached_to_a_server_booted_without_any(recorder):
    networks = FakeNetworkAPI()
    agent, _, _ = _agent(recorder, networks)
    guest = instance()
    agent.build_instance(None, guest)
    item = agent.attach_interface(None, guest, {"network_id": NET, "port_id": None,
                                                "fixed_ip": None, "tag": None})
    assert list(networks.ports) == [item["port_id"]]
    agent.terminate_instance(None, dict(guest, network_info=[item]))
    assert networks.ports == {}
