"""Unit tests of sovra_common.rpc: no sockets, no servers."""

import uuid

import pytest

from sovra_common import conf as sovra_conf
from sovra_common.rpc import transport as rpc_transport


@pytest.fixture
def conf():
    conf = sovra_conf.new_conf()
    sovra_conf.load(conf, "sovra-test", config_files=[])
    # A bus of this test's own: an in-memory sovra-inproc:// virtual host.
    conf.set_override("transport_url", f"sovra-inproc:///unit-{uuid.uuid4().hex}",
                      group="messaging")
    return conf


@pytest.fixture
def transport(conf):
    transport = rpc_transport.build_rpc_transport(conf)
    yield transport
    transport.cleanup()
