"""The Cloud's use of the token cache with a real keystoneauth1 session and password
plugin, over an in-memory transport (no sockets): a cached token is reused, a new
one stored, and a refused (revoked) cached token costs exactly one password login."""

import argparse
import datetime
import json

import requests
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from sovra_common.cli import auth, token_cache

AUTH_URL = "http://identity.test/v3"
SERVICE_URL = "http://thing.test"


class FakeCloud(requests.adapters.BaseAdapter):
    """Identity (password logins) and one service that accepts valid tokens."""

    def __init__(self):
        super().__init__()
        self.logins = 0
        self.valid = set()
        self.seen = []

    def send(self, request, **kwargs):
        resp = requests.Response()
        resp.request, resp.url = request, request.url
        resp.headers["x-openstack-request-id"] = "req-test"
        if request.method == "POST" and request.url == f"{AUTH_URL}/auth/tokens":
            self.logins += 1
            token = f"tok-{self.logins}"
            self.valid.add(token)
            resp.status_code = 201
            resp.headers["X-Subject-Token"] = token
            resp._content = json.dumps({"token": _token_body()}).encode()
        elif request.url.startswith(SERVICE_URL):
            token = request.headers.get("X-Auth-Token")
            self.seen.append(token)
            resp.status_code = 200 if token in self.valid else 401
            resp._content = b'{"things": []}' if resp.status_code == 200 else \
                b'{"error": {"code": 401, "message": "The token is not valid."}}'
        else:
            resp.status_code = 404
            resp._content = b"{}"
        resp.headers["Content-Type"] = "application/json"
        return resp

    def close(self):
        pass


def _token_body():
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    return {"methods": ["password"], "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
            "issued_at": datetime.datetime.now(datetime.UTC).strftime(
                "%Y-%m-%dT%H:%M:%S.000000Z"),
            "user": {"id": "u1", "name": "alice", "domain": {"id": "default",
                                                              "name": "Default"}},
            "project": {"id": "p1", "name": "demo", "domain": {"id": "default",
                                                                "name": "Default"}},
            "roles": [{"id": "r1", "name": "member"}],
            "catalog": [{"type": "thing", "name": "thing", "id": "s1", "endpoints": [
                {"id": "e1", "interface": "public", "region_id": "RegionOne",
                 "region": "RegionOne", "url": SERVICE_URL}]}]}


class FakeRegion:
    """What Cloud needs of openstacksdk's CloudRegion."""

    name = "test"

    def __init__(self, fake):
        self.auth = {"auth_url": AUTH_URL, "username": "alice", "password": "secret",
                     "project_name": "demo", "user_domain_id": "default",
                     "project_domain_id": "default"}
        self._fake = fake

    def get_session(self):
        transport = requests.Session()
        transport.mount("http://", self._fake)
        plugin = v3.Password(auth_url=AUTH_URL, username="alice", password="secret",
                             project_name="demo", user_domain_id="default",
                             project_domain_id="default")
        return ks_session.Session(auth=plugin, session=transport)

    def get_interface(self):
        return "public"

    def get_region_name(self):
        return "RegionOne"


def _invocation(fake, cache, **options):
    """One ``sovra`` run: a Cloud, a call to the service, finish()."""
    cloud = auth.Cloud(argparse.Namespace(token_cache=True, **options), cache)
    cloud._region = FakeRegion(fake)
    resp = cloud.session.get("/things", endpoint_filter={"service_type": "thing",
                                                         "interface": "public"})
    assert resp.status_code == 200
    cloud.finish()
    return cloud


def test_second_invocation_reuses_the_cached_token(tmp_path):
    fake, cache = FakeCloud(), token_cache.TokenCache(tmp_path)
    _invocation(fake, cache)
    second = _invocation(fake, cache)
    assert fake.logins == 1
    assert fake.seen == ["tok-1", "tok-1"]
    assert second.from_cache
    (entry,) = (tmp_path / "tokens").iterdir()
    assert "secret" not in entry.read_text()


def test_revoked_cached_token_costs_exactly_one_login(tmp_path):
    fake, cache = FakeCloud(), token_cache.TokenCache(tmp_path)
    _invocation(fake, cache)
    fake.valid.clear()                                  # identity revoked tok-1
    _invocation(fake, cache)
    assert fake.logins == 2
    assert fake.seen == ["tok-1", "tok-1", "tok-2"]     # refused once, then retried
    _invocation(fake, cache)                            # the new token was stored
    assert fake.logins == 2 and fake.seen[-1] == "tok-2"


def test_a_refused_fresh_token_is_not_retried_forever(tmp_path):
    fake, cache = FakeCloud(), token_cache.TokenCache(tmp_path)
    fake.valid = type("Never", (), {"add": lambda self, t: None,
                                    "__contains__": lambda self, t: False})()
    cloud = auth.Cloud(argparse.Namespace(token_cache=True), cache)
    cloud._region = FakeRegion(fake)
    resp = cloud.session.get("/things", raise_exc=False,
                             endpoint_filter={"service_type": "thing",
                                              "interface": "public"})
    assert resp.status_code == 401 and fake.logins == 2   # login, 401, one re-login


def test_no_token_cache_option(tmp_path):
    fake, cache = FakeCloud(), token_cache.TokenCache(tmp_path)
    _invocation(fake, cache, **{})
    cloud = auth.Cloud(argparse.Namespace(token_cache=False), cache)
    cloud._region = FakeRegion(fake)
    cloud.session.get("/things", endpoint_filter={"service_type": "thing",
                                                  "interface": "public"})
    cloud.finish()
    assert fake.logins == 2


def test_config_args_pass_only_given_options():
    ns = argparse.Namespace(os_cloud="c", os_username="bob", os_password=None,
                            os_project_name="", insecure=None)
    assert vars(auth._config_args(ns)) == {"os_username": "bob"}


def test_config_loader_leaves_no_bare_openstack_module():
    import sys

    loader = auth._config_loader()
    assert hasattr(loader, "OpenStackConfig")
    mod = sys.modules.get("openstack")
    assert mod is None or hasattr(mod, "connect")
