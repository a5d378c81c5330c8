"""The OpenStack metadata layout that the config drive and the metadata API share."""

import base64
import json

import pytest

from sovra_compute.metadata import content

UUID = "3f2a9c4e-1b7d-4e8a-9f00-0c1d2e3f4a5b"
SERVER = {"uuid": UUID, "name": "My Web_Server", "key_name": "k1",
          "metadata": {"role": "web"}, "availability_zone": None, "project_id": "p1"}


def test_meta_data_names_the_server_its_keys_and_zone():
    meta = content.meta_data(SERVER, "ssh-ed25519 AAAA k1")
    assert (meta["uuid"], meta["name"], meta["project_id"]) == (
        UUID, "My Web_Server", "p1")
    assert meta["hostname"] == "my-web-server"
    assert meta["availability_zone"] == "nova" and meta["meta"] == {"role": "web"}
    assert meta["public_keys"] == {"k1": "ssh-ed25519 AAAA k1"}
    assert meta["keys"] == [{"name": "k1", "type": "ssh", "data": "ssh-ed25519 AAAA k1"}]
    assert len(base64.b64decode(meta["random_seed"])) == 512


def test_meta_data_without_a_key_pair_has_no_keys():
    meta = content.meta_data(dict(SERVER, key_name=None), None)
    assert meta["public_keys"] == {} and meta["keys"] == []


def test_a_chosen_hostname_wins_over_the_name():
    assert content.guest_hostname(dict(SERVER, hostname="web1.example.org")) == \
        "web1.example.org"
    assert content.hostname("  --  ") == "server"
    assert content.hostname("a" * 70 + " b") == "a" * 63


def test_openstack_files_carry_decoded_user_data_only_when_there_is_some():
    files = content.openstack_files(
        SERVER, key_data="ssh-rsa X", user_data=base64.b64encode(b"#!/bin/sh\n").decode())
    assert set(files) == {"meta_data.json", "user_data", "network_data.json",
                          "vendor_data.json", "vendor_data2.json"}
    assert files["user_data"] == b"#!/bin/sh\n"
    assert json.loads(files["network_data.json"]) == {
        "links": [], "networks": [], "services": []}
    assert json.loads(files["vendor_data.json"]) == {} == json.loads(
        files["vendor_data2.json"])
    assert "user_data" not in content.openstack_files(SERVER)


def test_network_data_is_passed_through():
    network = {"links": [{"id": "tap1"}], "networks": [], "services": []}
    files = content.openstack_files(SERVER, network_data=network)
    assert json.loads(files["network_data.json"]) == network


def test_user_data_that_is_not_base64_is_refused():
    with pytest.raises(content.InvalidUserData):
        content.openstack_files(SERVER, user_data="not base64!")


VIFS = [{"port_id": "p-a", "network_id": "n-a", "mac": "fa:16:3e:00:00:01", "mtu": 1450,
         "devname": "tapp-a", "fixed_ips": [
             {"ip_address": "fd00::5", "subnet_id": "s6", "version": 6},
             {"ip_address": "10.0.0.5", "subnet_id": "s4", "version": 4}]},
        {"port_id": "p-b", "network_id": "n-b", "mac": "fa:16:3e:00:00:02", "mtu": 1500,
         "devname": "tapp-b", "fixed_ips": [
             {"ip_address": "10.9.0.5", "subnet_id": "s9", "version": 4}]}]


def test_ec2_local_ipv4_is_the_first_fixed_ipv4_else_the_guest_s_address():
    on_networks = dict(SERVER, network_info=VIFS)
    assert content.fixed_ipv4(on_networks) == "10.0.0.5"
    assert content.ec2_meta_data(on_networks, None, local_ipv4="10.9.0.5")[
        "local-ipv4"] == "10.0.0.5"
    assert content.ec2_meta_data(SERVER, None, local_ipv4="10.9.0.5")[
        "local-ipv4"] == "10.9.0.5"
    assert "local-ipv4" not in content.ec2_meta_data(SERVER, None)


def test_ec2_tree_names_the_server_and_lists_its_key_as_upstream_does():
    tree = content.ec2_meta_data(dict(SERVER, flavor={"name": "m1.small"}),
                                 "ssh-rsa X")
    assert tree["instance-id"] == UUID and tree["instance-type"] == "m1.small"
    assert tree["hostname"] == tree["local-hostname"] == "my-web-server"
    assert tree["placement"] == {"availability-zone": "nova"}
    assert tree["public-keys"] == {"0": {"_name": "0=k1", "openssh-key": "ssh-rsa X"}}
    assert "public-keys" not in content.ec2_meta_data(SERVER, None)


def test_openstack_versions_hold_what_they_held_then():
    assert content.openstack_file_names("2012-08-10") == ("meta_data.json",
                                                           "user_data")
    assert "network_data.json" not in content.openstack_file_names("2013-10-17")
    assert "network_data.json" in content.openstack_file_names("2015-10-15")
    assert content.openstack_file_names("latest") == content.openstack_file_names(
        content.OPENSTACK_VERSIONS[-1][0])
    assert content.openstack_file_names("2014-01-01") is None
