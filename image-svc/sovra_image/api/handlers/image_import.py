"""Interoperable import: ``PUT /v2/images/{id}/stage`` and ``POST .../import``."""

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_image.api import notifications, upload_body
from sovra_image.api.policies import image_import as policies
from sovra_image.api.schemas import image_import as schemas
from sovra_image.service import image as image_service
from sovra_image.service import image_import as import_service

OCTET_STREAM = "application/octet-stream"


def stage_image_data(req, image_id):
    db = req.state.extras["db"]
    image = image_service.get_visible(db, req.context, image_id)
    req.authorize(policies.STAGE, {"project_id": image.owner or ""})
    if req.mimetype != OCTET_STREAM:
        raise exception.UnsupportedMediaType(
            f"Content type {req.mimetype!r} is not supported; use {OCTET_STREAM}.")
    import_service.stage(db, req.state.conf, image, upload_body.body(req.environ),
                         req.content_length, req.state.extras["limits"])
    return json_response(None, status=204)


def import_image(req, image_id):
    body = req.json_body(schemas.IMPORT)
    db = req.state.extras["db"]
    image = image_service.get_visible(db, req.context, image_id)
    req.authorize(policies.IMPORT, {"project_id": image.owner or ""})
    stores = req.state.extras["store"]
    method = body["method"]["name"]
    wanted = list(stores.stores) if body.get("all_stores") else body.get("stores") or []
    targets = [stores.get(store_id) for store_id in wanted]
    if method == "copy-image":
        if method not in import_service.offered_methods(req.state.conf, stores):
            raise import_service.ImportMethodNotOffered(method=method)
        if not targets:
            raise exception.Invalid("copy-image needs 'stores' (or 'all_stores').")
        import_service.start_copy(db, stores, image, targets)
        notifications.image_event(req, "import", image)
        return json_response(None, status=202)
    if len(targets) > 1:
        raise exception.Invalid(f"{method} imports into one store; copy-image copies "
                                "into more afterwards.")
    import_service.start_import(db, targets[0] if targets else stores, req.state.conf,
                                image, method, body["method"].get("uri"),
                                req.state.extras["limits"])
    notifications.image_event(req, "import", image)
    return json_response(None, status=202)
