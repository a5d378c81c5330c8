"""The RPC contract: fingerprints of an endpoint's methods, for the contract test.

Each service pins its endpoints in a unit test::

    def test_compute_agent_rpc_contract():
        check_fingerprint(ComputeAgentEndpoint, "1.1", {
            "build_instance": "3f0c9d2a81b4e7c5",
        })

When someone changes, adds or removes an RPC method without bumping the endpoint's
``target`` version, the test fails and says so; after a bump it fails until the new
fingerprint is pinned, and prints the line to pin. A signature is its parameters'
names, kinds and defaults; annotations and bodies are not part of it.
"""

import hashlib
import inspect
from collections.abc import Callable, Mapping

from sovra_common.rpc.client import parse_version
from sovra_common.rpc.server import RPCEndpoint

_LITERALS = (type(None), bool, int, float, str, bytes)


def rpc_methods(endpoint_cls: type) -> dict[str, Callable]:
    """The methods a server dispatches to: public callables, inherited ones
    included, except those of RPCEndpoint and object."""
    hidden = set(dir(RPCEndpoint))
    return {name: member for name, member in inspect.getmembers(endpoint_cls)
            if not name.startswith("_") and name not in hidden
            and inspect.isroutine(member)}


def _default_text(value) -> str:
    if isinstance(value, _LITERALS) or (
            isinstance(value, tuple) and all(isinstance(v, _LITERALS) for v in value)):
        return repr(value)
    return f"<{type(value).__name__}>"  # not its repr: that may hold an address


def signature_text(func: Callable) -> str:
    """The canonical text of a method's signature, ``self`` left out."""
    parts = []
    for param in list(inspect.signature(func).parameters.values())[1:]:
        text = f"{param.kind.name}:{param.name}"
        if param.default is not inspect.Parameter.empty:
            text += "=" + _default_text(param.default)
        parts.append(text)
    return ", ".join(parts)


def fingerprint(endpoint_cls: type) -> dict[str, str]:
    """``{method name: hash of its signature}`` for every RPC method."""
    return {name: hashlib.sha256(signature_text(func).encode()).hexdigest()[:16]
            for name, func in sorted(rpc_methods(endpoint_cls).items())}


def _pin_line(endpoint_cls, version, methods) -> str:
    body = "".join(f"\n    {name!r}: {digest!r}," for name, digest in methods.items())
    return f"check_fingerprint({endpoint_cls.__name__}, {version!r}, {{{body}\n}})"


def check_fingerprint(endpoint_cls: type, version: str,
                      methods: Mapping[str, str]) -> None:
    """AssertionError unless ``endpoint_cls`` is at ``version`` with exactly the
    pinned ``methods`` fingerprints, with a message saying what to do."""
    current_version = endpoint_cls.target.version
    current = fingerprint(endpoint_cls)
    if current_version == version and current == dict(methods):
        return
    name = endpoint_cls.__name__
    pin = _pin_line(endpoint_cls, current_version, current)
    if current_version == version:
        changes = []
        for method in sorted(set(current) | set(methods)):
            if method not in methods:
                changes.append(f"added {method}")
            elif method not in current:
                changes.append(f"removed {method}")
            elif current[method] != methods[method]:
                changes.append(f"changed {method}")
        raise AssertionError(
            f"{name}'s RPC methods changed without a version bump ({', '.join(changes)}"
            f"). Bump {name}.target (a minor version for an added method or "
            "optional argument, a major one otherwise), the client's VERSION and its "
            f"version history; make the client degrade for older peers; then pin:\n"
            f"{pin}")
    if parse_version(current_version) < parse_version(version):
        raise AssertionError(f"{name} went back from version {version} to "
                             f"{current_version}: versions only move forward")
    raise AssertionError(f"{name} is now at version {current_version} (pinned "
                         f"{version}): pin its fingerprint:\n{pin}")
