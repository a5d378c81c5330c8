"""Endpoint base and the expected_errors decorator (no server)."""

import oslo_messaging
import pytest

from sovra_common import exception
from sovra_common.rpc.server import RPCEndpoint, expected_errors


def test_endpoint_must_declare_a_target_version():
    with pytest.raises(TypeError, match="target"):
        class NoTarget(RPCEndpoint):
            pass
    with pytest.raises(TypeError, match="target"):
        class NoVersion(RPCEndpoint):
            target = oslo_messaging.Target()
    with pytest.raises(ValueError):
        class BadVersion(RPCEndpoint):
            target = oslo_messaging.Target(version="one")


def test_the_base_exposes_no_public_method():
    assert [name for name in dir(RPCEndpoint) if not name.startswith("_")] == []


def test_expected_errors_wraps_listed_errors_for_the_dispatcher():
    @expected_errors(exception.NotFound)
    def lookup(ctxt, what):
        raise exception.NotFound(f"no {what}")

    with pytest.raises(oslo_messaging.ExpectedException) as info:
        lookup(None, "widget")
    assert isinstance(info.value.exc_info[1], exception.NotFound)


def test_expected_errors_lets_others_through():
    @expected_errors(exception.NotFound)
    def broken(ctxt):
        raise KeyError("bug")

    with pytest.raises(KeyError):
        broken(None)


def test_expected_errors_defaults_to_every_domain_error():
    @expected_errors()
    def conflict(ctxt):
        raise exception.Conflict()

    with pytest.raises(oslo_messaging.ExpectedException):
        conflict(None)
