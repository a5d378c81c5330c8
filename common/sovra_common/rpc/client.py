"""Base of the versioned RPC clients, the ``<X>API`` classes.

A service's ``rpc.py`` subclasses :class:`RPCAPI` once per topic::

    class ComputeAgentAPI(RPCAPI):
        \"\"\"Client of the compute agent.

        Version history:

            1.0 - Initial version.
            1.1 - build_instance takes flavor.
        \"\"\"

        TOPIC = "compute-agent"
        VERSION = "1.1"

        def build_instance(self, ctxt, host, instance, flavor):
            version = self.choose_version("1.1", "1.0")
            kwargs = {"instance": instance}
            if version == "1.1":
                kwargs["flavor"] = flavor
            self.prepare(version, server=host).cast(ctxt, "build_instance", **kwargs)

Rules: the docstring is the version history and lists VERSION (checked when the
class is defined); each method picks the newest version its peer understands and
degrades for an older one; a minor bump only adds optional arguments or methods,
anything else is a new major version. The endpoint's ``target`` version moves with
VERSION, and ``sovra_common.rpc.contract.check_fingerprint()`` catches a signature change made
without a bump.

A version cap (``version_cap`` argument, else [messaging] version_caps[TOPIC]) keeps
a client from sending anything newer than peers not yet upgraded understand.
"""

import inspect
import re
from typing import ClassVar

import oslo_messaging

from sovra_common import exception
from sovra_common.rpc.serializer import RequestContextSerializer

_VERSION = re.compile(r"^(\d+)\.(\d+)$")
_REMOTE_SUFFIX = "_Remote"


def parse_version(version: str) -> tuple[int, int]:
    """``"1.4"`` -> ``(1, 4)``; ValueError for anything that is not MAJOR.MINOR."""
    match = _VERSION.match(version or "")
    if match is None:
        raise ValueError(f"RPC version {version!r} is not MAJOR.MINOR")
    return int(match.group(1)), int(match.group(2))


def version_allowed(version: str, cap: str | None) -> bool:
    """Whether a peer capped at ``cap`` (None: no cap) understands ``version``:
    same major, minor no newer than the cap's."""
    if cap is None:
        return True
    major, minor = parse_version(version)
    cap_major, cap_minor = parse_version(cap)
    return major == cap_major and minor <= cap_minor


def as_local_exception(exc: BaseException) -> BaseException:
    """The domain exception a remote endpoint raised, as its own class.

    oslo.messaging rebuilds an allowed remote exception as a ``<Name>_Remote``
    subclass whose ``str()`` carries the remote traceback. This returns an instance
    of the class itself with the same attributes and a clean ``str()``; the remote
    traceback becomes a note (shown when the exception is logged). Anything else is
    returned unchanged.
    """
    cls = type(exc)
    if not (isinstance(exc, exception.SovraError) and cls.__name__.endswith(_REMOTE_SUFFIX)):
        return exc
    original = cls.__mro__[1]
    local = original.__new__(original, *exc.args)
    local.__dict__.update(vars(exc))
    local.args = exc.args
    remote = str(exc)
    prefix = str(exc.args[0]) if exc.args else ""
    if remote.startswith(prefix):
        remote = remote[len(prefix):].lstrip("\n")
    if remote:
        local.add_note("Remote traceback:\n" + remote)
    return local


class PreparedCall:
    """An RPC client bound to a version and a destination; from RPCAPI.prepare()."""

    def __init__(self, call_context):
        self._cctxt = call_context

    def call(self, ctxt, method: str, **kwargs):
        """Run ``method`` on one server and return its result.

        Raises MessagingTimeout when no reply comes in time, a domain exception
        (sovra_common.exception or an allowed module) as itself, anything else
        raised remotely as oslo_messaging.RemoteError.
        """
        try:
            return self._cctxt.call(ctxt, method, **kwargs)
        except exception.SovraError as exc:
            local = as_local_exception(exc)
            if local is exc:
                raise
            raise local from None

    def cast(self, ctxt, method: str, **kwargs) -> None:
        """Send ``method`` without waiting: to one server, or to all with fanout."""
        self._cctxt.cast(ctxt, method, **kwargs)


class RPCAPI:
    """Base of every ``<X>API`` class (see the module docstring for the contract)."""

    TOPIC: ClassVar[str]
    VERSION: ClassVar[str]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("TOPIC", "VERSION"):
            if not isinstance(getattr(cls, name, None), str):
                raise TypeError(f"{cls.__name__} must set {name} to a string")
        parse_version(cls.VERSION)
        history = inspect.getdoc(cls) or ""
        listed = re.search(rf"^\s*{re.escape(cls.VERSION)}\b", history, re.M)
        if listed is None:
            raise TypeError(f"{cls.__name__}'s docstring is its version history and "
                            f"must list its VERSION {cls.VERSION} on a line of its own")

    def __init__(self, transport: oslo_messaging.Transport, *,
                 version_cap: str | None = None,
                 serializer: oslo_messaging.Serializer | None = None):
        """``transport`` from build_rpc_transport(); its conf gives the call timeout
        and, unless ``version_cap`` is given, [messaging] version_caps[TOPIC]."""
        conf = transport.conf
        if version_cap is None:
            version_cap = conf.messaging.version_caps.get(self.TOPIC)
        if version_cap is not None:
            if parse_version(version_cap)[0] > parse_version(self.VERSION)[0]:
                raise ValueError(f"version cap {version_cap} for {self.TOPIC} is of a "
                                 f"major version this client ({self.VERSION}) "
                                 "cannot send")
        self.version_cap = version_cap
        self._client = oslo_messaging.get_rpc_client(
            transport,
            oslo_messaging.Target(topic=self.TOPIC, version=self.VERSION),
            serializer=serializer or RequestContextSerializer(),
            timeout=conf.messaging.rpc_response_timeout,
            version_cap=version_cap)

    def can_send_version(self, version: str) -> bool:
        """Whether this client may send ``version``: not newer than VERSION (an
        older major is fine, for peers not yet through a major bump) and within the
        version cap."""
        return (parse_version(version) <= parse_version(self.VERSION)
                and version_allowed(version, self.version_cap))

    def choose_version(self, *candidates: str) -> str:
        """The first of ``candidates`` (newest first) that can be sent.

        Raises oslo_messaging.RPCVersionCapError if none can: the peer is too old
        for this operation.
        """
        for version in candidates:
            if self.can_send_version(version):
                return version
        raise oslo_messaging.RPCVersionCapError(version=candidates[-1],
                                                version_cap=self.version_cap)

    def prepare(self, version: str, *, server: str | None = None,
                fanout: bool = False, timeout: float | None = None) -> PreparedCall:
        """A call at ``version`` to the topic, or to one node (``server=host``,
        the ``topic.host`` queue), or to every node (``fanout=True``, casts only).

        ``timeout`` overrides [messaging] rpc_response_timeout for this call.
        """
        if parse_version(version) > parse_version(self.VERSION):
            raise ValueError(f"{type(self).__name__} knows versions up to "
                             f"{self.VERSION}, not {version}")
        if not version_allowed(version, self.version_cap):
            raise oslo_messaging.RPCVersionCapError(version=version,
                                                    version_cap=self.version_cap)
        options = {"version": version}
        if server is not None:
            options["server"] = server
        if fanout:
            options["fanout"] = True
        if timeout is not None:
            options["timeout"] = timeout
        return PreparedCall(self._client.prepare(**options))
