"""os-availability-zone: the zones servers can be put in (and, for admins, the
compute agents in each)."""

from __future__ import annotations

from sovra_common.wsgi.routes import json_response
from sovra_compute.api import views
from sovra_compute.api.policies import availability_zone as policies
from sovra_compute.service import availability_zone, compute_service


def _zones(req):
    live = set(req.state.extras["coordinator"].members(compute_service.AGENTS_GROUP))
    return availability_zone.zones(req.state.extras["db"], live), live


def list_availability_zones(req):
    req.authorize(policies.LIST)
    zones, _ = _zones(req)
    return json_response({"availabilityZoneInfo": [
        {"zoneName": z["name"], "zoneState": {"available": z["available"]},
         "hosts": None} for z in zones]})


def list_availability_zones_detail(req):
    req.authorize(policies.DETAIL)
    zones, live = _zones(req)
    return json_response({"availabilityZoneInfo": [
        {"zoneName": z["name"], "zoneState": {"available": z["available"]},
         "hosts": {host: {service["binary"]: {
             "available": host in live and not service["forced_down"],
             "active": not service["disabled"],
             "updated_at": views.isotime(service["updated_at"])}}
             for host, service in z["hosts"].items()}}
        for z in zones]})
