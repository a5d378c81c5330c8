"""The request context across the bus."""

import oslo_messaging
import pytest
from oslo_context import context as oslo_context

from sovra_common import context as sovra_context
from sovra_common.rpc.serializer import RequestContextSerializer


def test_context_object_becomes_a_dict_and_back_through_the_factory():
    serializer = RequestContextSerializer(
        context_factory=sovra_context.RequestContext.from_dict)
    ctxt = sovra_context.RequestContext(user_id="u1", project_id="p1",
                                        roles=["member"], user_name="alice")
    wire = serializer.serialize_context(ctxt)
    assert isinstance(wire, dict)
    rebuilt = serializer.deserialize_context(wire)
    assert type(rebuilt) is sovra_context.RequestContext
    assert (rebuilt.user_id, rebuilt.project_id, rebuilt.roles) == \
        ("u1", "p1", ["member"])
    assert rebuilt.request_id == ctxt.request_id


def test_default_factory_is_sovra_context():
    serializer = RequestContextSerializer()
    # Whatever the sender's class, the receiver gets Sovra's own context.
    ctxt = oslo_context.RequestContext(user_id="u1", project_id="p1", roles=["reader"])
    rebuilt = serializer.deserialize_context(serializer.serialize_context(ctxt))
    assert type(rebuilt) is sovra_context.RequestContext
    assert (rebuilt.user_id, rebuilt.project_id, rebuilt.roles) == ("u1", "p1", ["reader"])


def test_dict_and_none_contexts():
    serializer = RequestContextSerializer(context_factory=dict)
    original = {"user_id": "u1"}
    assert serializer.serialize_context(original) == original
    assert serializer.serialize_context(original) is not original
    assert serializer.serialize_context(None) == {}
    assert serializer.deserialize_context(None) == {}


def test_a_context_without_to_dict_is_refused():
    with pytest.raises(TypeError, match="to_dict"):
        RequestContextSerializer().serialize_context(object())


def test_entities_pass_through_or_go_to_the_base_serializer():
    assert RequestContextSerializer().serialize_entity(None, {"a": 1}) == {"a": 1}

    class Upper(oslo_messaging.NoOpSerializer):
        def serialize_entity(self, ctxt, entity):
            return entity.upper()

        def deserialize_entity(self, ctxt, entity):
            return entity.lower()

    serializer = RequestContextSerializer(base=Upper())
    assert serializer.serialize_entity(None, "abc") == "ABC"
    assert serializer.deserialize_entity(None, "ABC") == "abc"
