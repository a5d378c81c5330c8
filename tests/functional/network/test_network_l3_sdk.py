"""Routers and floating IPs through openstacksdk (conn.network.*) against real
identity: a member's topology behind an admin's external network."""

import pytest
from network_cloud import USER_PASSWORD, add_project_member, start_cloud
from openstack import exceptions

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("l3sdk"))
    try:
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture(scope="module")
def admin(cloud):
    connection = cloud.connect()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def public(admin):
    net = admin.network.create_network(name="public", is_router_external=True)
    subnet = admin.network.create_subnet(network_id=net.id, ip_version=4,
                                         cidr="203.0.113.0/24", is_dhcp_enabled=False)
    return net, subnet


@pytest.fixture(scope="module")
def members(cloud, admin):
    add_project_member(admin, "l3-alice", "alice")
    add_project_member(admin, "l3-bob", "bob")
    alice = cloud.connect("alice", USER_PASSWORD, "l3-alice")
    bob = cloud.connect("bob", USER_PASSWORD, "l3-bob")
    yield alice, bob
    alice.close()
    bob.close()


def test_sdk_router_and_floating_ip_lifecycle(public, members):
    ext, ext_subnet = public
    alice, _ = members
    net = alice.network.create_network(name="private")
    subnet = alice.network.create_subnet(network_id=net.id, ip_version=4,
                                         cidr="10.10.0.0/24")
    router = alice.network.create_router(
        name="r1", external_gateway_info={"network_id": ext.id})
    assert router.status == "ACTIVE" and router.is_admin_state_up
    assert router.external_gateway_info["network_id"] == ext.id
    assert router.external_gateway_info["enable_snat"] is True
    [gw_ip] = router.external_gateway_info["external_fixed_ips"]
    assert gw_ip["subnet_id"] == ext_subnet.id
    assert router.is_distributed is False and router.is_ha is False

    info = alice.network.add_interface_to_router(router, subnet_id=subnet.id)
    assert info["subnet_id"] == subnet.id and info["network_id"] == net.id
    interface = alice.network.get_port(info["port_id"])
    assert interface.device_owner == "network:router_interface"
    assert interface.fixed_ips == [{"subnet_id": subnet.id,
                                    "ip_address": "10.10.0.1"}]
    with pytest.raises(exceptions.BadRequestException):
        alice.network.add_interface_to_router(router, subnet_id=subnet.id)

    router = alice.network.add_extra_routes_to_router(router, body={"router": {
        "routes": [{"destination": "10.20.0.0/16", "nexthop": "10.10.0.254"}]}})
    assert router.routes == [{"destination": "10.20.0.0/16",
                              "nexthop": "10.10.0.254"}]
    router = alice.network.remove_extra_routes_from_router(router, body={"router": {
        "routes": [{"destination": "10.20.0.0/16", "nexthop": "10.10.0.254"}]}})
    assert router.routes == []

    server_port = alice.network.create_port(network_id=net.id, name="vm")
    fip = alice.network.create_ip(floating_network_id=ext.id)
    assert fip.status == "DOWN" and fip.port_id is None
    assert fip.floating_ip_address.startswith("203.0.113.")
    fip = alice.network.update_ip(fip, port_id=server_port.id)
    assert fip.port_id == server_port.id and fip.router_id == router.id
    assert fip.fixed_ip_address == server_port.fixed_ips[0]["ip_address"]
    assert fip.status == "ACTIVE"
    assert fip.port_details["name"] == "vm"
    assert [f.id for f in alice.network.ips(port_id=server_port.id)] == [fip.id]
    found = alice.network.find_ip(fip.floating_ip_address)
    assert found is not None and found.id == fip.id
    with pytest.raises(exceptions.ConflictException):
        alice.network.remove_interface_from_router(router, subnet_id=subnet.id)
    with pytest.raises(exceptions.ConflictException):
        alice.network.delete_router(router)

    fip = alice.network.update_ip(fip, port_id=None)
    assert fip.port_id is None and fip.status == "DOWN"

    # port forwardings of the now unassociated floating IP
    vm_ip = server_port.fixed_ips[0]["ip_address"]
    pf = alice.network.create_floating_ip_port_forwarding(
        fip, internal_port_id=server_port.id, internal_ip_address=vm_ip,
        internal_port=22, external_port=2222, protocol="tcp", description="ssh")
    assert (pf.internal_port, pf.external_port, pf.protocol) == (22, 2222, "tcp")
    assert alice.network.get_ip(fip.id).router_id == router.id
    pf = alice.network.update_floating_ip_port_forwarding(fip, pf, external_port=2200)
    assert alice.network.get_floating_ip_port_forwarding(fip, pf).external_port == 2200
    assert [p.id for p in alice.network.floating_ip_port_forwardings(fip)] == [pf.id]
    with pytest.raises(exceptions.ConflictException):
        alice.network.update_ip(fip, port_id=server_port.id)
    alice.network.delete_floating_ip_port_forwarding(fip, pf)
    assert list(alice.network.floating_ip_port_forwardings(fip)) == []
    alice.network.delete_ip(fip)
    assert alice.network.find_ip(fip.id) is None
    alice.network.delete_port(server_port)
    alice.network.remove_interface_from_router(router, subnet_id=subnet.id)
    router = alice.network.update_router(router, external_gateway_info={})
    assert router.external_gateway_info is None
    alice.network.delete_router(router)
    assert alice.network.find_router("r1") is None
    alice.network.delete_subnet(subnet)
    alice.network.delete_network(net)


