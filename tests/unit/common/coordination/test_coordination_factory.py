"""Choosing the backend from [coordination] backend_url, and the options themselves."""

import pytest

from sovra_common import conf as sovra_conf
from sovra_common.conf import coordination as coordination_conf
from sovra_common.coordination import etcd, factory, inprocess


def _conf(tmp_path, text=""):
    path = tmp_path / "sovra.conf"
    path.write_text(text)
    return sovra_conf.load(sovra_conf.new_conf(), "sovra", config_files=[str(path)])


def test_defaults_are_lite_mode(tmp_path):
    conf = _conf(tmp_path)
    assert conf.coordination.backend_url == "inprocess://"
    coord = factory.get_coordinator(conf)
    assert isinstance(coord, inprocess.InProcessCoordinator)
    assert (coord.heartbeat_ttl, coord.lock_ttl, coord.lock_timeout) == (10, 30, 60.0)
    assert not coord.started


def test_each_inprocess_coordinator_has_its_own_store(tmp_path):
    conf = _conf(tmp_path)
    assert factory.get_coordinator(conf).store is not factory.get_coordinator(conf).store


def test_etcd_from_conf(tmp_path):
    conf = _conf(tmp_path, "[coordination]\n"
                           "backend_url = etcd3+http://127.0.0.1:23790?prefix=/cloud-a\n"
                           "heartbeat_ttl = 4\nlock_ttl = 6\nlock_timeout = 1.5\n")
    coord = factory.get_coordinator(conf)
    assert isinstance(coord, etcd.EtcdCoordinator)
    assert (coord.host, coord.port, coord.protocol) == ("127.0.0.1", 23790, "http")
    assert coord.prefix == "/cloud-a"
    assert (coord.heartbeat_ttl, coord.lock_ttl, coord.lock_timeout) == (4, 6, 1.5)
    assert not coord.started  # building one does not connect


@pytest.mark.parametrize("url,expected", [
    ("etcd3+http://127.0.0.1", ("127.0.0.1", 2379, "http", "/sovra")),
    ("etcd3+http://127.0.0.1:2379/", ("127.0.0.1", 2379, "http", "/sovra")),
    ("etcd3+https://etcd.example:2389?prefix=a/b/", ("etcd.example", 2389, "https", "/a/b")),
    ("etcd3+http://[::1]:2379?prefix=/", ("::1", 2379, "http", "")),
])
def test_etcd_urls(url, expected):
    coord = factory.coordinator_from_url(url)
    assert (coord.host, coord.port, coord.protocol, coord.prefix) == expected


def test_etcd_tls_files_reach_the_session():
    coord = factory.coordinator_from_url(
        "etcd3+https://127.0.0.1?ca_cert=/etc/ca.pem&cert_cert=/etc/c.pem&cert_key=/etc/k.pem")
    client = coord._new_client()
    try:
        assert client.session.verify == "/etc/ca.pem"
        assert client.session.cert == ("/etc/c.pem", "/etc/k.pem")
        assert client.session.trust_env is False
        assert client.base_url == "https://127.0.0.1:2379"
    finally:
        client.session.close()


@pytest.mark.parametrize("url", [
    "", "memory://", "etcd3://127.0.0.1", "etcd3+http://", "etcd3+http://h:notaport",
    "etcd3+http://h/path", "etcd3+http://h?prefx=/x", "inprocess://somewhere",
])
def test_bad_urls(url):
    with pytest.raises(ValueError):
        factory.coordinator_from_url(url)


def test_conf_rejects_an_unknown_backend_at_load(tmp_path):
    with pytest.raises(ValueError, match=r"\[coordination\] backend_url"):
        _conf(tmp_path, "[coordination]\nbackend_url = zookeeper://127.0.0.1\n")


def test_conf_checks_ttls(tmp_path):
    with pytest.raises(ValueError, match=r"\[coordination\] heartbeat_ttl"):
        _conf(tmp_path, "[coordination]\nheartbeat_ttl = 0\n")


def test_list_opts_documents_every_option():
    [(group, opts)] = coordination_conf.list_opts()
    assert group.name == "coordination"
    assert {opt.name for opt in opts} == {"backend_url", "heartbeat_ttl", "lock_ttl",
                                          "lock_timeout"}
    assert all(opt.help for opt in opts)
