"""Helpers of the placement functional tests: an HTTP client and a server."""

import requests

from sovra_common.cmd import manage
from sovra_common.db import Database
from sovra_common.wsgi import deploy
from sovra_common.wsgi.server import ApiServer
from sovra_placement.api import app as placement_app
from sovra_placement.cmd import api as placement_api
from sovra_placement.db import DATABASE


class Client:
    """requests against one server, at one microversion unless told otherwise."""

    def __init__(self, url, version="latest", token="admin", roles=None):
        self.url = url
        self.version = version
        self.token = token
        self.roles = roles
        self.session = requests.Session()

    def __call__(self, method, path, *, version=None, json=None, headers=None, **kw):
        hdrs = {"X-Auth-Token": self.token, "Accept": "application/json"}
        if self.roles:
            hdrs["X-Roles"] = self.roles
        version = version or self.version
        if version:
            hdrs["OpenStack-API-Version"] = f"placement {version}"
        hdrs.update(headers or {})
        return self.session.request(method, self.url + path, json=json, headers=hdrs,
                                    timeout=30, **kw)

    def get(self, path, **kw):
        return self("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self("DELETE", path, **kw)

    def close(self):
        self.session.close()


def make_conf(tmp_path, **placement_opts):
    conf = placement_api.build_conf([], config_files=[])
    conf.set_override("strategy", "noauth", group="auth")
    conf.set_override("connection", f"sqlite:///{tmp_path}/placement.sqlite",
                      group="database")
    conf.set_override("bind_port", 0, group="api")
    for name, value in placement_opts.items():
        conf.set_override(name, value, group="placement")
    return conf


def sync_db(tmp_path):
    config = tmp_path / "placement.conf"
    config.write_text(f"[database]\nconnection = sqlite:///{tmp_path}/placement.sqlite\n")
    assert manage.main(["--config-file", str(config), "placement", "db", "sync"],
                       services=[DATABASE]) == 0


def start_server(tmp_path, **placement_opts):
    """A started ApiServer; ``stop_server`` stops it and closes its database."""
    sync_db(tmp_path)
    conf = make_conf(tmp_path, **placement_opts)
    database = Database.from_conf(conf, name="placement")
    app = deploy.install_middleware(placement_app.create_app(conf, database), conf)
    server = ApiServer(app, "127.0.0.1", 0, name="placement")
    server.database = database
    server.start()
    return server


def stop_server(server):
    server.stop()
    server.database.dispose()
