"""The token cache: keying, permissions, expiry, and what the Cloud does with it
(restore, store only new tokens, exactly one re-login when the cached token is
refused)."""

import datetime
import json
import stat

import pytest

from sovra_common.cli import token_cache as tc

NOW = datetime.datetime(2030, 1, 1, 12, 0, tzinfo=datetime.UTC)
AUTH = {"auth_url": "http://127.0.0.1:5000/v3", "username": "alice", "password": "pw",
        "user_domain_id": "default", "project_name": "demo", "project_domain_id": "default"}


def _cache(tmp_path, now=NOW):
    return tc.TokenCache(tmp_path / "sovra", now=lambda: now)


def _iso(delta):
    return (NOW + delta).isoformat()


def test_key_depends_on_cloud_url_user_and_scope_not_password():
    base = tc.cache_key("c1", AUTH)
    assert base == tc.cache_key("c1", dict(AUTH))
    assert base == tc.cache_key("c1", {**AUTH, "password": "changed"})
    for change in ({"auth_url": "http://127.0.0.1:5001/v3"}, {"username": "bob"},
                   {"project_name": "other"}, {"project_domain_id": "d2"},
                   {"user_domain_id": "d2"}):
        assert tc.cache_key("c1", {**AUTH, **change}) != base, change
    assert tc.cache_key("c2", AUTH) != base
    assert "pw" not in base and "alice" not in base


def test_store_is_private_and_load_returns_state(tmp_path):
    cache = _cache(tmp_path)
    cache.store("k", '{"auth_token": "t"}', _iso(datetime.timedelta(hours=1)))
    path = cache.path("k")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert cache.load("k") == '{"auth_token": "t"}'
    assert [p.name for p in path.parent.iterdir()] == ["k.json"]  # no temp file left


def test_store_tightens_an_existing_directory(tmp_path):
    folder = tmp_path / "sovra" / "tokens"
    folder.mkdir(parents=True, mode=0o755)
    folder.chmod(0o755)
    _cache(tmp_path).store("k", "s", _iso(datetime.timedelta(hours=1)))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.mark.parametrize("delta, usable", [
    (datetime.timedelta(hours=1), True),
    (tc.EXPIRY_MARGIN + datetime.timedelta(seconds=1), True),
    (tc.EXPIRY_MARGIN, False),                 # about to expire: not reused
    (datetime.timedelta(seconds=-5), False),   # expired
])
def test_expiry(tmp_path, delta, usable):
    cache = _cache(tmp_path)
    cache.store("k", "state", _iso(delta))
    assert (cache.load("k") == "state") is usable
    assert cache.path("k").exists() is usable  # unusable entries are removed


def test_expiry_in_zulu_and_naive_form(tmp_path):
    cache = _cache(tmp_path)
    cache.store("z", "s", (NOW + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    cache.store("n", "s", (NOW + datetime.timedelta(hours=1)).replace(tzinfo=None)
                .isoformat())
    assert cache.load("z") == "s" and cache.load("n") == "s"


def test_missing_and_corrupt_entries(tmp_path):
    cache = _cache(tmp_path)
    assert cache.load("absent") is None
    cache.store("bad", "s", _iso(datetime.timedelta(hours=1)))
    cache.path("bad").write_text("{not json")
    assert cache.load("bad") is None and not cache.path("bad").exists()
    cache.path("bad").write_text(json.dumps({"auth_state": "s", "expires_at": "never"}))
    assert cache.load("bad") is None


def test_default_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert tc.default_dir() == tmp_path / "sovra"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert tc.default_dir() == tmp_path / "home" / ".cache" / "sovra"
