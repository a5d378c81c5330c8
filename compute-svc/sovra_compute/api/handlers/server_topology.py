"""GET /servers/{id}/topology (2.78): the guest's NUMA cells.

Sovra's virt drivers place no guest on NUMA cells (no flavor asks for it: there is
no hw:numa_* support), so a server has no NUMA topology, and the answer is upstream's
answer for such a server: no nodes, no page size.
"""

from __future__ import annotations

from sovra_common.wsgi.routes import json_response
from sovra_compute.api.handlers.server import load
from sovra_compute.api.microversion import require
from sovra_compute.api.policies import server_topology as policies


def show_topology(req, server_id):
    require(req, "2.78")
    load(req, server_id, policies.SHOW)
    return json_response({"nodes": [], "pagesize_kb": None})
