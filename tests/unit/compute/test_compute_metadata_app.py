"""The metadata API's trees (OpenStack and EC2-compatible), request by request,
over a migrated in-memory compute database (werkzeug's test client: no sockets)."""

import base64
import json

import pytest
from oslo_config import cfg
from werkzeug.test import Client

from sovra_common import conf as sovra_conf
from sovra_common import context
from sovra_compute import conf as compute_conf
from sovra_compute.metadata import app as metadata_app
from sovra_compute.metadata import auth
from sovra_compute.service import aggregate
from sovra_compute.service import instance as instance_service

SECRET = "proxy-secret"
CTXT = context.RequestContext(user_id="u1", project_id="p1")
FLAVOR = {"name": "m1.tiny", "vcpus": 1, "memory_mb": 512, "root_gb": 1}


def _conf(secret=SECRET) -> cfg.ConfigOpts:
    conf = sovra_conf.new_conf()
    compute_conf.register_opts(conf)
    conf([], project="sovra", default_config_files=[])
    conf.set_override("proxy_shared_secret", secret, group="metadata")
    return conf


@pytest.fixture
def server(db):
    return instance_service.create(
        db, CTXT, name="Web 1", flavor=FLAVOR, image_ref="img", key_name="k1",
        key_data="ssh-ed25519 AAAAkey k1", metadata={"role": "web"},
        user_data=base64.b64encode(b"#!/bin/sh\necho hi\n").decode(),
        availability_zone="zone-a")


@pytest.fixture
def client(db):
    return Client(metadata_app.create_app(_conf(), database=db))


def _get(client, path, instance, *, project="p1", secret=SECRET, method="GET",
         address="10.0.0.5"):
    headers = {"X-Instance-ID": instance["uuid"], "X-Tenant-ID": project,
               "X-Instance-ID-Signature": auth.sign(secret, instance["uuid"]),
               "X-Forwarded-For": address}
    return client.open(path, method=method, headers=headers)


def test_root_lists_ec2_versions_then_latest(client, server):
    resp = _get(client, "/", server)
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    lines = resp.get_data(as_text=True).split("\n")
    assert lines[0] == "1.0" and lines[-2:] == ["2009-04-04", "latest"]
    assert resp.headers["x-openstack-request-id"].startswith("req-")


def test_openstack_lists_dated_versions_then_latest(client, server):
    lines = _get(client, "/openstack", server).get_data(as_text=True).split("\n")
    assert lines[0] == "2012-08-10" and lines[-1] == "latest"
    assert lines == sorted(lines)
    listing = _get(client, "/openstack/latest/", server).get_data(as_text=True)
    assert listing.split("\n") == ["meta_data.json", "user_data", "vendor_data.json",
                                   "network_data.json", "vendor_data2.json",
                                   "password"]
    # older versions hold what they held then
    assert _get(client, "/openstack/2012-08-10", server).get_data(
        as_text=True).split("\n") == ["meta_data.json", "user_data"]
    assert _get(client, "/openstack/2012-08-10/network_data.json",
                server).status_code == 404
    assert _get(client, "/openstack/2011-01-01/", server).status_code == 404


def test_meta_data_json_is_the_config_drive_s(client, server):
    resp = _get(client, "/openstack/latest/meta_data.json", server)
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    meta = resp.get_json()
    assert meta["uuid"] == server["uuid"] and meta["name"] == "Web 1"
    assert meta["hostname"] == "web-1" and meta["availability_zone"] == "zone-a"
    assert meta["project_id"] == "p1" and meta["meta"] == {"role": "web"}
    assert meta["public_keys"] == {"k1": "ssh-ed25519 AAAAkey k1"}
    assert _get(client, "/openstack/latest/user_data", server).data == \
        b"#!/bin/sh\necho hi\n"
    assert json.loads(_get(client, "/openstack/latest/network_data.json",
                           server).data) == {"links": [], "networks": [], "services": []}
    for name in ("vendor_data.json", "vendor_data2.json"):
        assert _get(client, f"/openstack/2018-08-27/{name}", server).get_json() == {}


