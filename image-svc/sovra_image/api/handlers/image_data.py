"""Image data: ``PUT /v2/images/{id}/file`` (streamed upload) and
``GET /v2/images/{id}/file`` (streamed download, with single-range requests)."""

from __future__ import annotations

import flask
from werkzeug import exceptions as wz_exceptions

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_image.api import notifications, upload_body
from sovra_image.api.policies import image_data as policies
from sovra_image.drivers.store.base import StoreError
from sovra_image.service import image as image_service
from sovra_image.service import image_data as data_service

OCTET_STREAM = "application/octet-stream"
DOWNLOAD_CHUNK = 1024 * 1024


def upload_image_data(req, image_id):
    db = req.state.extras["db"]
    image = image_service.get_visible(db, req.context, image_id)
    req.authorize(policies.UPLOAD, {"project_id": image.owner or ""})
    if req.mimetype != OCTET_STREAM:
        raise exception.UnsupportedMediaType(
            f"Content type {req.mimetype!r} is not supported; use {OCTET_STREAM}.")
    stores = req.state.extras["store"]
    wanted = req.headers.get("X-Image-Meta-Store")
    store = stores.get(wanted) if wanted else stores
    image = data_service.upload(db, store, req.state.conf, image,
                                upload_body.body(req.environ),
                                req.content_length, req.state.extras["limits"])
    notifications.image_event(req, "upload", image)
    return json_response(None, status=204)


def _range(req, size: int) -> tuple[int, int] | None:
    """(start, stop) of a satisfiable single-range request; None without Range."""
    if "Range" not in req.headers:
        return None
    wanted = req.range
    bounds = wanted.range_for_length(size) if wanted is not None else None
    if bounds is None:
        raise wz_exceptions.RequestedRangeNotSatisfiable(length=size)
    return bounds


def download_image_data(req, image_id):
    db = req.state.extras["db"]
    image = image_service.get_visible(db, req.context, image_id)
    req.authorize(policies.DOWNLOAD, image_service.policy_target(db, req.context, image))
    location = data_service.data_location(req.context, image)
    if location is None:
        return json_response(None, status=204)
    size = image.size
    bounds = _range(req, size)
    start, stop = bounds if bounds is not None else (0, size)
    try:
        chunks = req.state.extras["store"].read(location, start, stop - start,
                                                DOWNLOAD_CHUNK)
    except StoreError as exc:
        raise exception.ServiceUnavailable(
            f"The data of image {image.id} cannot be read: {exc}") from None
    headers = {"Content-Length": str(stop - start), "Accept-Ranges": "bytes"}
    if bounds is None:
        if image.checksum:
            headers["Content-MD5"] = image.checksum
        status = 200
    else:
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
        status = 206
    return flask.Response(chunks, status=status, headers=headers,
                          mimetype=OCTET_STREAM, direct_passthrough=True)
