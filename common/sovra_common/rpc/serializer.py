"""Carry the request context across the bus.

The sender turns its context object into a dict (``to_dict()``); the receiver builds
a context object again with a factory (``from_dict``). Arguments, return values and
notification payloads travel as they are, so they must be JSON-serialisable
(dicts, lists, strings, numbers, booleans, None); ``sovra-inproc://`` enforces that
just as a real bus does.
"""

from collections.abc import Callable, Mapping
from typing import Any

import oslo_messaging

from sovra_common import context as sovra_context

ContextFactory = Callable[[dict], Any]


class RequestContextSerializer(oslo_messaging.Serializer):
    """Serialise a context with ``to_dict()``; rebuild it with ``context_factory``.

    ``context_factory`` defaults to ``sovra_common.context.RequestContext.from_dict``,
    so a receiver gets the same context class the API built. ``base``, if given,
    (de)serialises entities (arguments, results, payloads); otherwise they pass
    through unchanged.
    """

    def __init__(self, context_factory: ContextFactory | None = None,
                 base: oslo_messaging.Serializer | None = None):
        self._factory = context_factory or sovra_context.RequestContext.from_dict
        self._base = base

    def serialize_entity(self, ctxt, entity):
        return self._base.serialize_entity(ctxt, entity) if self._base else entity

    def deserialize_entity(self, ctxt, entity):
        return self._base.deserialize_entity(ctxt, entity) if self._base else entity

    def serialize_context(self, ctxt) -> dict:
        if ctxt is None:
            return {}
        if isinstance(ctxt, Mapping):
            return dict(ctxt)
        to_dict = getattr(ctxt, "to_dict", None)
        if to_dict is None:
            raise TypeError(f"cannot send a {type(ctxt).__name__} as a request "
                            "context: it has no to_dict()")
        return to_dict()

    def deserialize_context(self, ctxt: dict):
        return self._factory(dict(ctxt or {}))
