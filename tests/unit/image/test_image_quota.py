"""Where per-project quotas come from: configuration, or identity's unified limits."""

import pytest
from keystoneauth1 import exceptions as ks_exc

from sovra_common import exception
from sovra_image import conf as image_conf
from sovra_image.service import quota


@pytest.fixture
def conf():
    conf = image_conf.new_conf()
    conf(args=[], project="sovra-image", default_config_files=[])
    return conf


class FakeIdentity:
    """A keystoneauth-like session answering /v3/limits and /v3/registered_limits."""

    def __init__(self, limits=(), registered=(), fail=False):
        self.limits, self.registered, self.fail = list(limits), list(registered), fail
        self.calls = []

    def get(self, path, params=None, **kwargs):
        self.calls.append((path, dict(params)))
        if self.fail:
            raise ks_exc.ConnectFailure("identity is down")
        rows = self.limits if path == "/v3/limits" else self.registered
        matching = [r for r in rows if all(r.get(k) == v for k, v in params.items())]
        key = "limits" if path == "/v3/limits" else "registered_limits"
        return type("Resp", (), {"json": lambda self: {key: matching}})()


def test_config_limits(conf):
    limits = quota.ConfigLimits(conf)
    assert limits.image_count("p") is None and limits.storage_bytes("p") is None
    conf.set_override("image_count_quota", 5, group="image")
    conf.set_override("image_storage_quota", 1234, group="image")
    assert limits.image_count("p") == 5 and limits.storage_bytes("p") == 1234


def test_project_limit_then_registered_default_then_config(conf):
    conf.set_override("image_count_quota", 7, group="image")
    identity = FakeIdentity(
        limits=[{"project_id": "p1", "service_id": "img", "resource_name": quota.COUNT,
                 "resource_limit": 2}],
        registered=[{"service_id": "img", "resource_name": quota.SIZE_MIB,
                     "default_limit": 10}])
    limits = quota.KeystoneLimits(identity, "img", quota.ConfigLimits(conf))
    assert limits.image_count("p1") == 2        # the project's own limit
    assert limits.storage_bytes("p1") == 10 * quota.MIB  # the registered default
    assert limits.image_count("p2") == 7        # neither: configuration


def test_negative_means_unlimited(conf):
    identity = FakeIdentity(limits=[{"project_id": "p", "service_id": "img",
                                     "resource_name": quota.COUNT, "resource_limit": -1}])
    assert quota.KeystoneLimits(identity, "img", quota.ConfigLimits(conf)) \
        .image_count("p") is None


def test_answers_are_cached(conf):
    clock = [0.0]
    identity = FakeIdentity()
    limits = quota.KeystoneLimits(identity, "img", quota.ConfigLimits(conf),
                                  cache_seconds=30, clock=lambda: clock[0])
    limits.image_count("p")
    limits.image_count("p")
    assert len(identity.calls) == 2  # limits + registered_limits, once
    clock[0] = 31
    limits.image_count("p")
    assert len(identity.calls) == 4


def test_identity_down_fails_closed(conf):
    limits = quota.KeystoneLimits(FakeIdentity(fail=True), "img",
                                  quota.ConfigLimits(conf))
    with pytest.raises(exception.ServiceUnavailable):
        limits.image_count("p")


def test_from_conf(conf):
    assert isinstance(quota.from_conf(conf), quota.ConfigLimits)
    conf.set_override("use_keystone_limits", True, group="image")
    conf.set_override("limits_service_id", "img", group="image")
    limits = quota.from_conf(conf, session_factory=lambda c: FakeIdentity())
    assert isinstance(limits, quota.KeystoneLimits)
