"""GET /v2/images/{id} reads with SQLAlchemy Core (service.image.shown), not through
views.image's ORM objects: its body is the one the list gives, and who may see the
image follows every share, unshare and delete at once (nothing cached)."""

from conftest import PROJECT_A, PROJECT_B, PROJECT_C


def _show(image_api, image_id, project):
    return image_api.request("GET", f"/v2/images/{image_id}", project=project)


def test_show_is_the_listed_body_and_follows_sharing(image_api):
    image = image_api.create(name="shown", visibility="shared", tags=["b", "a"],
                             hw_disk_bus="virtio", os_distro="debian", zz="last")
    assert image_api.upload(image["id"], b"x" * 1024).status_code == 204
    listed = image_api.request("GET", "/v2/images").json()["images"]
    shown = _show(image_api, image["id"], PROJECT_A)
    assert shown.status_code == 200
    assert shown.json() == [i for i in listed if i["id"] == image["id"]][0]
    assert list(shown.json())[-3:] == ["hw_disk_bus", "os_distro", "zz"]
    assert shown.json()["stores"] and shown.json()["tags"] == ["a", "b"]

    assert _show(image_api, image["id"], PROJECT_B).status_code == 404
    members = f"/v2/images/{image['id']}/members"
    assert image_api.request("POST", members,
                             json={"member": PROJECT_B}).status_code == 200
    assert _show(image_api, image["id"], PROJECT_B).json() == shown.json()
    assert _show(image_api, image["id"], PROJECT_C).status_code == 404
    assert image_api.request("DELETE", f"{members}/{PROJECT_B}").status_code == 204
    assert _show(image_api, image["id"], PROJECT_B).status_code == 404

    assert image_api.request("DELETE", f"/v2/images/{image['id']}").status_code == 204
    assert _show(image_api, image["id"], PROJECT_A).status_code == 404
    assert _show(image_api, image["id"], "admin").status_code == 404
