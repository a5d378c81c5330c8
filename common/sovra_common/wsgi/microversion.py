"""Microversion negotiation (the ``OpenStack-API-Version`` header).

A service lists its versions in its own ``api/microversion.py``, one comment each,
and hands the list to the app factory as ``Microversions(service_type, VERSIONS)``.
A handler asks ``req.microversion.matches("2.10")`` rather than forking modules.

Rules, as the API references give them:
- no header: the service's minimum version;
- ``latest``: the maximum;
- a well-formed version outside [min, max]: 406 Not Acceptable;
- a malformed value: 400 Bad Request;
- every response says which version served it (``OpenStack-API-Version`` and
  ``Vary``), so caches keep versions apart.
"""

from __future__ import annotations

import functools
import re

from sovra_common import exception

HEADER = "OpenStack-API-Version"
_VERSION_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)$")


@functools.total_ordering
class Version:
    """A ``major.minor`` microversion; compares numerically (2.10 > 2.9)."""

    __slots__ = ("major", "minor")

    def __init__(self, major: int, minor: int):
        self.major = major
        self.minor = minor

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _VERSION_RE.match(text.strip())
        if not match:
            raise exception.Invalid(f"Invalid microversion format: {text!r}; "
                                    "expected 'X.Y' or 'latest'.")
        return cls(int(match.group(1)), int(match.group(2)))

    def _key(self):
        return (self.major, self.minor)

    def __eq__(self, other):
        other = _coerce(other)
        return isinstance(other, Version) and self._key() == other._key()

    def __lt__(self, other):
        return self._key() < _coerce(other)._key()

    def __hash__(self):
        return hash(self._key())

    def __str__(self):
        return f"{self.major}.{self.minor}"

    def __repr__(self):
        return f"Version({self.major}, {self.minor})"

    def matches(self, min_version=None, max_version=None) -> bool:
        """True when min_version <= self <= max_version (either end may be None)."""
        if min_version is not None and self < _coerce(min_version):
            return False
        if max_version is not None and self > _coerce(max_version):
            return False
        return True


def _coerce(value) -> Version:
    if isinstance(value, Version):
        return value
    if isinstance(value, str):
        return Version.parse(value)
    if isinstance(value, tuple):
        return Version(*value)
    return NotImplemented


class Microversions:
    """The versions one service supports, and how it reads them from a request.

    ``service_type`` is the name clients put in the header (``compute``,
    ``placement``, ``volume``). ``legacy_headers`` are older per-service headers
    still honoured when the standard one is absent (compute's
    ``X-OpenStack-Nova-API-Version``).
    """

    def __init__(self, service_type: str, versions, legacy_headers=()):
        parsed = [Version.parse(v) for v in versions]
        if not parsed:
            raise ValueError("a service needs at least one microversion")
        if parsed != sorted(parsed) or len(set(parsed)) != len(parsed):
            raise ValueError("VERSIONS must be strictly increasing")
        self.service_type = service_type
        self.versions = parsed
        self.legacy_headers = tuple(legacy_headers)

    @property
    def min(self) -> Version:
        return self.versions[0]

    @property
    def max(self) -> Version:
        return self.versions[-1]

    def _requested(self, headers) -> str | None:
        """The raw version string this service was asked for, or None."""
        for value in headers.getlist(HEADER) if hasattr(headers, "getlist") else [
                headers.get(HEADER)]:
            if not value:
                continue
            # "compute 2.11, placement 1.20": one header may name several services.
            for item in value.split(","):
                parts = item.strip().split()
                if len(parts) == 2 and parts[0].lower() == self.service_type:
                    return parts[1]
                if len(parts) != 2 and parts and parts[0].lower() == self.service_type:
                    raise exception.Invalid(
                        f"Invalid {HEADER} header value: {item.strip()!r}.")
        for name in self.legacy_headers:
            value = headers.get(name)
            if value:
                return value.strip()
        return None

    def negotiate(self, headers) -> Version:
        """The version to serve this request at; raises Invalid (400) or
        VersionNotAcceptable (406)."""
        requested = self._requested(headers)
        if requested is None:
            return self.min
        if requested.lower() == "latest":
            return self.max
        version = Version.parse(requested)
        if not version.matches(self.min, self.max):
            raise exception.VersionNotAcceptable(
                f"Version {version} is not supported by the API. Minimum is "
                f"{self.min} and maximum is {self.max}.", version=str(version))
        return version

    def response_headers(self, version: Version) -> dict[str, str]:
        headers = {HEADER: f"{self.service_type} {version}"}
        vary = [HEADER]
        for name in self.legacy_headers:
            headers[name] = str(version)
            vary.append(name)
        headers["Vary"] = ", ".join(vary)
        return headers
