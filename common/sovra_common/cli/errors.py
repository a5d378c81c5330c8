"""One clear line for an error: what failed, the HTTP status, the API's message and the
request id, e.g.::

    Error: HTTP 404 Not Found: Could not find project: nope. (request id req-1b2c...)

Service clients raise either keystoneauth1 HTTP errors or sovra_common exceptions
translated ``from`` them; both are traced back to the HTTP error that carries the
status, the response body and the request id.
"""

from __future__ import annotations

import json

#: exit codes: API or runtime error, usage error (argparse uses 2 as well)
EXIT_ERROR = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """A user-facing error a command raises on purpose (bad combination of options,
    a name that matches nothing): printed as is, exit code 1."""


def _http_error(exc: BaseException):
    """The keystoneauth1 HttpError behind ``exc`` (itself, or a cause), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if getattr(exc, "http_status", None) is not None:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _message_from_body(response) -> str | None:
    """The API's own message in any of the OpenStack error body shapes."""
    if response is None:
        return None
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        text = (getattr(response, "text", "") or "").strip()
        return text.splitlines()[0][:300] if text and "<" not in text[:1] else None
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("error"), dict):                 # identity, image
        err = body["error"]
        return err.get("message") or err.get("title")
    if isinstance(body.get("errors"), list) and body["errors"]:   # placement (API-SIG)
        first = body["errors"][0]
        return first.get("detail") or first.get("title")
    if len(body) == 1:                                        # compute: {"itemNotFound": {...}}
        inner = next(iter(body.values()))
        if isinstance(inner, dict):
            return inner.get("message") or inner.get("detail")
    return body.get("message") or body.get("detail")


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def error_line(exc: BaseException) -> str:
    """The one line printed for ``exc`` (without a trailing newline)."""
    if isinstance(exc, CommandError):
        return f"Error: {exc}"
    http = _http_error(exc)
    if http is not None:
        status = http.http_status
        response = getattr(http, "response", None)
        message = (_message_from_body(response) or getattr(http, "message", None)
                   or str(exc))
        message = " ".join(str(message).split())
        request_id = getattr(http, "request_id", None)
        if not request_id and response is not None:
            request_id = response.headers.get("x-openstack-request-id")
        line = f"Error: HTTP {status} {_reason(status)}: {message}".replace("  ", " ")
        if request_id:
            line += f" (request id {request_id})"
        return line
    name = type(exc).__name__
    text = " ".join(str(exc).split()) or name
    module = type(exc).__module__ or ""
    if module.startswith("keystoneauth1"):
        # connection refused, missing auth options, no endpoint in the catalog...
        if name in ("ConnectFailure", "ConnectTimeout", "SSLError"):
            # keep keystoneauth's "Unable to establish connection to <url>", drop
            # urllib3's retry narrative, keep its reason
            head = text.split(": HTTPConnectionPool")[0].split(": HTTPSConnectionPool")[0]
            for reason in ("Connection refused", "timed out", "Name or service not known",
                           "certificate verify failed"):
                if reason in text and reason not in head:
                    head += f" ({reason})"
                    break
            return f"Error: {head}"
        return f"Error: {text}"
    if module.startswith("sovra_common") or isinstance(exc, (OSError, ValueError)):
        return f"Error: {text}"
    return f"Error: {name}: {text}"
