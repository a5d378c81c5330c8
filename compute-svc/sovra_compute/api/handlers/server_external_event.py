"""POST /os-server-external-events: other services' news of servers (the network
service's network-vif-plugged when a server's port turns ACTIVE, block storage's
volume-extended...), cast to the agent of each server's host.

Each event is answered with its own ``code``: 200 (sent to the server's host),
404 (no such server) or 422 (the server is on no host: nothing to tell); the
request is 200 when every event was sent, 207 when some were, 404 when none was.
"""

from __future__ import annotations

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_compute.api.policies import server_external_event as policies
from sovra_compute.api.schemas import server_external_event as schemas
from sovra_compute.service import instance as instance_service


def create_server_external_events(req):
    body = req.json_body(schemas.create(req.microversion))
    req.authorize(policies.CREATE, {"project_id": req.context.project_id})
    db = req.state.extras["db"]
    answers, by_server, instances = [], {}, {}
    for event in body["events"]:
        answer = {"name": event["name"], "server_uuid": event["server_uuid"],
                  "status": event.get("status", "completed")}
        if "tag" in event:
            answer["tag"] = event["tag"]
        uuid = event["server_uuid"]
        if uuid not in instances:
            try:
                instances[uuid] = instance_service.get(db, uuid)
            except instance_service.InstanceNotFound:
                instances[uuid] = None
        instance = instances[uuid]
        if instance is None:
            answer.update(code=404, status="failed")
        elif not instance["host"]:
            answer.update(code=422, status="failed")
        else:
            answer["code"] = 200
            by_server.setdefault(uuid, []).append(
                {"name": answer["name"], "tag": answer.get("tag"),
                 "status": answer["status"]})
        answers.append(answer)
    if not by_server:
        raise exception.NotFound("No instances found for any event")
    agents = req.state.extras["agents"]
    for uuid, events in by_server.items():
        instance = instances[uuid]
        agents.external_instance_event(req.context, instance["host"],
                                       instance_service.for_agent(instance), events)
    status = 200 if all(a["code"] == 200 for a in answers) else 207
    return json_response({"events": answers}, status=status)
