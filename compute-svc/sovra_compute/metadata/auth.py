"""Which server a metadata request is for.

Guests reach http://169.254.169.254 through the network agent's metadata proxy,
which knows the guest by its port and relays the request here with::

    X-Instance-ID            the server's uuid
    X-Tenant-ID              its project
    X-Instance-ID-Signature  hex HMAC-SHA256 of X-Instance-ID, keyed with
                             [metadata] proxy_shared_secret
    X-Forwarded-For          the guest's address

Only the proxy knows the secret, so a signed instance id is one the proxy vouched
for; the project must also be the server's (else the server "does not exist").
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import ipaddress

from sovra_common import exception

INSTANCE_ID = "X-Instance-ID"
TENANT_ID = "X-Tenant-ID"
SIGNATURE = "X-Instance-ID-Signature"
FORWARDED_FOR = "X-Forwarded-For"


class MissingHeader(exception.Invalid):
    message = "%(header)s header is missing from request."


class NoSharedSecret(exception.Forbidden):
    message = ("The metadata API has no proxy shared secret ([metadata] "
               "proxy_shared_secret): it serves no request.")


class InvalidSignature(exception.Forbidden):
    message = "Invalid proxy request signature."


@dataclasses.dataclass(frozen=True)
class ProxiedRequest:
    """What the proxy vouched for: the server and project, and the guest's
    address (None when the proxy sent no valid IP address)."""

    instance_id: str
    project_id: str
    remote_address: str | None


def sign(secret: str, instance_id: str) -> str:
    """The signature the proxy sends for ``instance_id``."""
    return hmac.new(secret.encode(), instance_id.encode(), hashlib.sha256).hexdigest()


def signature_matches(secret: str, instance_id: str, signature: str) -> bool:
    """In constant time (no timing oracle on the expected signature)."""
    expected = sign(secret, instance_id).encode()
    return hmac.compare_digest(expected, signature.strip().lower().encode(
        "ascii", errors="replace"))


def _guest_address(forwarded_for: str | None) -> str | None:
    if not forwarded_for:
        return None
    first = forwarded_for.split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(first))
    except ValueError:
        return None


def authenticate(secret: str, headers) -> ProxiedRequest:
    """The proxied request's server, from ``headers`` (a case-insensitive
    mapping). Raises NoSharedSecret or InvalidSignature (403), MissingHeader
    (400)."""
    if not secret:
        raise NoSharedSecret()
    instance_id = headers.get(INSTANCE_ID)
    if not instance_id:
        raise MissingHeader(header=INSTANCE_ID)
    signature = headers.get(SIGNATURE)
    if not signature or not signature_matches(secret, instance_id, signature):
        raise InvalidSignature()
    project_id = headers.get(TENANT_ID)
    if not project_id:
        raise MissingHeader(header=TENANT_ID)
    return ProxiedRequest(instance_id=instance_id, project_id=project_id,
                          remote_address=_guest_address(headers.get(FORWARDED_FOR)))
