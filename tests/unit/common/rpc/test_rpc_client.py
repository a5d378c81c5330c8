"""Versioned clients: version parsing, caps, can_send_version, choose_version."""

import itertools

import oslo_messaging
import pytest
from oslo_messaging import _utils as oslo_utils

from sovra_common import exception
from sovra_common.rpc import client as rpc_client
from sovra_common.rpc.client import RPCAPI


class WidgetAPI(RPCAPI):
    """Client of the widget agent.

    Version history:

        1.0 - Initial version.
        1.1 - frob takes force.
        1.2 - Added polish.
    """

    TOPIC = "widget-agent"
    VERSION = "1.2"


def test_parse_version():
    assert rpc_client.parse_version("1.12") == (1, 12)
    for bad in ("1", "1.2.3", "a.b", "", None, "1.x"):
        with pytest.raises(ValueError):
            rpc_client.parse_version(bad)


VERSIONS = ["1.0", "1.1", "1.5", "2.0", "2.3", "3.0"]


@pytest.mark.parametrize("version,cap", list(itertools.product(VERSIONS, VERSIONS + [None])))
def test_version_allowed_agrees_with_oslo_messaging(version, cap):
    # The client refuses early what oslo.messaging would refuse at send time.
    assert rpc_client.version_allowed(version, cap) == \
        oslo_utils.version_is_compatible(cap, version)


def test_subclass_must_set_topic_and_version():
    with pytest.raises(TypeError, match="TOPIC"):
        class NoTopic(RPCAPI):
            """1.0 - Initial."""
            VERSION = "1.0"
    with pytest.raises(ValueError):
        class BadVersion(RPCAPI):
            """1 - Initial."""
            TOPIC = "t"
            VERSION = "1"


def test_docstring_must_list_the_current_version():
    with pytest.raises(TypeError, match="version history"):
        class Unlisted(RPCAPI):
            """Version history:

                1.0 - Initial version.
            """
            TOPIC = "t"
            VERSION = "1.1"
    with pytest.raises(TypeError, match="version history"):
        class Prefix(RPCAPI):
            """1.10 - is not 1.1."""
            TOPIC = "t"
            VERSION = "1.1"


def test_a_subclass_without_a_docstring_inherits_the_history():
    class Specialised(WidgetAPI):
        TOPIC = "widget-agent-b"
    assert Specialised.VERSION == "1.2"


def test_no_cap_sends_up_to_version(transport):
    api = WidgetAPI(transport)
    assert api.version_cap is None
    assert api.can_send_version("1.2")
    assert api.can_send_version("1.0")
    assert not api.can_send_version("1.3")
    assert api.choose_version("1.2", "1.0") == "1.2"


def test_cap_degrades_to_an_older_version(transport):
    api = WidgetAPI(transport, version_cap="1.1")
    assert not api.can_send_version("1.2")
    assert api.can_send_version("1.1")
    assert api.choose_version("1.2", "1.1", "1.0") == "1.1"


def test_cap_comes_from_config_per_topic(conf, transport):
    conf.set_override("version_caps", {"widget-agent": "1.0", "other": "9.0"},
                      group="messaging")
    assert WidgetAPI(transport).version_cap == "1.0"
    assert WidgetAPI(transport, version_cap="1.1").version_cap == "1.1"


def test_no_candidate_within_cap_is_a_cap_error(transport):
    api = WidgetAPI(transport, version_cap="1.0")
    with pytest.raises(oslo_messaging.RPCVersionCapError):
        api.choose_version("1.2", "1.1")


def test_an_older_major_can_be_sent_for_peers_before_a_major_bump(transport):
    class Widget2API(RPCAPI):
        """1.0 - Initial version.
        2.0 - Dropped the compatibility arguments of 1.x.
        """
        TOPIC = "widget-agent"
        VERSION = "2.0"

    api = Widget2API(transport, version_cap="1.0")
    assert api.choose_version("2.0", "1.0") == "1.0"
    assert Widget2API(transport).choose_version("2.0", "1.0") == "2.0"


def test_cap_of_a_newer_major_is_refused(transport):
    with pytest.raises(ValueError, match="major"):
        WidgetAPI(transport, version_cap="2.0")


def test_prepare_refuses_versions_beyond_client_or_cap(transport):
    api = WidgetAPI(transport, version_cap="1.1")
    with pytest.raises(ValueError, match="knows versions up to 1.2"):
        api.prepare("1.3")
    with pytest.raises(oslo_messaging.RPCVersionCapError):
        api.prepare("1.2")
    assert isinstance(api.prepare("1.1", server="node1", timeout=3),
                      rpc_client.PreparedCall)


def test_as_local_exception_turns_a_remote_domain_error_into_its_class():
    remote_cls = type("NotFound_Remote", (exception.NotFound,),
                      {"__str__": lambda self: "gone\nTraceback: line 1"})
    remote = remote_cls("gone", resource="widget")
    local = rpc_client.as_local_exception(remote)
    assert type(local) is exception.NotFound
    assert str(local) == "gone"
    assert local.kwargs == {"resource": "widget"}
    assert local.__notes__ == ["Remote traceback:\nTraceback: line 1"]


def test_as_local_exception_leaves_anything_else_alone():
    for exc in (exception.NotFound("here"), ValueError("x"),
                oslo_messaging.RemoteError("KeyError", "k", [])):
        assert rpc_client.as_local_exception(exc) is exc