def test_no_user_data_is_a_404_and_not_listed(client, db):
    bare = instance_service.create(db, CTXT, name="bare", flavor=FLAVOR, image_ref="i")
    assert _get(client, "/openstack/latest/user_data", bare).status_code == 404
    assert "user_data" not in _get(client, "/openstack/latest", bare).get_data(
        as_text=True)
    assert _get(client, "/latest/user-data", bare).status_code == 404
    assert _get(client, "/latest/", bare).get_data(as_text=True) == "meta-data/"
    assert "public-keys/" not in _get(client, "/latest/meta-data/", bare).get_data(
        as_text=True)


def test_ec2_tree(client, server):
    assert _get(client, "/latest", server).get_data(as_text=True) == \
        "meta-data/\nuser-data"
    listing = _get(client, "/2009-04-04/meta-data/", server).get_data(as_text=True)
    assert listing.split("\n") == [
        "ami-launch-index", "hostname", "instance-id", "instance-type",
        "local-hostname", "local-ipv4", "placement/", "public-keys/"]
    values = {name: _get(client, f"/latest/meta-data/{name}", server).get_data(
        as_text=True) for name in ("instance-id", "hostname", "local-hostname",
                                   "local-ipv4", "instance-type",
                                   "placement/availability-zone")}
    assert values == {"instance-id": server["uuid"], "hostname": "web-1",
                      "local-hostname": "web-1", "local-ipv4": "10.0.0.5",
                      "instance-type": "m1.tiny",
                      "placement/availability-zone": "zone-a"}
    assert _get(client, "/latest/meta-data/placement", server).get_data(
        as_text=True) == "availability-zone"
    assert _get(client, "/latest/meta-data/public-keys/", server).get_data(
        as_text=True) == "0=k1"
    assert _get(client, "/latest/meta-data/public-keys/0/", server).get_data(
        as_text=True) == "openssh-key"
    assert _get(client, "/latest/meta-data/public-keys/0/openssh-key", server).data \
        == b"ssh-ed25519 AAAAkey k1"
    assert _get(client, "/latest/user-data", server).data == b"#!/bin/sh\necho hi\n"
    for missing in ("/latest/meta-data/nope", "/latest/meta-data/public-keys/0/_name",
                    "/latest/meta-data/hostname/x", "/2010-01-01/meta-data/",
                    "/latest/other"):
        assert _get(client, missing, server).status_code == 404, missing


def test_local_ipv4_only_when_the_proxy_gave_an_ipv4_address(client, server):
    for address in ("fd00::5", "not-an-address"):
        resp = _get(client, "/latest/meta-data/", server, address=address)
        assert "local-ipv4" not in resp.get_data(as_text=True).split("\n")
        assert _get(client, "/latest/meta-data/local-ipv4", server,
                    address=address).status_code == 404


def test_wrong_signature_or_project_or_server(client, server):
    resp = _get(client, "/openstack/latest/meta_data.json", server, secret="guess")
    assert resp.status_code == 403 and resp.mimetype == "text/plain"
    assert "signature" in resp.get_data(as_text=True)
    assert _get(client, "/", server, project="p2").status_code == 404
    ghost = dict(server, uuid="00000000-0000-0000-0000-000000000000")
    assert _get(client, "/", ghost).status_code == 404
    unsigned = client.get("/", headers={"X-Instance-ID": server["uuid"],
                                        "X-Tenant-ID": "p1"})
    assert unsigned.status_code == 403
    assert client.get("/", headers={"X-Tenant-ID": "p1"}).status_code == 400


def test_a_deleted_server_is_gone(client, db, server):
    instance_service.mark_deleted(db, server["uuid"])
    assert _get(client, "/latest/meta-data/", server).status_code == 404


def test_without_a_secret_every_request_is_refused(db, server, caplog):
    with caplog.at_level("WARNING"):
        client = Client(metadata_app.create_app(_conf(secret=""), database=db))
    assert "proxy_shared_secret" in caplog.text
    # even one signed with an empty key
    assert _get(client, "/", server, secret="").status_code == 403


