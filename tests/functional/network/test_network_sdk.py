"""The network API through openstacksdk (conn.network.*) against real identity."""

import pytest
from network_cloud import USER_PASSWORD, add_project_member, start_cloud
from openstack import exceptions

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("netcloud"))
    try:
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture(scope="module")
def conn(cloud):
    connection = cloud.connect()
    yield connection
    connection.close()


def test_sdk_network_subnet_port_lifecycle(conn):
    net = conn.network.create_network(name="sdk-net", description="d")
    assert net.name == "sdk-net" and net.status == "ACTIVE" and net.mtu == 1450
    assert net.provider_network_type == "vxlan" and net.provider_segmentation_id >= 1
    subnet = conn.network.create_subnet(network_id=net.id, ip_version=4,
                                        cidr="192.168.10.0/24",
                                        dns_nameservers=["192.0.2.53"])
    assert subnet.gateway_ip == "192.168.10.1"
    assert subnet.allocation_pools == [{"start": "192.168.10.2",
                                        "end": "192.168.10.254"}]
    port = conn.network.create_port(network_id=net.id, name="p1")
    assert port.status == "DOWN"
    assert port.mac_address.startswith("fa:16:3e:")
    [fixed] = port.fixed_ips
    assert fixed["subnet_id"] == subnet.id
    assert fixed["ip_address"].startswith("192.168.10.")
    assert port.binding_vif_type == "unbound"
    port = conn.network.update_port(port, binding_host_id="node1")
    assert port.binding_vif_type == "bridge"
    assert port.binding_vif_details == {"port_filter": True, "connectivity": "l2",
                                        "bridge_name": "brq" + net.id[:11]}
    assert [p.id for p in conn.network.ports(binding_host_id="node1")] == [port.id]
    # the DHCP port took the subnet's first free address
    dhcp = list(conn.network.ports(network_id=net.id, device_owner="network:dhcp"))
    assert [p.fixed_ips[0]["ip_address"] for p in dhcp] == ["192.168.10.2"]
    assert conn.network.get_network(net.id).subnet_ids == [subnet.id]
    conn.network.set_tags(net, ["red", "blue"])
    assert sorted(conn.network.get_network(net.id).tags) == ["blue", "red"]
    assert [n.id for n in conn.network.networks(tags="red")] == [net.id]
    conn.network.delete_port(port)
    conn.network.delete_subnet(subnet)
    conn.network.delete_network(net)
    assert conn.network.find_network("sdk-net") is None


def test_sdk_security_groups_and_rules(conn):
    group = conn.network.create_security_group(name="web")
    egress = [r for r in group.security_group_rules if r["direction"] == "egress"]
    assert sorted(r["ethertype"] for r in egress) == ["IPv4", "IPv6"]
    rule = conn.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", protocol="tcp",
        port_range_min=80, port_range_max=80, remote_ip_prefix="0.0.0.0/0")
    assert rule.protocol == "tcp" and rule.port_range_min == 80
    with pytest.raises(exceptions.ConflictException):
        conn.network.create_security_group_rule(
            security_group_id=group.id, direction="ingress", protocol="tcp",
            port_range_min=80, port_range_max=80, remote_ip_prefix="0.0.0.0/0")
    default = conn.network.find_security_group("default", project_id=conn.current_project_id)
    assert default is not None
    with pytest.raises(exceptions.ConflictException):
        conn.network.delete_security_group(default)
    conn.network.delete_security_group_rule(rule)
    conn.network.delete_security_group(group)


def test_sdk_quotas_extensions_and_pagination(conn):
    project = conn.current_project_id
    quota = conn.network.get_quota(project)
    assert quota.networks == 100 and quota.ports == 500
    conn.network.update_quota(project, networks=3)
    details = conn.network.get_quota(project, details=True)
    assert details.networks["limit"] == 3
    aliases = {e.alias for e in conn.network.extensions()}
    assert {"binding", "security-group", "quotas", "standard-attr-tag",
            "pagination"} <= aliases
    nets = [conn.network.create_network(name=f"page-{i}") for i in range(3)]
    with pytest.raises(exceptions.ConflictException):
        conn.network.create_network(name="one too many")
    listed = [n.id for n in conn.network.networks(limit=1, sort_key="name",
                                                  sort_dir="asc")]
    assert listed == [n.id for n in sorted(nets, key=lambda n: n.name)]
    for net in nets:
        conn.network.delete_network(net)
    conn.network.delete_quota(project)
    assert conn.network.get_quota(project).networks == 100


def test_sdk_project_isolation(cloud, conn):
    add_project_member(conn, "proj-b", "bob")
    private = conn.network.create_network(name="admin-private")
    shared = conn.network.create_network(name="admin-shared", shared=True)
    conn.network.create_subnet(network_id=shared.id, ip_version=4, cidr="10.9.0.0/24")
    bob = cloud.connect("bob", USER_PASSWORD, "proj-b")
    try:
        seen = {n.id for n in bob.network.networks()}
        assert shared.id in seen and private.id not in seen
        with pytest.raises(exceptions.NotFoundException):
            bob.network.get_network(private.id)
        with pytest.raises(exceptions.NotFoundException):
            bob.network.create_port(network_id=private.id)
        port = bob.network.create_port(network_id=shared.id)
        assert port.project_id == bob.current_project_id
        admin_port = conn.network.create_port(network_id=private.id)
        with pytest.raises(exceptions.NotFoundException):
            bob.network.get_port(admin_port.id)
        with pytest.raises(exceptions.ForbiddenException):
            bob.network.update_network(shared, name="mine now")
        bob.network.delete_port(port)
        conn.network.delete_port(admin_port)
    finally:
        bob.close()
