"""A real identity API on 127.0.0.1 (ApiServer, SQLite file, Fernet key repository
in tmp), bootstrapped through sovra-manage, one per test module: the tier runs on
pytest-xdist workers, which take modules in no fixed order, and some modules count
what the identity holds (test_identity_clients: its three endpoints)."""

import dataclasses
import uuid

import pytest
import requests

from sovra_common import conf as sovra_conf
from sovra_common.cmd import manage
from sovra_common.wsgi.server import ApiServer
from sovra_identity.api import app as identity_app
from sovra_identity.cmd import api as identity_api
from sovra_identity.cmd import manage as identity_manage
from sovra_identity.db import DATABASE

ADMIN_PASSWORD = "s3cret-admin-pw"


@dataclasses.dataclass
class Identity:
    url: str             # http://127.0.0.1:port
    conf_file: str
    app: object
    conf: object
    admin_password: str = ADMIN_PASSWORD
    _admin_token: str | None = None

    @property
    def auth_url(self):
        return f"{self.url}/v3"

    def manage(self, *argv):
        return manage.main(["--config-file", self.conf_file, "identity", *argv],
                           services=[DATABASE], commands=identity_manage.COMMANDS)

    def token(self, username, password, project=None, domain=None, system=False,
              user_domain="Default"):
        """(token, body) for a password login, or raises for a non-201."""
        auth = {"identity": {"methods": ["password"], "password": {"user": {
            "name": username, "domain": {"name": user_domain}, "password": password}}}}
        if project:
            auth["scope"] = {"project": {"name": project, "domain": {"name": "Default"}}}
        elif domain:
            auth["scope"] = {"domain": {"name": domain}}
        elif system:
            auth["scope"] = {"system": {"all": True}}
        resp = requests.post(f"{self.auth_url}/auth/tokens?nocatalog",
                             json={"auth": auth}, timeout=10)
        assert resp.status_code == 201, resp.text
        return resp.headers["X-Subject-Token"], resp.json()

    @property
    def admin_token(self):
        if self._admin_token is None:
            self._admin_token = self.token("admin", self.admin_password,
                                           project="admin")[0]
        return self._admin_token

    def call(self, method, path, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        headers["X-Auth-Token"] = token or self.admin_token
        return requests.request(method, f"{self.auth_url}{path}", headers=headers,
                                timeout=10, **kwargs)


@pytest.fixture(scope="module")
def identity(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("identity")
    conf_file = tmp / "sovra-identity.conf"
    conf_file.write_text(
        "[database]\n"
        f"connection = sqlite:///{tmp / 'identity.db'}\n"
        "[fernet_tokens]\n"
        f"key_repository = {tmp / 'fernet-keys'}\n"
        "[credential]\n"
        f"key_repository = {tmp / 'credential-keys'}\n"
        "[auth]\n"
        "token_cache_ttl = 30\n"
        "[messaging]\n"
        f"transport_url = sovra-inproc:///identity-{uuid.uuid4().hex}\n")
    argv = ["--config-file", str(conf_file)]
    run = lambda *a: manage.main([*argv, "identity", *a], services=[DATABASE],  # noqa: E731
                                 commands=identity_manage.COMMANDS)
    assert run("db", "sync") == 0
    assert run("fernet", "setup") == 0
    assert run("credential-keys", "setup") == 0
    conf = identity_api.COMPONENT.new_conf()
    sovra_conf.load(conf, "sovra-identity", args=argv, config_files=[])
    app = identity_app.create_app(conf)
    server = ApiServer(app, "127.0.0.1", 0, name="identity-test").start()
    try:
        assert run("bootstrap", "--password", ADMIN_PASSWORD, "--region", "RegionOne",
                   "--public-url", f"{server.url}/v3") == 0
        yield Identity(url=server.url, conf_file=str(conf_file), app=app, conf=conf)
    finally:
        server.stop()
        identity_app.close(app)
