"""sovra_image.client, as compute and the CLI use it, against the real API."""

import hashlib
import io
import os

import pytest
from conftest import PROJECT_A, PROJECT_B
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint

from sovra_common import exception
from sovra_image import client


def _client(api, token):
    sess = ks_session.Session(auth=token_endpoint.Token(endpoint=api.url, token=token))
    return client.ImageClient(sess, endpoint_override=api.url)


def test_create_upload_download_list_delete(image_api):
    images = _client(image_api, f"u:{PROJECT_A}")
    image = images.create_image(name="c1", disk_format="raw", container_format="bare")
    data = os.urandom(3 * 1024 * 1024 + 1)
    images.upload(image["id"], io.BytesIO(data))
    updated = images.update_image(image["id"], name="c2", hw_rng="yes")
    assert (updated["name"], updated["hw_rng"]) == ("c2", "yes")
    out = io.BytesIO()
    assert images.download(image["id"], out) == len(data)
    assert hashlib.sha512(out.getvalue()).digest() == hashlib.sha512(data).digest()
    for n in range(3):
        images.create_image(name=f"more{n}")
    assert len(list(images.list_images(limit=2))) == 4
    assert [i["name"] for i in images.list_images(name="c2")] == ["c2"]

    other = _client(image_api, f"v:{PROJECT_B}")
    with pytest.raises(exception.NotFound):
        other.get_image(image["id"])
    with pytest.raises(exception.NotFound):
        other.download(image["id"], io.BytesIO())
    with pytest.raises(exception.Conflict):
        images.upload(image["id"], b"again")
    images.delete_image(image["id"])
    with pytest.raises(exception.NotFound):
        images.get_image(image["id"])
