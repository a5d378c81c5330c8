"""Unit tests of sovra_common.rpc: no sockets, no servers.

oslo.messaging imports eventlet, which warns on import with EventletDeprecationWarning
(a plain Warning that pyproject.toml's DeprecationWarning filters miss); with
filterwarnings=error that import would fail. Import it once here, quietly.
"""

import uuid
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import eventlet  # noqa: F401
    import oslo_messaging  # noqa: F401

from sovra_common import conf as sovra_conf  # noqa: E402
from sovra_common.rpc import transport as rpc_transport  # noqa: E402


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
