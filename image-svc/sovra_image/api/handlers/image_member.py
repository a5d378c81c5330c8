"""Image members: share an image with a project; the project accepts or rejects it."""

from sovra_common.wsgi.routes import json_response
from sovra_image.api import notifications, views
from sovra_image.api.policies import image_member as policies
from sovra_image.api.schemas import image_member as schemas
from sovra_image.service import image as image_service
from sovra_image.service import image_member as member_service


def _db(req):
    return req.state.extras["db"]


def create_image_member(req, image_id):
    body = req.json_body(schemas.CREATE)
    db = _db(req)
    image = image_service.get_visible(db, req.context, image_id)
    req.authorize(policies.ADD, {"project_id": image.owner or ""})
    member = member_service.create(db, req.state.conf, image, body["member"])
    notifications.member_event(req, "create", member)
    return json_response(views.member(member))


def list_image_members(req, image_id):
    db = _db(req)
    image = image_service.get_visible(db, req.context, image_id)
    req.authorize(policies.LIST, image_service.policy_target(db, req.context, image))
    members = member_service.list_members(db, req.context, image)
    return json_response({"members": [views.member(m) for m in members],
                          "schema": "/v2/schemas/members"})


def show_image_member(req, image_id, member_id):
    db = _db(req)
    image = image_service.get_visible(db, req.context, image_id)
    req.authorize(policies.GET, image_service.policy_target(db, req.context, image))
    member = member_service.get(db, req.context, image, member_id)
    return json_response(views.member(member))


def update_image_member(req, image_id, member_id):
    body = req.json_body(schemas.UPDATE)
    db = _db(req)
    image = image_service.get_visible(db, req.context, image_id)
    member_service.get(db, req.context, image, member_id)
    req.authorize(policies.MODIFY, {"project_id": image.owner or "", "member_id": member_id})
    member = member_service.update_status(db, image, member_id, body["status"])
    notifications.member_event(req, "update", member)
    return json_response(views.member(member))


def delete_image_member(req, image_id, member_id):
    db = _db(req)
    image = image_service.get_visible(db, req.context, image_id)
    req.authorize(policies.DELETE, {"project_id": image.owner or ""})
    member = member_service.get(db, req.context, image, member_id)
    member_service.delete(db, image, member_id)
    notifications.member_event(req, "delete", member)
    return json_response(None, status=204)
