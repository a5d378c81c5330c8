"""The image service through openstacksdk, as users drive it."""

import hashlib
import os

import openstack
import pytest
from conftest import PROJECT_A, PROJECT_B
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint

# openstacksdk warns about its own internals (deprecated code paths it still calls).
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


def connect(api, token):
    """An SDK connection to the image endpoint; noauth tokens are user:project."""
    sess = ks_session.Session(auth=token_endpoint.Token(endpoint=api.url, token=token))
    return openstack.connection.Connection(session=sess, image_endpoint_override=api.url)


@pytest.fixture
def conn_a(image_api):
    return connect(image_api, f"alice:{PROJECT_A}")


@pytest.fixture
def conn_b(image_api):
    return connect(image_api, f"bob:{PROJECT_B}")


def _create(conn, path, name, **kwargs):
    with open(path, "rb") as data:
        return conn.image.create_image(name=name, data=data, disk_format="raw",
                                       container_format="bare", allow_duplicates=True,
                                       wait=True, **kwargs)


def test_upload_download_roundtrip(conn_a, tmp_path):
    data = os.urandom(5 * 1024 * 1024 + 3)
    src = tmp_path / "disk.raw"
    src.write_bytes(data)
    image = _create(conn_a, src, "roundtrip")
    image = conn_a.image.get_image(image.id)
    assert image.status == "active"
    assert image.size == len(data)
    assert image.checksum == hashlib.md5(data).hexdigest()
    assert image.hash_algo == "sha512"
    assert image.hash_value == hashlib.sha512(data).hexdigest()

    out = tmp_path / "out.raw"
    conn_a.image.download_image(image, output=str(out))
    assert hashlib.sha512(out.read_bytes()).hexdigest() == image.hash_value
    assert out.read_bytes() == data


def test_create_with_glance_direct_import(conn_a, tmp_path):
    data = os.urandom(2 * 1024 * 1024)
    src = tmp_path / "imported.raw"
    src.write_bytes(data)
    image = _create(conn_a, src, "imported", use_import=True)
    image = conn_a.image.wait_for_status(image, "active", failures=["queued"],
                                         interval=0.1, wait=20)
    assert image.hash_value == hashlib.sha512(data).hexdigest()
    assert conn_a.image.download_image(image).content == data


def test_properties_tags_and_listing(conn_a, tmp_path):
    src = tmp_path / "small.raw"
    src.write_bytes(b"\1" * 4096)
    image = _create(conn_a, src, "props")
    image = conn_a.image.update_image(image, name="renamed", min_ram=256,
                                      hw_disk_bus="scsi", sovra_flavour="vanilla")
    assert (image.name, image.min_ram, image.hw_disk_bus) == ("renamed", 256, "scsi")
    assert image.properties["sovra_flavour"] == "vanilla"
    image = conn_a.image.get_image(image.id)
    assert image.properties["sovra_flavour"] == "vanilla"
    conn_a.image.add_tag(image, "golden")
    listed = list(conn_a.image.images(tag="golden"))
    assert [i.id for i in listed] == [image.id]
    assert [i.name for i in conn_a.image.images(name="renamed")] == ["renamed"]
    for n in range(4):
        conn_a.image.create_image(name=f"more{n}", allow_duplicates=True,
                                  disk_format="raw", container_format="bare")
    # paginates through "next" links
    assert len(list(conn_a.image.images(limit=2))) == 5


def test_share_accept_deactivate_delete(image_api, conn_a, conn_b, tmp_path):
    src = tmp_path / "shared.raw"
    src.write_bytes(b"\2" * 8192)
    image = _create(conn_a, src, "to-share")

    # isolation: B neither sees nor downloads A's image
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn_b.image.get_image(image.id)
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn_b.image.download_image(image.id)
    assert list(conn_b.image.images()) == []

    member = conn_a.image.add_member(image, member_id=PROJECT_B)
    assert member.status == "pending"
    member = conn_b.image.update_member(member, image, status="accepted")
    assert member.status == "accepted"
    assert [i.id for i in conn_b.image.images()] == [image.id]
    resp = conn_b.image.download_image(image.id)
    assert resp.content == src.read_bytes()

    admin = connect(image_api, "admin")
    admin.image.deactivate_image(image)
    assert conn_a.image.get_image(image.id).status == "deactivated"
    # (openstacksdk does not raise on a failed download: it hashes the error body)
    resp = image_api.request("GET", f"/v2/images/{image.id}/file", project=PROJECT_B)
    assert resp.status_code == 403
    admin.image.reactivate_image(image)
    assert conn_a.image.get_image(image.id).status == "active"

    with pytest.raises(openstack.exceptions.ForbiddenException):
        conn_b.image.delete_image(image)
    conn_a.image.delete_image(image)
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn_a.image.get_image(image.id)