def test_get_and_head_only(client, server):
    head = _get(client, "/openstack/latest/meta_data.json", server, method="HEAD")
    assert head.status_code == 200 and head.data == b""
    assert int(head.headers["Content-Length"]) > 0
    for method in ("POST", "PUT", "DELETE"):
        resp = _get(client, "/openstack/latest/meta_data.json", server, method=method)
        assert resp.status_code == 405 and resp.headers["Allow"] == "GET, HEAD"


def test_the_guest_posts_its_password_once(client, server):
    path = "/openstack/latest/password"
    assert _get(client, path, server).get_data() == b""
    assert _get(client, "/openstack/2013-04-04/", server).get_data(
        as_text=True).split("\n")[-1] == "password"
    assert _get(client, "/openstack/2012-08-10/password", server).status_code == 404
    too_big = _post(client, path, server, b"x" * 257)
    assert too_big.status_code == 400
    assert _post(client, path, server, b"c2VjcmV0").status_code == 200
    assert _get(client, "/openstack/2013-04-04/password", server).get_data() == \
        b"c2VjcmV0"
    assert _post(client, path, server, b"b3RoZXI=").status_code == 409
    assert _get(client, path, server).get_data() == b"c2VjcmV0"
    # another project's signature is no way in
    assert _post(client, path, server, b"eA==", project="p2").status_code == 404
    assert _get(client, "/openstack/latest/user_data", server,
                method="POST").status_code == 405


def _post(client, path, instance, data, *, project="p1"):
    headers = {"X-Instance-ID": instance["uuid"], "X-Tenant-ID": project,
               "X-Instance-ID-Signature": auth.sign(SECRET, instance["uuid"]),
               "X-Forwarded-For": "10.0.0.5"}
    return client.post(path, data=data, headers=headers)


def test_a_server_on_a_network_is_told_its_vifs(client, db, server):
    vif = {"port_id": "port-1", "network_id": "net-1", "mac": "fa:16:3e:aa:bb:cc",
           "mtu": 1450, "devname": "tapport-1", "fixed_ips": [
               {"ip_address": "10.0.0.9", "subnet_id": "sub-1", "version": 4,
                "cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.1",
                "dns_nameservers": []}]}
    instance_service.update(db, server["uuid"], network_info=[vif])
    network = _get(client, "/openstack/latest/network_data.json", server).get_json()
    assert [link["ethernet_mac_address"] for link in network["links"]] == [
        "fa:16:3e:aa:bb:cc"]
    assert [(n["ip_address"], n["netmask"]) for n in network["networks"]] == [
        ("10.0.0.9", "255.255.255.0")]
    # its own address, not the one the proxy saw
    assert _get(client, "/latest/meta-data/local-ipv4", server,
                address="10.0.0.77").get_data(as_text=True) == "10.0.0.9"


class _Placement:
    """Placement as aggregate membership mirrors it: accepts every change."""

    def add_to_aggregate(self, provider_uuid, aggregate_uuid):
        pass


def test_the_zone_is_the_recorded_one_else_the_hosts(client, db, server):
    zoned = aggregate.create(db, "rack-b", availability_zone="zone-b")
    aggregate.add_host(db, _Placement(), zoned["id"], "node1")
    # scheduled before the conductor recorded zones: no zone, a host in zone-b
    old = instance_service.create(db, CTXT, name="old", flavor=FLAVOR, image_ref="img")
    instance_service.update(db, old["uuid"], host="node1")
    path = "/latest/meta-data/placement/availability-zone"
    assert _get(client, path, old).get_data(as_text=True) == "zone-b"
    instance_service.update(db, old["uuid"], host="node2")  # in no zone
    assert _get(client, path, old).get_data(as_text=True) == "nova"
    # a recorded zone is the answer, wherever its host is now
    instance_service.update(db, server["uuid"], host="node1")
    assert _get(client, path, server).get_data(as_text=True) == "zone-a"
    meta = json.loads(_get(client, "/openstack/latest/meta_data.json", old).data)
    assert meta["availability_zone"] == "nova"
