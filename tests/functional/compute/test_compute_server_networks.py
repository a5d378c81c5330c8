"""Servers on networks, end to end: the compute API, conductor and two agents
(fake driver) with the real network API, over HTTP with identity. Ports are
made (or the user's bound), bound to the server's host, shown as addresses (with
their floating IPs, through network-changed), and released on delete; a build
waits for network-vif-plugged."""

import shutil
import subprocess

import pytest
from compute_cloud import wait_for
from compute_network_cloud import send_plugged_when_spawned, start_network_cloud
from members import project_member

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]

#: seconds a build waits for its ports: short, for the test that lets it run out
VIF_TIMEOUT = 8


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = start_network_cloud(
        tmp_path_factory.mktemp("netcloud"),
        compute_extra=f"vif_plugging_timeout = {VIF_TIMEOUT}\n")
    try:
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture(scope="module")
def private(conn):
    network = conn.network.create_network(name="private")
    conn.network.create_subnet(network_id=network.id, cidr="10.20.0.0/24",
                               ip_version=4, name="private-v4")
    return conn.network.get_network(network.id)


def _create(conn, image, flavor, networks, name="vm", **extra):
    return conn.compute.post("/servers", microversion="2.42", json={"server": {
        "name": name, "imageRef": image.id, "flavorRef": flavor.id,
        "networks": networks, **extra}})


def _boot(cloud, conn, image, flavor, networks, name="vm", admin=None, **extra):
    """A server booted by ``conn``'s user, its ports' events sent by ``admin``
    (default: the same connection); ``extra``: more of the create's body."""
    resp = _create(conn, image, flavor, networks, name, **extra)
    assert resp.status_code == 202, resp.text
    return _active(cloud, conn, resp.json()["server"]["id"], admin)


def _active(cloud, conn, server_id, admin=None):
    sender = send_plugged_when_spawned(cloud, admin or conn, server_id)
    server = conn.compute.wait_for_server(conn.compute.get_server(server_id),
                                          status="ACTIVE", failures=["ERROR"],
                                          interval=0.05, wait=30)
    sender.join(10)
    return server


def _show(conn, server_id):
    return conn.compute.get(f"/servers/{server_id}", microversion="2.42").json()[
        "server"]


def test_server_on_a_network_gets_a_bound_port_shown_as_its_address(
        cloud, conn, image, flavor, private):
    server = _boot(cloud, conn, image, flavor,
                   [{"uuid": private.id, "fixed_ip": "10.20.0.50", "tag": "nic1"}])
    (port,) = conn.network.ports(device_id=server.id)
    shown = _show(conn, server.id)
    host = shown["OS-EXT-SRV-ATTR:host"]
    assert port.binding_host_id == host
    assert port.device_owner == "compute:nova"
    assert [ip["ip_address"] for ip in port.fixed_ips] == ["10.20.0.50"]
    assert shown["addresses"] == {"private": [
        {"version": 4, "addr": "10.20.0.50", "OS-EXT-IPS:type": "fixed",
         "OS-EXT-IPS-MAC:mac_addr": port.mac_address}]}
    (vif,) = cloud.drivers[host].plugged_vifs(server.id)
    assert (vif["port_id"], vif["mac"], vif["mtu"], vif["devname"]) == (
        port.id, port.mac_address, private.mtu, "tap" + port.id[:11])
    assert vif["tag"] == "nic1"
    # what the guest's network_data.json is made of: the subnet, read as the user
    assert (vif["fixed_ips"][0]["cidr"], vif["fixed_ips"][0]["gateway_ip"]) == (
        "10.20.0.0/24", "10.20.0.1")
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.05, wait=20)
    assert list(conn.network.ports(device_id=server.id)) == []
    assert port.id not in {p.id for p in conn.network.ports(network_id=private.id)}


