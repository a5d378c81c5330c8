"""os-aggregates: host aggregates (admins only): list, create, show, update,
delete, and the add_host, remove_host and set_metadata actions. ``uuid`` in bodies
from 2.41. A zone is the ``availability_zone`` metadata key (``service/aggregate.py``
says what conflicts with what)."""

from __future__ import annotations

from sovra_common import exception
from sovra_common.db import schema
from sovra_common.wsgi.routes import json_response
from sovra_compute.api import views
from sovra_compute.api.policies import aggregate as policies
from sovra_compute.api.schemas import aggregate as schemas
from sovra_compute.service import aggregate, compute_service


class ComputeHostNotFound(exception.NotFound):
    message = "Compute host %(host)s could not be found."


def _db(req):
    return req.state.extras["db"]


def _id(raw: str) -> int:
    """The path's aggregate id: an integer (400 otherwise, as upstream); one
    larger than any id can be is an aggregate that does not exist (404)."""
    try:
        number = int(raw)
    except ValueError:
        raise exception.Invalid(f"Invalid aggregate id: {raw!r} is not an "
                                "integer.") from None
    if not 0 <= number <= schema.INT_MAX:
        raise aggregate.AggregateNotFound(aggregate_id=raw)
    return number


def _view(req, agg: dict, *, full: bool = True) -> dict:
    """The aggregate body (the create answer has no hosts nor metadata)."""
    shown = {"id": agg["id"], "name": agg["name"],
             "availability_zone": agg["availability_zone"],
             "created_at": views.isotime(agg["created_at"]),
             "updated_at": views.isotime(agg["updated_at"]),
             "deleted": False, "deleted_at": None}
    if full:
        shown.update(hosts=list(agg["hosts"]), metadata=dict(agg["metadata"]))
    if req.microversion.matches("2.41"):
        shown["uuid"] = agg["uuid"]
    return shown


#: zone checks and the changes they allow are made one at a time, across API
#: workers: two adds of one host to aggregates of different zones would each pass
#: their check alone
_ZONES_LOCK = "compute-aggregate-zones"


def _zones_locked(req):
    return req.state.extras["coordinator"].lock(_ZONES_LOCK)


def _answer(req, agg: dict, *, full: bool = True):
    return json_response({"aggregate": _view(req, agg, full=full)})


def list_aggregates(req):
    req.authorize(policies.LIST)
    return json_response({"aggregates": [_view(req, a)
                                         for a in aggregate.list_(_db(req))]})


def create_aggregate(req):
    body = req.json_body(schemas.CREATE)["aggregate"]
    req.authorize(policies.CREATE)
    zone = body.get("availability_zone")
    created = aggregate.create(_db(req), body["name"].strip(),
                               zone.strip() if zone else None)
    return _answer(req, created, full=False)


def show_aggregate(req, aggregate_id):
    req.authorize(policies.SHOW)
    return _answer(req, aggregate.get(_db(req), _id(aggregate_id)))


def update_aggregate(req, aggregate_id):
    body = req.json_body(schemas.UPDATE)["aggregate"]
    req.authorize(policies.UPDATE)
    changes = {}
    if "name" in body:
        changes["name"] = body["name"].strip()
    if "availability_zone" in body:
        zone = body["availability_zone"]
        changes["availability_zone"] = zone.strip() if zone else None
    with _zones_locked(req):
        updated = aggregate.update(_db(req), _id(aggregate_id), **changes)
    return _answer(req, updated)


def delete_aggregate(req, aggregate_id):
    req.authorize(policies.DELETE)
    aggregate.delete(_db(req), _id(aggregate_id))
    return json_response(None, status=200)


def _add_host(req, aggregate_id, arg):
    req.authorize(policies.ADD_HOST)
    host = arg["host"]
    live = req.state.extras["coordinator"].members(compute_service.AGENTS_GROUP)
    if host not in {s["host"] for s in compute_service.sync_agents(_db(req), live)}:
        raise ComputeHostNotFound(host=host)
    with _zones_locked(req):
        return aggregate.add_host(_db(req), req.state.extras["placement"](),
                                  aggregate_id, host)


def _remove_host(req, aggregate_id, arg):
    req.authorize(policies.REMOVE_HOST)
    return aggregate.remove_host(_db(req), req.state.extras["placement"](),
                                 aggregate_id, arg["host"])


def _set_metadata(req, aggregate_id, arg):
    req.authorize(policies.SET_METADATA)
    metadata = dict(arg["metadata"])
    if isinstance(metadata.get(aggregate.ZONE_KEY), str):
        metadata[aggregate.ZONE_KEY] = metadata[aggregate.ZONE_KEY].strip()
        if ":" in metadata[aggregate.ZONE_KEY]:
            raise exception.Invalid("An availability zone name may not contain ':'.")
    with _zones_locked(req):
        return aggregate.set_metadata(_db(req), aggregate_id, metadata)


_ACTIONS = {"add_host": _add_host, "remove_host": _remove_host,
            "set_metadata": _set_metadata}


def aggregate_action(req, aggregate_id):
    body = req.json_body(schemas.ACTION)
    name, arg = next(iter(body.items()))
    return _answer(req, _ACTIONS[name](req, _id(aggregate_id), arg))