def test_sdk_isolation_quotas_and_extensions(admin, public, members):
    ext, _ = public
    alice, bob = members
    aliases = {e.alias for e in alice.network.extensions()}
    assert {"router", "ext-gw-mode", "extraroute", "extraroute-atomic",
            "fip-port-details", "router_availability_zone",
            "floating-ip-port-forwarding"} <= aliases
    assert not {"dvr", "l3-ha", "l3-flavors", "dns-integration"} & aliases

    net = alice.network.create_network(name="alice-net")
    subnet = alice.network.create_subnet(network_id=net.id, ip_version=4,
                                         cidr="10.30.0.0/24")
    port = alice.network.create_port(network_id=net.id)
    router = alice.network.create_router(name="alice-router")
    fip = alice.network.create_ip(floating_network_id=ext.id)
    bob_router = bob.network.create_router(name="bob-router")
    assert [r.id for r in bob.network.routers()] == [bob_router.id]
    assert list(bob.network.ips()) == []
    with pytest.raises(exceptions.NotFoundException):
        bob.network.get_router(router.id)
    with pytest.raises(exceptions.NotFoundException):
        bob.network.get_ip(fip.id)
    with pytest.raises(exceptions.NotFoundException):
        bob.network.add_interface_to_router(bob_router, subnet_id=subnet.id)
    bob_fip = bob.network.create_ip(floating_network_id=ext.id)
    with pytest.raises(exceptions.NotFoundException):
        bob.network.update_ip(bob_fip, port_id=port.id)
    with pytest.raises(exceptions.ForbiddenException):
        bob.network.create_ip(floating_network_id=ext.id,
                              floating_ip_address="203.0.113.200")

    admin.network.update_quota(bob.current_project_id, routers=1, floating_ips=1)
    quota = bob.network.get_quota(bob.current_project_id)
    assert quota.routers == 1 and quota.floating_ips == 1
    with pytest.raises(exceptions.ConflictException):
        bob.network.create_router(name="second")
    with pytest.raises(exceptions.ConflictException):
        bob.network.create_ip(floating_network_id=ext.id)
    admin.network.delete_quota(bob.current_project_id)

    for conn, item in ((bob, bob_fip), (alice, fip)):
        conn.network.delete_ip(item)
    bob.network.delete_router(bob_router)
    alice.network.delete_router(router)
    alice.network.delete_port(port)
    alice.network.delete_subnet(subnet)
    alice.network.delete_network(net)
