"""``GET /v2.0/extensions`` and ``/v2.0/extensions/<alias>`` (api/extensions.py)."""

from sovra_common.wsgi.routes import json_response
from sovra_network import exception as net_exc
from sovra_network.api import extensions
from sovra_network.api.policies import extension as policies


def list_extensions(req):
    req.authorize(policies.GET)
    return json_response({"extensions": extensions.as_dicts()})


def show_extension(req, alias):
    req.authorize(policies.GET)
    extension = extensions.find(alias)
    if extension is None:
        raise net_exc.ExtensionNotFound(alias=alias)
    return json_response({"extension": extension})