def test_a_given_port_is_bound_and_kept_unbound_after_delete(
        cloud, conn, image, flavor, private):
    given = conn.network.create_port(network_id=private.id, name="mine")
    server = _boot(cloud, conn, image, flavor, [{"port": given.id}])
    port = conn.network.get_port(given.id)
    assert port.device_id == server.id
    assert port.binding_host_id == _show(conn, server.id)["OS-EXT-SRV-ATTR:host"]
    addresses = _show(conn, server.id)["addresses"]["private"]
    assert [a["addr"] for a in addresses] == [port.fixed_ips[0]["ip_address"]]
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.05, wait=20)
    port = conn.network.get_port(given.id)
    assert (port.device_id, port.device_owner, port.binding_host_id) == ("", "", "")
    # free again: another server may take it
    other = _boot(cloud, conn, image, flavor, [{"port": given.id}], name="vm2")
    assert conn.network.get_port(given.id).device_id == other.id
    conn.compute.delete_server(other)
    conn.compute.wait_for_delete(other, interval=0.05, wait=20)


def test_security_groups_named_at_create_are_the_new_ports_groups(
        cloud, conn, image, flavor, private):
    web = conn.network.create_security_group(name="web")
    resp = conn.compute.post("/servers", microversion="2.42", json={"server": {
        "name": "vm-sg", "imageRef": image.id, "flavorRef": flavor.id,
        "networks": [{"uuid": private.id}],
        "security_groups": [{"name": "web"}, {"name": "default"}]}})
    assert resp.status_code == 202, resp.text
    assert resp.json()["server"]["security_groups"] == [{"name": "web"},
                                                          {"name": "default"}]
    server_id = resp.json()["server"]["id"]
    sender = send_plugged_when_spawned(cloud, conn, server_id)
    server = conn.compute.wait_for_server(conn.compute.get_server(server_id),
                                          status="ACTIVE", failures=["ERROR"],
                                          interval=0.05, wait=30)
    sender.join(10)
    (port,) = conn.network.ports(device_id=server.id)
    (default,) = conn.network.security_groups(name="default",
                                              project_id=port.project_id)
    assert sorted(port.security_group_ids) == sorted([web.id, default.id])
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.05, wait=20)
    # an unknown group is refused before anything is made
    resp = conn.compute.post("/servers", microversion="2.42", json={"server": {
        "name": "vm-nosg", "imageRef": image.id, "flavorRef": flavor.id,
        "networks": [{"uuid": private.id}], "security_groups": [{"name": "nope"}]}})
    assert resp.status_code == 400 and "Security group nope not found" in resp.text
    conn.network.delete_security_group(web)


def test_a_config_drive_when_asked_for_or_without_a_nic(cloud, conn, image, flavor,
                                                        private):
    """On a network the guest reads the metadata service: a config drive only
    when asked for (openstacksdk's boolean or the string form); no NIC: always."""
    plain = _boot(cloud, conn, image, flavor, [{"uuid": private.id}], name="cd-plain")
    asked = _active(cloud, conn, conn.compute.create_server(
        name="cd-asked", image_id=image.id, flavor_id=flavor.id,
        networks=[{"uuid": private.id}], config_drive=True).id)
    asked_str = _boot(cloud, conn, image, flavor, [{"uuid": private.id}],
                      name="cd-asked-str", config_drive="True")
    resp = _create(conn, image, flavor, "none", name="cd-no-nic", config_drive=False)
    assert resp.status_code == 202, resp.text
    no_nic = conn.compute.wait_for_server(  # no port: nothing to wait for
        conn.compute.get_server(resp.json()["server"]["id"]), status="ACTIVE",
        failures=["ERROR"], interval=0.05, wait=30)
    for server, expected in ((plain, ""), (asked, "True"), (asked_str, "True"),
                             (no_nic, "True")):
        shown = _show(conn, server.id)
        assert shown["config_drive"] == expected, server.name
        driver = cloud.drivers[shown["OS-EXT-SRV-ATTR:host"]]
        assert driver.has_config_drive(server.id) is (expected == "True"), server.name
    listed = conn.compute.get("/servers/detail?config_drive=True",
                              microversion="2.83").json()["servers"]
    assert {asked.id, asked_str.id, no_nic.id} <= {s["id"] for s in listed}
    assert plain.id not in {s["id"] for s in listed}
    resp = _create(conn, image, flavor, "none", name="cd-bad", config_drive="maybe")
    assert resp.status_code == 400, resp.text
    for server in (plain, asked, asked_str, no_nic):
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, interval=0.05, wait=20)


