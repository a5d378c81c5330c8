"""The network API served over HTTP on 127.0.0.1 (noauth, SQLite file, a private
in-process bus, in-process coordination)."""

import dataclasses
import uuid

import pytest
import requests

from sovra_common.cmd import manage
from sovra_common.wsgi import deploy
from sovra_common.wsgi.server import ApiServer
from sovra_network import conf as network_conf
from sovra_network.api import app as network_app
from sovra_network.db import DATABASE, models

PROJECT_A = "a" * 32
PROJECT_B = "b" * 32


@dataclasses.dataclass
class NetworkApi:
    url: str
    conf: object
    app: object

    def request(self, method, path, project=PROJECT_A, roles="member,reader",
                headers=None, **kwargs):
        token = "admin" if project == "admin" else f"u-{project[:4]}:{project}"
        all_headers = {"X-Auth-Token": token, "X-Roles": roles}
        if project == "admin":
            all_headers["X-Roles"] = "admin,member,reader"
        all_headers.update(headers or {})
        return requests.request(method, self.url + path, headers=all_headers,
                                timeout=60, **kwargs)

    def ok(self, method, path, status=200, **kwargs):
        resp = self.request(method, path, **kwargs)
        assert resp.status_code == status, (resp.status_code, resp.text)
        return resp.json() if resp.content else None

    def create(self, collection, body, project=PROJECT_A, **kwargs):
        key = collection[:-1] if collection != "security-groups" else "security_group"
        key = {"security-group-rules": "security_group_rule"}.get(collection, key)
        return self.ok("POST", f"/v2.0/{collection}", status=201, project=project,
                       json={key: body}, **kwargs)[key]

    @property
    def db(self):
        return self.app.extensions["sovra"].extras["db"]


def build_conf(tmp_path, **network_opts):
    db_url = f"sqlite:///{tmp_path / 'network.sqlite'}"
    config = tmp_path / "sovra-network.conf"
    config.write_text(f"[database]\nconnection = {db_url}\n"
                      f"[messaging]\ntransport_url = sovra-inproc:///net-"
                      f"{uuid.uuid4().hex}\n")
    assert manage.main(["--config-file", str(config), "network", "db", "sync"],
                       services=[DATABASE], commands=[]) == 0
    conf = network_conf.new_conf()
    conf(args=["--config-file", str(config)], project="sovra-network",
         default_config_files=[])
    conf.set_override("strategy", "noauth", group="auth")
    for key, value in network_opts.items():
        conf.set_override(key, value, group="network")
    return conf


def serve(tmp_path, servers, **options):
    conf = build_conf(tmp_path, **options)
    app = network_app.create_app(conf)
    deploy.install_middleware(app, conf)
    server = ApiServer(app, "127.0.0.1", 0, name="network").start()
    servers.append((server, app))
    return NetworkApi(server.url, conf, app)


def stop(servers):
    for server, app in servers:
        server.stop()
        network_app.close(app)


@pytest.fixture(scope="module")
def _shared_network_api(tmp_path_factory):
    servers = []
    yield serve(tmp_path_factory.mktemp("network"), servers)
    stop(servers)


@pytest.fixture
def network_api(_shared_network_api):
    """The module's server, with an empty database for each test."""
    api = _shared_network_api
    with api.db.writer() as session:
        for table in reversed(models.Base.metadata.sorted_tables):
            session.execute(table.delete())
    return api


@pytest.fixture
def network_api_factory(tmp_path):
    """A server of its own with [network] options."""
    servers = []
    yield lambda **options: serve(tmp_path, servers, **options)
    stop(servers)
