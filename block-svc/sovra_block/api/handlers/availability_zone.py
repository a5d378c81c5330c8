"""``GET /v3/os-availability-zone``: the zones of the reported backends; a zone is
available while one of its backends is up and enabled."""

from __future__ import annotations

from sovra_block.api.policies import availability_zone as policies
from sovra_block.service import backend as backend_service
from sovra_common.wsgi.routes import json_response


def list_availability_zones(req):
    req.authorize(policies.LIST)
    with req.state.extras["db"].reader() as session:
        zones = backend_service.availability_zones(session, req.state.conf)
    return json_response({"availabilityZoneInfo": [
        {"zoneName": name, "zoneState": {"available": available}}
        for name, available in sorted(zones.items())]})
