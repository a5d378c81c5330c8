"""Integration tier: real servers, started on demand, stopped at session end.

Fixtures (session-scoped; a server starts only when a test asks for it):
  rabbitmq_url    "rabbit://sovra:PASSWORD@127.0.0.1:PORT/"   (oslo.messaging URL)
  mariadb_server  .url_for(dbname) -> "mysql+pymysql://sovra:PASSWORD@127.0.0.1:PORT/
                  dbname?charset=utf8mb4", creating the database if needed
  etcd_endpoint   ("127.0.0.1", PORT)
  libvirt_uri     "qemu:///system": the host's libvirtd (and virtlogd), started as
                  root unless it runs already, stopped at the end only if started
                  by the session (servers.LibvirtDaemon)

Every test under tests/integration is marked `integration`.
"""

from pathlib import Path

import pytest
from integration import servers

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


def _running(server):
    """Start `server` for the session; a missing program fails, never skips."""
    try:
        server.start()
    except servers.MissingBinary as exc:
        pytest.fail(str(exc), pytrace=False)
    return server


@pytest.fixture(scope="session")
def rabbitmq_url():
    server = _running(servers.RabbitMQServer())
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def mariadb_server():
    server = _running(servers.MariaDBServer())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def etcd_endpoint():
    server = _running(servers.EtcdServer())
    yield server.endpoint
    server.stop()


@pytest.fixture(scope="session")
def libvirt_uri():
    daemon = _running(servers.LibvirtDaemon())
    yield daemon.uri
    daemon.stop()