def test_unusable_networks_and_ports_are_refused_up_front(
        cloud, conn, image, flavor, private):
    missing = "00000000-0000-4000-8000-000000000001"
    resp = _create(conn, image, flavor, [{"uuid": missing}])
    assert resp.status_code == 400
    assert f"Network {missing} could not be found" in resp.text
    resp = _create(conn, image, flavor, [{"port": missing}])
    assert resp.status_code == 400
    assert f"Port id {missing} could not be found" in resp.text
    used = conn.network.create_port(network_id=private.id, device_id="someone-else")
    resp = _create(conn, image, flavor, [{"port": used.id}])
    assert resp.status_code == 409
    assert f"Port {used.id} is still in use" in resp.text
    conn.network.delete_port(used)


def test_ports_that_never_plug_put_the_server_in_error_and_are_released(
        cloud, conn, image, flavor, private):
    resp = _create(conn, image, flavor, [{"uuid": private.id}], name="unplugged")
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    port_ids = wait_for(lambda: [p.id for p in conn.network.ports(device_id=server_id)])
    server = conn.compute.wait_for_server(conn.compute.get_server(server_id),
                                          status="ERROR", interval=0.1,
                                          wait=VIF_TIMEOUT + 20)
    fault = _show(conn, server.id)["fault"]
    assert port_ids[0] in fault["message"]
    assert "did not become ACTIVE" in fault["message"]
    assert list(conn.network.ports(device_id=server_id)) == []
    assert not any(server_id in d.list_instances() for d in cloud.drivers.values())
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.05, wait=20)


def test_events_for_unknown_servers_are_404(cloud, conn):
    resp = conn.compute.post("/os-server-external-events", microversion="2.51",
                             json={"events": [{"name": "network-vif-plugged",
                                               "server_uuid": "00000000-0000-4000-"
                                                              "8000-000000000002"}]})
    assert resp.status_code == 404


@pytest.mark.skipif(shutil.which("openstack") is None, reason="needs the openstack CLI")
def test_openstack_server_create_network(cloud, conn, image, flavor, private):
    done = subprocess.run(
        [shutil.which("openstack"), "server", "create", "--image", image.id,
         "--flavor", flavor.id, "--network", "private", "-f", "value", "-c", "id",
         "cli-vm"], capture_output=True, text=True, env=cloud.client_env(),
        timeout=120)
    assert done.returncode == 0, done.stderr
    server_id = done.stdout.strip()
    send_plugged_when_spawned(cloud, conn, server_id).join(30)
    server = conn.compute.wait_for_server(conn.compute.get_server(server_id),
                                          status="ACTIVE", failures=["ERROR"],
                                          interval=0.05, wait=30)
    done = subprocess.run(
        [shutil.which("openstack"), "server", "show", server_id, "-f", "value", "-c",
         "addresses"], capture_output=True, text=True, env=cloud.client_env(),
        timeout=120)
    assert done.returncode == 0, done.stderr
    (port,) = conn.network.ports(device_id=server_id)
    assert "private" in done.stdout
    assert port.fixed_ips[0]["ip_address"] in done.stdout
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.05, wait=20)


def _interfaces(conn, server_id):
    resp = conn.compute.get(f"/servers/{server_id}/os-interface", microversion="2.70")
    assert resp.status_code == 200, resp.text
    return resp.json()["interfaceAttachments"]


