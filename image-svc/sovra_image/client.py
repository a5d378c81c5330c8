"""The REST client other Sovra services (compute) and the CLI use for images.

    client = ImageClient(sessions.user_session(service_sess, context))
    image = client.get_image(image_id)
    with open(path, "wb") as out:
        client.download(image_id, out)        # verified against os_hash_value

Speaks the Image API v2 over a keystoneauth1 session; the endpoint comes from the
catalog (service type ``image``) unless ``endpoint_override`` is given. HTTP errors
are raised as sovra_common exceptions (NotFound, Forbidden, Conflict, ...).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exc

from sovra_common import exception
from sovra_common.auth import sessions

_ERRORS = {400: exception.Invalid, 401: exception.NotAuthenticated,
           403: exception.Forbidden, 404: exception.NotFound, 409: exception.Conflict,
           413: exception.PayloadTooLarge, 415: exception.UnsupportedMediaType,
           503: exception.ServiceUnavailable}
PATCH_TYPE = "application/openstack-images-v2.1-json-patch"


class ImageDataCorrupt(exception.SovraError):
    message = "Image %(image_id)s data does not match its %(algo)s hash."


@contextlib.contextmanager
def _translated():
    try:
        yield
    except ks_exc.HttpError as exc:
        kind = _ERRORS.get(exc.http_status)
        if kind is None:
            raise
        raise kind(exc.message or str(exc)) from exc


class ImageClient:
    def __init__(self, session, *, endpoint_override: str | None = None,
                 interface: str = "internal", region_name: str | None = None):
        self._api = adapter.Adapter(session, service_type="image", interface=interface,
                                    region_name=region_name,
                                    endpoint_override=endpoint_override)

    def get_image(self, image_id: str) -> dict:
        with _translated():
            return self._api.get(f"/v2/images/{image_id}").json()

    def list_images(self, **filters) -> Iterator[dict]:
        """Every image the caller sees that matches ``filters``, page after page."""
        path, params = "/v2/images", filters
        while path:
            with _translated():
                page = self._api.get(path, params=params).json()
            yield from page["images"]
            path, params = page.get("next"), None

    def create_image(self, **attrs) -> dict:
        with _translated():
            return self._api.post("/v2/images", json=attrs).json()

    def update_image(self, image_id: str, **changes) -> dict:
        """Set core attributes or custom properties (JSON patch ``add``)."""
        ops = [{"op": "add", "path": f"/{k.replace('~', '~0').replace('/', '~1')}",
                "value": v} for k, v in changes.items()]
        with _translated():
            return self._api.patch(f"/v2/images/{image_id}", json=ops,
                                   headers={"Content-Type": PATCH_TYPE}).json()

    def remove_properties(self, image_id: str, names) -> dict:
        """Remove custom properties (JSON patch ``remove``; a missing one is a 409)."""
        ops = [{"op": "remove", "path": f"/{n.replace('~', '~0').replace('/', '~1')}"}
               for n in names]
        with _translated():
            return self._api.patch(f"/v2/images/{image_id}", json=ops,
                                   headers={"Content-Type": PATCH_TYPE}).json()

    def add_tag(self, image_id: str, tag: str) -> None:
        with _translated():
            self._api.put(f"/v2/images/{image_id}/tags/{tag}")

    def delete_tag(self, image_id: str, tag: str) -> None:
        with _translated():
            self._api.delete(f"/v2/images/{image_id}/tags/{tag}")

    def deactivate(self, image_id: str) -> None:
        with _translated():
            self._api.post(f"/v2/images/{image_id}/actions/deactivate")

    def reactivate(self, image_id: str) -> None:
        with _translated():
            self._api.post(f"/v2/images/{image_id}/actions/reactivate")

    # -- members (sharing with other projects) ------------------------------------------

    def list_members(self, image_id: str) -> list[dict]:
        with _translated():
            return self._api.get(f"/v2/images/{image_id}/members").json()["members"]

    def add_member(self, image_id: str, project_id: str) -> dict:
        with _translated():
            return self._api.post(f"/v2/images/{image_id}/members",
                                  json={"member": project_id}).json()

    def update_member(self, image_id: str, project_id: str, status: str) -> dict:
        """``accepted``, ``rejected`` or ``pending``: the member project's answer."""
        with _translated():
            return self._api.put(f"/v2/images/{image_id}/members/{project_id}",
                                 json={"status": status}).json()

    def remove_member(self, image_id: str, project_id: str) -> None:
        with _translated():
            self._api.delete(f"/v2/images/{image_id}/members/{project_id}")

    def upload(self, image_id: str, data) -> None:
        """Upload ``data`` (a file object, bytes, or an iterator of chunks)."""
        with _translated():
            self._api.put(f"/v2/images/{image_id}/file", data=data,
                          headers={"Content-Type": "application/octet-stream"})

    def stage(self, image_id: str, data) -> None:
        """Upload ``data`` to the image's staging area (interoperable import, step 1)."""
        with _translated():
            self._api.put(f"/v2/images/{image_id}/stage", data=data,
                          headers={"Content-Type": "application/octet-stream"})

    def import_image(self, image_id: str, method: str = "glance-direct", *,
                     uri: str | None = None, stores: list[str] | None = None,
                     all_stores: bool | None = None) -> None:
        """Start an import (step 2; 202: it goes on in the image service)."""
        body = {"method": {"name": method, **({"uri": uri} if uri else {})}}
        if stores:
            body["stores"] = stores
        if all_stores is not None:
            body["all_stores"] = all_stores
        with _translated():
            self._api.post(f"/v2/images/{image_id}/import", json=body)

    def download(self, image_id: str, out, chunk_size: int = 1024 * 1024, *,
                 image: dict | None = None) -> int:
        """Write the image's data to ``out``; returns its size. Raises ImageDataCorrupt
        if it does not hash to the image's ``os_hash_value`` (or ``checksum``).
        ``image``: its metadata, if the caller read it already (one request less)."""
        image = image or self.get_image(image_id)
        algo = image.get("os_hash_algo") or "md5"
        expected = image.get("os_hash_value") or image.get("checksum")
        digest = hashlib.new(algo, usedforsecurity=algo != "md5")
        size = 0
        with _translated():
            resp = self._api.get(f"/v2/images/{image_id}/file", stream=True)
        with contextlib.closing(resp):
            for chunk in resp.iter_content(chunk_size):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        if expected and digest.hexdigest() != expected:
            raise ImageDataCorrupt(image_id=image_id, algo=algo)
        return size

    def delete_image(self, image_id: str) -> None:
        with _translated():
            self._api.delete(f"/v2/images/{image_id}")


def context_factory(conf, *, interface: str = "internal") -> Callable[..., ImageClient]:
    """``for_context(context) -> ImageClient`` acting for ``context``'s user: what
    other services (compute, block storage) reach the image service with."""
    return sessions.for_contexts(conf, lambda sess: ImageClient(sess,
                                                                interface=interface))
