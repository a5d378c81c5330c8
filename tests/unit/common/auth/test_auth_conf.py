"""[auth] / [service_auth] options and build_middleware's choice of strategy."""

import pytest
from oslo_config import cfg

from sovra_common import auth
from sovra_common import conf as sovra_conf
from sovra_common.conf import auth as auth_conf


def _conf(tmp_path, text="", name="sovra.conf"):
    path = tmp_path / name
    path.write_text(text)
    conf = sovra_conf.new_conf()
    return sovra_conf.load(conf, "sovra-test", config_files=[str(path)])


def app(environ, start_response):
    start_response("200 OK", [])
    return [b""]


def test_defaults(tmp_path):
    conf = _conf(tmp_path)
    assert conf.auth.strategy == "keystone"
    assert conf.auth.token_cache_ttl == 30
    assert conf.auth.identity_interface == "internal"
    assert conf.service_auth.auth_type is None


def test_list_opts_for_sample_config():
    groups = dict((group.name, opts) for group, opts in auth_conf.list_opts())
    assert {o.name for o in groups["auth"]} >= {
        "strategy", "token_cache_ttl", "token_cache_size", "www_authenticate_uri",
        "public_paths", "identity_interface", "identity_region_name",
        "identity_timeout"}
    names = {o.dest for o in groups["service_auth"]}
    assert names >= {"auth_type", "auth_section", "auth_url", "username", "password",
                     "user_domain_name", "project_name", "project_domain_name",
                     "cafile", "insecure", "timeout"}
    assert len(names) == len(groups["service_auth"])   # no duplicates


def test_noauth_strategy(tmp_path):
    conf = _conf(tmp_path, "[auth]\nstrategy = noauth\n")
    assert isinstance(auth.build_middleware(app, conf), auth.NoAuthMiddleware)


def test_keystone_needs_service_credentials(tmp_path):
    with pytest.raises(cfg.RequiredOptError):
        auth.build_middleware(app, _conf(tmp_path))


def test_keystone_strategy_builds_without_calling_identity(tmp_path):
    conf = _conf(tmp_path, "[auth]\ntoken_cache_ttl = 7\npublic_paths = /extra\n"
                           "[service_auth]\nauth_type = password\n"
                           "auth_url = http://127.0.0.1:9/v3\nusername = svc\n"
                           "password = pw\n")
    mw = auth.build_middleware(app, conf, public=["/v9"])
    try:
        assert isinstance(mw, auth.AuthMiddleware)
        assert mw.token_cache.ttl == 7
        assert mw.www_authenticate_uri == "http://127.0.0.1:9/v3"
        assert mw.is_public({"REQUEST_METHOD": "GET", "PATH_INFO": "/extra/"})
        assert mw.is_public({"REQUEST_METHOD": "GET", "PATH_INFO": "/v9"})
        assert not mw.is_public({"REQUEST_METHOD": "GET", "PATH_INFO": "/v9/x"})
    finally:
        mw.close()


def test_shared_cache_and_predicate(tmp_path):
    conf = _conf(tmp_path, "[auth]\nwww_authenticate_uri = https://id.example/v3\n"
                           "[service_auth]\nauth_type = password\n"
                           "auth_url = http://127.0.0.1:9/v3\n")
    cache = auth.TokenCache()
    mw = auth.build_middleware(app, conf, token_cache=cache,
                               public=lambda environ: environ["PATH_INFO"] == "/p")
    try:
        assert mw.token_cache is cache
        assert mw.www_authenticate_uri == "https://id.example/v3"
        assert mw.is_public({"PATH_INFO": "/p"})
    finally:
        mw.close()


def test_confs_do_not_share_auth_options(tmp_path):
    one = _conf(tmp_path, "[service_auth]\nauth_type = password\n"
                          "auth_url = http://127.0.0.1:9/v3\n")
    auth.build_middleware(app, one).close()     # registers the plugin's options
    one.set_override("token_cache_ttl", 5, group="auth")
    other = _conf(tmp_path, name="other.conf")  # loads: no required auth_url here
    assert other.auth.token_cache_ttl == 30
    assert "auth_url" not in other.service_auth
