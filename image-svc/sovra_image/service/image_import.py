"""Interoperable image import: stage the data, then import it (Image API v2.6+).

* ``stage``: ``PUT /v2/images/{id}/stage`` streams the data into the staging dir; the
  image goes ``queued`` -> ``uploading`` (back to ``queued``, nothing kept, on
  failure).
* ``glance-direct``: imports staged data: ``uploading`` -> ``importing`` -> ``active``.
* ``web-download``: fetches an http(s) URI whose host is in
  ``[image] web_download_allowed_hosts`` (redirects not followed):
  ``queued`` -> ``importing`` -> ``active``.
* ``copy-image``: copies an active image's data into more stores; the image stays
  ``active`` and gains a location per store.

The import itself runs in a background thread after the request returns (202); it
goes through the same pipeline as a direct upload (format inspection, hashes, size
cap, store commit), and a failure leaves the image ``queued`` with nothing stored.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
import urllib.parse

import requests

from sovra_common import exception
from sovra_image.db.api import image as image_db
from sovra_image.service import image_data

LOG = logging.getLogger(__name__)

METHODS = ("glance-direct", "web-download", "copy-image")
_CHUNK = 1024 * 1024


class ImportMethodNotOffered(exception.Invalid):
    message = "Import method %(method)s is not available on this cloud."


class ImageNotStaged(exception.Conflict):
    message = ("Image %(image_id)s is in status '%(status)s'; glance-direct imports "
               "staged data only (status 'uploading').")


class UriNotAllowed(exception.Forbidden):
    message = "web-download from %(uri)s is not allowed: %(reason)s."


def offered_methods(conf, stores) -> list[str]:
    """The import methods this deployment offers (copy-image needs two stores)."""
    return [m for m in conf.image.enabled_import_methods if m in METHODS
            and (m != "copy-image" or len(stores.stores) > 1)]


def staging_path(conf, image_id: str) -> str:
    return os.path.join(conf.image.staging_dir, image_id)


def stage(db, conf, image, stream, content_length: int | None, limits=None) -> None:
    image_data.check_uploadable(conf, image, content_length, db, limits)
    with db.writer() as session:
        if not image_db.set_status(session, image.id, ("queued",), "uploading"):
            raise image_data.ImageNotQueued(status=image.status)
    os.makedirs(conf.image.staging_dir, exist_ok=True)
    path = staging_path(conf, image.id)
    cap, size = conf.image.image_size_cap, 0
    readinto = image_data.reader(stream)
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    try:
        with open(path, "wb", buffering=0) as staged:
            while got := readinto(buffer):
                size += got
                if size > cap:
                    raise image_data.ImageDataTooLarge(cap=cap)
                written = 0
                while written < got:
                    written += staged.write(view[written:got])
        if content_length is not None and size != content_length:
            raise image_data.ImageDataIncomplete(got=size, expected=content_length)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        with db.writer() as session:
            image_db.set_status(session, image.id, ("uploading",), "queued")
        raise


def discard_staged(conf, image_id: str) -> None:
    """Remove staged data (the image was deleted)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(staging_path(conf, image_id))


def check_uri(conf, uri: str) -> None:
    """Refuse a web-download URI that is not http(s) on an allowed host."""
    parsed = urllib.parse.urlsplit(uri)
    if parsed.scheme not in ("http", "https"):
        raise UriNotAllowed(uri=uri, reason="only http and https are supported")
    if parsed.username or parsed.password:
        raise UriNotAllowed(uri=uri, reason="credentials in the URI are not supported")
    allowed = {h.lower() for h in conf.image.web_download_allowed_hosts}
    if (parsed.hostname or "").lower() not in allowed:
        raise UriNotAllowed(uri=uri, reason="its host is not in the allowed hosts")


def start_import(db, store, conf, image, method: str, uri: str | None = None,
                 limits=None) -> threading.Thread:
    """Check and begin an import; the work goes on in the returned thread."""
    if method not in METHODS or method not in conf.image.enabled_import_methods:
        raise ImportMethodNotOffered(method=method)
    if method == "copy-image":
        raise exception.Invalid("copy-image needs 'stores' (or 'all_stores').")
    if method == "glance-direct":
        if image.status != "uploading" or not os.path.exists(
                staging_path(conf, image.id)):
            raise ImageNotStaged(image_id=image.id, status=image.status)
        expected = ("uploading",)
        work = _import_staged
    else:
        if not uri:
            raise exception.Invalid("web-download needs a 'uri'.")
        check_uri(conf, uri)
        image_data.check_uploadable(conf, image, None)
        expected = ("queued",)
        work = _import_web
    with db.writer() as session:
        if not image_db.set_status(session, image.id, expected, "importing"):
            raise exception.Conflict(f"Image {image.id} cannot be imported from "
                                     f"status '{image.status}'.")
    thread = threading.Thread(target=_run,
                              args=(functools.partial(work, limits=limits), db, store,
                                    conf, image, uri),
                              name=f"image-import-{image.id}", daemon=True)
    thread.start()
    return thread


def start_copy(db, stores, image, targets: list) -> threading.Thread:
    """copy-image: copy the image's data into ``targets`` (Store objects)."""
    if image.status != "active" or not image.locations:
        raise exception.Conflict(f"Image {image.id} must be active to be copied "
                                 f"(it is '{image.status}').")
    present = {loc.store for loc in image.locations}
    targets = [t for t in targets if t.name not in present]
    if not targets:
        raise exception.Conflict(f"Image {image.id} is already in every store asked.")

    def copy_all(db, stores, conf, image, uri):
        for target in targets:
            image_data.copy_to_store(db, stores, image, target)

    thread = threading.Thread(target=_run, args=(copy_all, db, stores, None, image, None),
                              name=f"image-copy-{image.id}", daemon=True)
    thread.start()
    return thread


def _run(work, db, store, conf, image, uri):
    try:
        work(db, store, conf, image, uri)
        LOG.info("image %s imported", image.id)
    except Exception as exc:
        LOG.warning("import of image %s failed: %s", image.id, exc)


def _import_staged(db, store, conf, image, uri, limits=None):
    path = staging_path(conf, image.id)
    try:
        with open(path, "rb") as staged:
            image_data.receive(db, store, conf, image, staged,
                               os.fstat(staged.fileno()).st_size, "importing", limits)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _import_web(db, store, conf, image, uri, limits=None):
    try:
        resp = requests.get(uri, stream=True, allow_redirects=False,
                            timeout=conf.image.web_download_timeout)
        if resp.status_code != 200:
            resp.close()
            raise exception.Invalid(f"web-download of {uri} answered {resp.status_code}")
    except BaseException:
        with db.writer() as session:
            image_db.set_status(session, image.id, ("importing",), "queued")
        raise
    resp.raw.decode_content = True
    with resp:
        length = resp.headers.get("Content-Length")
        image_data.receive(db, store, conf, image, resp.raw,
                           int(length) if length and length.isdigit() else None,
                           "importing", limits)
