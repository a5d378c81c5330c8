"""Image tags: ``PUT`` and ``DELETE /v2/images/{id}/tags/{tag}``."""

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_image.api.policies import image as policies
from sovra_image.service import image as image_service

MAX_TAG_LENGTH = 255


def add_image_tag(req, image_id, tag):
    db = req.state.extras["db"]
    image = image_service.get_visible(db, req.context, image_id)
    req.authorize(policies.MODIFY, {"project_id": image.owner or ""})
    if len(tag) > MAX_TAG_LENGTH:
        raise exception.Invalid(f"Tag is longer than {MAX_TAG_LENGTH} characters.")
    image_service.add_tag(db, req.state.conf, image, tag)
    return json_response(None, status=204)


def delete_image_tag(req, image_id, tag):
    db = req.state.extras["db"]
    image = image_service.get_visible(db, req.context, image_id)
    req.authorize(policies.MODIFY, {"project_id": image.owner or ""})
    image_service.delete_tag(db, image, tag)
    return json_response(None, status=204)
