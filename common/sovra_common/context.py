"""The request context: who is calling, in which scope, with which roles.

The auth middleware builds one per API request and leaves it in
``environ['sovra.context']``; handlers pass it down to the service layer, policy reads
``to_policy_values()``, and RPC carries it as ``to_dict()`` / ``from_dict()``.

Sovra's context is oslo.context's, with three decisions on top:

- ``is_admin`` follows the roles unless given explicitly: a context is admin when it
  holds the ``admin`` role (case-insensitive). ``elevated()`` and
  ``get_internal_context()`` set it explicitly.
- ``to_dict()`` carries everything needed to rebuild the context on the far side of an
  RPC call, including the names and the service-token fields that oslo.context's own
  ``to_dict()`` leaves out.
- ``from_environ()`` also reads Sovra's request ids (``environ['sovra.request_id']``,
  ``environ['sovra.global_request_id']``, both set by the request-id middleware), or
  else a well-formed incoming ``X-OpenStack-Request-ID`` as the global request id.
"""

import copy
import re

from oslo_context import context as oslo_context

# WSGI environ keys shared by the middleware and the API layer.
CONTEXT_ENVIRON_KEY = "sovra.context"
REQUEST_ID_ENVIRON_KEY = "sovra.request_id"
GLOBAL_REQUEST_ID_ENVIRON_KEY = "sovra.global_request_id"

ADMIN_ROLE = "admin"
SERVICE_ROLE = "service"

# The request id format OpenStack services exchange; anything else from a client is
# ignored rather than trusted into logs and error bodies.
_REQUEST_ID_RE = re.compile(
    r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Fields oslo.context's to_dict() omits but a context rebuilt after RPC needs. Its
# from_dict() reads the names already; the service fields go in FROM_DICT_EXTRA_KEYS.
_NAME_KEYS = ("user_name", "project_name", "domain_name", "user_domain_name",
              "project_domain_name")
_SERVICE_KEYS = (
    "service_token", "service_user_id", "service_user_name", "service_user_domain_id",
    "service_user_domain_name", "service_project_id", "service_project_name",
    "service_project_domain_id", "service_project_domain_name", "service_roles",
)
_EXTRA_DICT_KEYS = _NAME_KEYS + _SERVICE_KEYS


def valid_request_id(value) -> str | None:
    """``value`` if it is a well-formed ``req-<uuid>`` request id, else None."""
    if isinstance(value, str) and _REQUEST_ID_RE.match(value):
        return value
    return None


class RequestContext(oslo_context.RequestContext):
    """Security and tracing information of one request (or one piece of work).

    Keyword arguments only; they are oslo.context's (user_id, project_id, domain_id,
    roles, system_scope, service_roles, request_id, ...). ``to_policy_values()`` is
    oslo.context's: user_id, user_domain_id, project_id, project_domain_id, domain_id,
    system_scope, roles, is_admin_project and the service_* fields, service_roles
    among them; oslo.policy takes it as the credentials.
    """

    FROM_DICT_EXTRA_KEYS = list(_SERVICE_KEYS)

    def __init__(self, **kwargs):
        # None = derive from the roles (check_is_admin), on first use.
        kwargs.setdefault("is_admin", None)
        super().__init__(**kwargs)
        self.roles = list(self.roles)
        self.service_roles = list(self.service_roles)

    def check_is_admin(self) -> bool:
        return any(role.lower() == ADMIN_ROLE for role in self.roles)

    @property
    def is_service(self) -> bool:
        """True when a valid service token with the ``service`` role came along."""
        return any(role.lower() == SERVICE_ROLE for role in self.service_roles)

    def to_dict(self) -> dict:
        values = super().to_dict()
        for key in _EXTRA_DICT_KEYS:
            value = getattr(self, key)
            values[key] = list(value) if isinstance(value, list) else value
        values["roles"] = list(self.roles)
        return values

    @classmethod
    def from_environ(cls, environ, **kwargs):
        """Build a context from the identity headers the auth middleware set.

        The request id is ``environ['sovra.request_id']`` when present, else
        oslo.middleware's ``openstack.request_id``, else a new one; the global one
        ``environ['sovra.global_request_id']``, oslo.middleware's, or a well-formed
        ``X-OpenStack-Request-ID`` header.
        """
        if "request_id" not in kwargs and environ.get(REQUEST_ID_ENVIRON_KEY):
            kwargs["request_id"] = environ[REQUEST_ID_ENVIRON_KEY]
        if ("global_request_id" not in kwargs
                and "openstack.global_request_id" not in environ):
            incoming = (environ.get(GLOBAL_REQUEST_ID_ENVIRON_KEY)
                        or valid_request_id(environ.get("HTTP_X_OPENSTACK_REQUEST_ID")))
            if incoming:
                kwargs["global_request_id"] = incoming
        return super().from_environ(environ, **kwargs)

    def elevated(self) -> "RequestContext":
        """A copy with admin rights, for service-internal steps of a user's request
        (the user stays recorded; the copy holds the ``admin`` role)."""
        ctx = copy.copy(self)
        ctx.roles = list(self.roles)
        if not any(role.lower() == ADMIN_ROLE for role in ctx.roles):
            ctx.roles.append(ADMIN_ROLE)
        ctx.service_roles = list(self.service_roles)
        ctx.is_admin = True
        return ctx


def get_internal_context(request_id: str | None = None,
                         global_request_id: str | None = None) -> RequestContext:
    """A context for work the service does on its own behalf (periodic tasks, RPC
    handlers acting for no user): no user, no project, admin and service roles."""
    return RequestContext(request_id=request_id, global_request_id=global_request_id,
                          is_admin=True, roles=[ADMIN_ROLE], service_roles=[SERVICE_ROLE],
                          overwrite=False)
