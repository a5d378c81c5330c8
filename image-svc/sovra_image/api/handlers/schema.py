"""The JSON schemas clients may fetch: ``GET /v2/schemas/{image,images,member,members}``."""

from sovra_common.wsgi.routes import json_response
from sovra_image.api.policies import schema as policies
from sovra_image.api.schemas import image_member as member_schemas


def show_image_schema(req):
    req.authorize(policies.GET)
    return json_response(req.state.extras["schemas"].document)


def show_images_schema(req):
    req.authorize(policies.GET)
    return json_response(req.state.extras["schemas"].documents)


def show_member_schema(req):
    req.authorize(policies.GET)
    return json_response(member_schemas.DOCUMENT)


def show_members_schema(req):
    req.authorize(policies.GET)
    return json_response(member_schemas.DOCUMENTS)
