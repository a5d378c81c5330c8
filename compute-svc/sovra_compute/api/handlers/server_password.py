"""os-server-password: the encrypted admin password a server's guest posted to
the metadata API ("" before it did), and clearing it."""

from __future__ import annotations

from sovra_common.wsgi.routes import json_response
from sovra_compute.api.handlers.server import load
from sovra_compute.api.policies import server_password as policies
from sovra_compute.service import server_password


def show_server_password(req, server_id):
    instance = load(req, server_id, policies.SHOW)
    return json_response({"password": server_password.get(req.state.extras["db"],
                                                          instance["uuid"])})


def delete_server_password(req, server_id):
    instance = load(req, server_id, policies.CLEAR)
    server_password.clear(req.state.extras["db"], instance["uuid"])
    return json_response(None, status=204)