def test_os_interface_attaches_and_detaches_ports_of_a_running_server(
        cloud, conn, image, flavor, private):
    resp = _create(conn, image, flavor, "none", name="hotplug")
    assert resp.status_code == 202, resp.text
    server = conn.compute.wait_for_server(
        conn.compute.get_server(resp.json()["server"]["id"]), status="ACTIVE",
        failures=["ERROR"], interval=0.05, wait=30)
    host = _show(conn, server.id)["OS-EXT-SRV-ATTR:host"]
    assert _interfaces(conn, server.id) == []
    # a port made on a network, with the address asked for
    resp = conn.compute.post(f"/servers/{server.id}/os-interface", microversion="2.70",
                             json={"interfaceAttachment": {
                                 "net_id": private.id, "tag": "hot",
                                 "fixed_ips": [{"ip_address": "10.20.0.77"}]}})
    assert resp.status_code == 200, resp.text
    made = resp.json()["interfaceAttachment"]
    assert (made["net_id"], made["tag"], made["fixed_ips"][0]["ip_address"]) == (
        private.id, "hot", "10.20.0.77")
    port = conn.network.get_port(made["port_id"])
    assert (port.device_id, port.binding_host_id) == (server.id, host)
    assert port.mac_address == made["mac_addr"]
    # a port of the user's
    given = conn.network.create_port(network_id=private.id, name="given")
    resp = conn.compute.post(f"/servers/{server.id}/os-interface", microversion="2.70",
                             json={"interfaceAttachment": {"port_id": given.id}})
    assert resp.status_code == 200, resp.text
    assert [v["port_id"] for v in cloud.drivers[host].plugged_vifs(server.id)] == [
        made["port_id"], given.id]
    listed = {i["port_id"]: i for i in _interfaces(conn, server.id)}
    assert set(listed) == {made["port_id"], given.id}
    assert listed[made["port_id"]]["tag"] == "hot"
    resp = conn.compute.get(f"/servers/{server.id}/os-interface/{given.id}",
                            microversion="2.70")
    assert resp.json()["interfaceAttachment"]["mac_addr"] == given.mac_address
    wait_for(lambda: set(_show(conn, server.id)["addresses"]) == {"private"}
             and len(_show(conn, server.id)["addresses"]["private"]) == 2)
    # errors: an address taken (refused up front, 409 as upstream's attach),
    # a port in use, both a port and a network, an unknown port to detach
    ports_before = {p.id for p in conn.network.ports(network_id=private.id)}
    resp = conn.compute.post(f"/servers/{server.id}/os-interface", json={
        "interfaceAttachment": {"net_id": private.id,
                                "fixed_ips": [{"ip_address": "10.20.0.77"}]}})
    assert resp.status_code == 409, resp.text
    assert resp.json()["conflictingRequest"]["message"] == (
        f"Fixed IP address 10.20.0.77 is already in use on instance {server.id}.")
    assert {p.id for p in conn.network.ports(network_id=private.id)} == ports_before
    assert len(cloud.drivers[host].plugged_vifs(server.id)) == 2
    resp = conn.compute.post(f"/servers/{server.id}/os-interface",
                             json={"interfaceAttachment": {"port_id": given.id}})
    assert resp.status_code == 409
    resp = conn.compute.post(f"/servers/{server.id}/os-interface", json={
        "interfaceAttachment": {"port_id": given.id, "net_id": private.id}})
    assert resp.status_code == 400
    resp = conn.compute.delete(f"/servers/{server.id}/os-interface/"
                               "00000000-0000-4000-8000-000000000003")
    assert resp.status_code == 404
    # detach: the made port goes, the given one stays, unbound
    for port_id in (made["port_id"], given.id):
        resp = conn.compute.delete(f"/servers/{server.id}/os-interface/{port_id}")
        assert resp.status_code == 202, resp.text
    wait_for(lambda: cloud.drivers[host].plugged_vifs(server.id) == [])
    wait_for(lambda: _show(conn, server.id)["addresses"] == {})
    assert conn.network.find_port(made["port_id"]) is None
    kept = conn.network.get_port(given.id)
    assert (kept.device_id, kept.binding_host_id) == ("", "")
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.05, wait=20)


