"""Request ids: every request gets ``req-<uuid4>``, returned in
``x-openstack-request-id`` on every response (errors included) and logged.

An inbound ``X-OpenStack-Request-ID`` that is a well-formed request id is kept as
the *global* request id (the id of the user's request that caused this one, when a
service calls another), never as our own id: a client cannot choose our log keys.
"""

import uuid

from sovra_common import context

HEADER = "x-openstack-request-id"
ENVIRON_KEY = context.REQUEST_ID_ENVIRON_KEY
GLOBAL_ENVIRON_KEY = context.GLOBAL_REQUEST_ID_ENVIRON_KEY


def new_request_id() -> str:
    return f"req-{uuid.uuid4()}"


def is_valid(value: str | None) -> bool:
    return context.valid_request_id(value) is not None


class RequestIdMiddleware:
    """Outermost WSGI layer, so that even a 401 from auth carries the id.

    ``extra_headers`` repeats the id under service-specific names
    (compute's ``X-Compute-Request-Id``).
    """

    def __init__(self, app, extra_headers=()):
        self.app = app
        self.header_names = (HEADER, *extra_headers)

    def __call__(self, environ, start_response):
        request_id = new_request_id()
        environ[ENVIRON_KEY] = request_id
        inbound = environ.get("HTTP_X_OPENSTACK_REQUEST_ID")
        if is_valid(inbound):
            environ[GLOBAL_ENVIRON_KEY] = inbound

        def start_with_id(status, headers, exc_info=None):
            names = {name.lower() for name, _ in headers}
            headers = list(headers)
            headers.extend((name, request_id) for name in self.header_names
                           if name.lower() not in names)
            return start_response(status, headers, exc_info)

        return self.app(environ, start_with_id)
