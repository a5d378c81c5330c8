"""Errors on the wire: each service answers in its OpenStack counterpart's format.

Clients (openstacksdk, the openstack CLI, keystoneauth1, gophercloud) parse these
bodies, so the shapes are part of the API:

=========  ====================================================================
style      body
=========  ====================================================================
compute    ``{"itemNotFound": {"code": 404, "message": "..."}}`` (Nova, Cinder)
identity   ``{"error": {"code": 404, "title": "Not Found", "message": "..."}}``
network    ``{"NeutronError": {"type": "NetworkNotFound", "message": "...",
           "detail": ""}}``
image      ``{"code": "404 Not Found", "title": "Not Found", "message": "..."}``
placement  ``{"errors": [{"status": 404, "title": "Not Found", "detail": "...",
           "code": "placement.undefined_code", "request_id": "req-..."}]}``
=========  ====================================================================

Domain exceptions carry no HTTP status; ``status_for`` is the one place that maps
them. Anything uncaught becomes a 500 in the service's format with the request id,
and its traceback goes to the log, never to the client.
"""

from __future__ import annotations

import abc
import http
import json
import logging

from werkzeug import exceptions as wz_exceptions

from sovra_common import exception

LOG = logging.getLogger(__name__)

# Most specific first: the first isinstance match wins.
_STATUS = (
    (exception.VersionNotAcceptable, 406),
    (exception.PayloadTooLarge, 413),
    (exception.UnsupportedMediaType, 415),
    (exception.Invalid, 400),
    (exception.NotAuthenticated, 401),
    (exception.OverQuota, 403),
    (exception.Forbidden, 403),
    (exception.NotFound, 404),
    (exception.Conflict, 409),
    (exception.NotImplementedYet, 501),
    (exception.ServiceUnavailable, 503),
)


def reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class FaultStyle(abc.ABC):
    """How one OpenStack API family writes an error body."""

    name = "abstract"
    # Where a service family answers an exception kind with another status
    # (Neutron's quota errors are 409, Cinder's 413).
    status_overrides: dict[type, int] = {}

    @abc.abstractmethod
    def body(self, status: int, message: str, *, error_type: str, error_code: str,
             request_id: str | None) -> dict:
        """The JSON-able error body. ``error_type`` is the exception's class name
        (Neutron's ``type``); ``error_code`` its stable code (Placement's ``code``)."""

    def status_for(self, exc: BaseException) -> int:
        for kind, status in self.status_overrides.items():
            if isinstance(exc, kind):
                return status
        return status_for(exc)


class ComputeStyle(FaultStyle):
    name = "compute"
    _names = {400: "badRequest", 401: "unauthorized", 403: "forbidden",
              404: "itemNotFound", 405: "badMethod", 409: "conflictingRequest",
              413: "overLimit", 415: "badMediaType", 429: "overLimit",
              501: "notImplemented", 503: "serviceUnavailable"}

    def body(self, status, message, *, error_type, error_code, request_id):
        return {self._names.get(status, "computeFault"): {"code": status,
                                                          "message": message}}


class BlockStyle(ComputeStyle):
    name = "block"
    status_overrides = {exception.OverQuota: 413}


class IdentityStyle(FaultStyle):
    name = "identity"

    def body(self, status, message, *, error_type, error_code, request_id):
        return {"error": {"code": status, "title": reason(status), "message": message}}


class NetworkStyle(FaultStyle):
    name = "network"
    status_overrides = {exception.OverQuota: 409}

    def body(self, status, message, *, error_type, error_code, request_id):
        return {"NeutronError": {"type": error_type, "message": message, "detail": ""}}


class ImageStyle(FaultStyle):
    name = "image"

    def body(self, status, message, *, error_type, error_code, request_id):
        return {"code": f"{status} {reason(status)}", "title": reason(status),
                "message": message}


class PlacementStyle(FaultStyle):
    name = "placement"

    def body(self, status, message, *, error_type, error_code, request_id):
        error = {"status": status, "title": reason(status), "detail": message,
                 "code": error_code if error_code != exception.SovraError.error_code
                 else "placement.undefined_code"}
        if request_id:
            error["request_id"] = request_id
        return {"errors": [error]}


STYLES = {style.name: style for style in (
    ComputeStyle(), BlockStyle(), IdentityStyle(), NetworkStyle(), ImageStyle(),
    PlacementStyle())}


def get_style(name: str) -> FaultStyle:
    try:
        return STYLES[name]
    except KeyError:
        raise ValueError(f"unknown fault style {name!r}; one of {sorted(STYLES)}") from None


def status_for(exc: BaseException) -> int:
    """The HTTP status of an exception, whatever its origin."""
    if isinstance(exc, wz_exceptions.HTTPException) and exc.code:
        return exc.code
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 500


def _error_type(exc: BaseException | None, status: int) -> str:
    if exc is None:
        return "HTTP" + reason(status).replace(" ", "")
    if isinstance(exc, wz_exceptions.HTTPException):
        return "HTTP" + type(exc).__name__
    return type(exc).__name__


def render(style: FaultStyle, status: int, message: str, *,
           exc: BaseException | None = None,
           request_id: str | None = None) -> tuple[bytes, str]:
    """The error body (bytes) and its content type, in ``style``'s format."""
    error_code = getattr(exc, "error_code", exception.SovraError.error_code)
    body = style.body(status, message, error_type=_error_type(exc, status),
                      error_code=error_code, request_id=request_id)
    return json.dumps(body).encode(), "application/json"


def message_for(exc: BaseException, status: int, request_id: str | None) -> str:
    """What the client is told. For a 500, never the exception's own text."""
    if status >= 500 and not isinstance(exc, (exception.SovraError,
                                              wz_exceptions.HTTPException)):
        return ("An unexpected error occurred and has been logged. Quote request id "
                f"{request_id or '(none)'} when reporting it.")
    if isinstance(exc, exception.PolicyNotEnforced):
        return (f"{exc.msg} This is a bug; it has been logged with request id "
                f"{request_id or '(none)'}.")
    if isinstance(exc, wz_exceptions.HTTPException):
        return exc.description or reason(status)
    return str(exc) or reason(status)