def test_a_project_member_boots_on_its_own_network(cloud, conn, image, flavor):
    """The user's token makes the port (their project's); only the binding needs
    the service's rights."""
    with project_member(conn, cloud, "netdemo") as owner:
        member, project = owner.conn, owner.project
        network = member.network.create_network(name="mine")
        member.network.create_subnet(network_id=network.id, cidr="10.30.0.0/24",
                                     ip_version=4)
        server = _boot(cloud, member, image, flavor, "auto", name="member-vm",
                       admin=conn)
        (port,) = member.network.ports(device_id=server.id)
        assert port.project_id == project.id
        assert port.network_id == network.id
        assert conn.network.get_port(port.id).binding_host_id in cloud.drivers
        assert list(_show(member, server.id)["addresses"]) == ["mine"]
        member.compute.delete_server(server)
        member.compute.wait_for_delete(server, interval=0.05, wait=20)
        assert list(member.network.ports(device_id=server.id)) == []


def test_the_network_services_own_event_completes_the_build(
        cloud, conn, image, flavor, private):
    """No test-sent event: the port turns ACTIVE (as the network agent reports it
    once the tap is plugged) and the network API tells compute."""
    resp = _create(conn, image, flavor, [{"uuid": private.id}], name="chain")
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    wait_for(lambda: any(server_id in d.list_instances()
                         for d in cloud.drivers.values()))
    (port,) = conn.network.ports(device_id=server_id)
    done = conn.network.put(f"/ports/{port.id}", json={"port": {"status": "ACTIVE"}})
    assert done.status_code == 200, done.text
    server = conn.compute.wait_for_server(conn.compute.get_server(server_id),
                                          status="ACTIVE", failures=["ERROR"],
                                          interval=0.05, wait=VIF_TIMEOUT - 1)
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.05, wait=20)


def test_an_address_the_caller_sees_taken_is_refused_at_create(
        cloud, conn, image, flavor, private):
    holder = conn.network.create_port(network_id=private.id,
                                      fixed_ips=[{"ip_address": "10.20.0.61"}])
    before = {s.id for s in conn.compute.servers(all_projects=True)}
    resp = _create(conn, image, flavor,
                   [{"uuid": private.id, "fixed_ip": "10.20.0.61"}], name="taken")
    assert resp.status_code == 400, resp.text
    assert resp.json()["badRequest"]["message"] == (
        "Fixed IP address 10.20.0.61 is already in use on instance (none).")
    assert {s.id for s in conn.compute.servers(all_projects=True)} == before
    conn.network.delete_port(holder)


def test_an_address_taken_ends_the_build_in_error_on_the_first_host(
        cloud, conn, image, flavor):
    """Another project's port on a shared network: the caller cannot see it, so
    the create is accepted and the build is refused the address."""
    shared = conn.network.create_network(name="shared-taken", shared=True)
    conn.network.create_subnet(network_id=shared.id, cidr="10.21.0.0/24",
                               ip_version=4)
    holder = conn.network.create_port(network_id=shared.id,
                                      fixed_ips=[{"ip_address": "10.21.0.60"}])
    with project_member(conn, cloud, "taken") as owner:
        member = owner.conn
        resp = _create(member, image, flavor,
                       [{"uuid": shared.id, "fixed_ip": "10.21.0.60"}], name="taken")
        assert resp.status_code == 202, resp.text
        server = member.compute.wait_for_server(
            member.compute.get_server(resp.json()["server"]["id"]), status="ERROR",
            interval=0.1, wait=30)
        shown = _show(member, server.id)
        assert "10.21.0.60" in shown["fault"]["message"]
        actions = conn.compute.get(f"/servers/{server.id}/os-instance-actions/"
                                   f"{_create_request(conn, server.id)}").json()
        builds = [e for e in actions["instanceAction"]["events"]
                  if e["event"] == "compute__do_build_and_run_instance"]
        assert len(builds) == 1  # not rescheduled: every host would be refused
        assert list(conn.network.ports(device_id=server.id)) == []
        member.compute.delete_server(server)
        member.compute.wait_for_delete(server, interval=0.05, wait=20)
    conn.network.delete_port(holder)
    conn.network.delete_network(shared)


def _create_request(conn, server_id):
    actions = conn.compute.get(f"/servers/{server_id}/os-instance-actions").json()
    return next(a["request_id"] for a in actions["instanceActions"]
                if a["action"] == "create")


def test_a_floating_ip_shows_in_addresses_through_network_changed(
        cloud, conn, image, flavor, private):
    """The network API sends network-changed when a floating IP is associated
    with the server's port, or disassociated; compute's agent reads the port
    again and the server's addresses follow (no test-sent event)."""
    public = conn.network.create_network(name="public", is_router_external=True)
    conn.network.create_subnet(network_id=public.id, cidr="172.24.4.0/24",
                               ip_version=4, name="public-v4")
    router = conn.network.create_router(
        name="fip-router", external_gateway_info={"network_id": public.id})
    subnet_id = private.subnet_ids[0]
    conn.network.add_interface_to_router(router, subnet_id=subnet_id)
    server = _boot(cloud, conn, image, flavor,
                   [{"uuid": private.id, "fixed_ip": "10.20.0.70"}], name="fip-vm")
    (port,) = conn.network.ports(device_id=server.id)
    fixed = {"version": 4, "addr": "10.20.0.70", "OS-EXT-IPS:type": "fixed",
             "OS-EXT-IPS-MAC:mac_addr": port.mac_address}
    assert _show(conn, server.id)["addresses"] == {"private": [fixed]}
    fip = conn.network.create_ip(floating_network_id=public.id)
    conn.network.update_ip(fip, port_id=port.id)
    floating = {"version": 4, "addr": fip.floating_ip_address,
                "OS-EXT-IPS:type": "floating",
                "OS-EXT-IPS-MAC:mac_addr": port.mac_address}
    wait_for(lambda: _show(conn, server.id)["addresses"] == {
        "private": [fixed, floating]}, timeout=15)
    # the servers' list (detail) shows the same
    listed = conn.compute.get("/servers/detail", microversion="2.42").json()
    assert next(s for s in listed["servers"] if s["id"] == server.id)[
        "addresses"] == {"private": [fixed, floating]}
    conn.network.update_ip(fip, port_id=None)
    wait_for(lambda: _show(conn, server.id)["addresses"] == {"private": [fixed]},
             timeout=15)
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.05, wait=20)
    conn.network.delete_ip(fip)
    conn.network.remove_interface_from_router(router, subnet_id=subnet_id)
    conn.network.delete_router(router)


def test_a_port_deleted_under_a_server_leaves_its_nic_and_addresses(
        cloud, conn, image, flavor, private):
    """The network API sends network-vif-deleted when a port bound to a server
    is deleted: the agent unplugs the NIC and the server's addresses drop it (no
    test-sent event); the server's other NIC stays."""
    server = _boot(cloud, conn, image, flavor,
                   [{"uuid": private.id, "fixed_ip": "10.20.0.80"},
                    {"uuid": private.id, "fixed_ip": "10.20.0.81"}], name="two-nics")
    ports = {p.fixed_ips[0]["ip_address"]: p
             for p in conn.network.ports(device_id=server.id)}
    driver = cloud.drivers[conn.compute.get_server(server.id).compute_host]
    assert len(driver.plugged_vifs(server.id)) == 2
    conn.network.delete_port(ports["10.20.0.81"])
    wait_for(lambda: [a["addr"] for a in _show(conn, server.id)["addresses"][
        "private"]] == ["10.20.0.80"], timeout=15)
    assert [v["port_id"] for v in driver.plugged_vifs(server.id)] == [
        ports["10.20.0.80"].id]
    interfaces = conn.compute.get(f"/servers/{server.id}/os-interface").json()
    assert [i["port_id"] for i in interfaces["interfaceAttachments"]] == [
        ports["10.20.0.80"].id]
    assert conn.compute.get_server(server.id).status == "ACTIVE"
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.05, wait=20)
    assert list(conn.network.ports(device_id=server.id)) == []
