"""The Image API v2 over HTTP: images, listing, JSON patch, tags, schemas, versions."""

import uuid

import pytest
from conftest import PROJECT_A, PROJECT_B

PATCH_TYPE = "application/openstack-images-v2.1-json-patch"


def _names(resp):
    assert resp.status_code == 200, resp.text
    return [i["name"] for i in resp.json()["images"]]


class TestVersions:
    def test_root_is_multiple_choices_without_a_token(self, image_api):
        resp = image_api.request("GET", "/", headers={"X-Auth-Token": ""})
        assert resp.status_code == 300
        versions = resp.json()["versions"]
        assert versions[0]["status"] == "CURRENT"
        assert versions[0]["links"][0]["href"] == image_api.url + "/v2/"
        assert image_api.request("GET", "/versions").status_code == 200

    def test_api_needs_a_token(self, image_api):
        resp = image_api.request("GET", "/v2/images", headers={"X-Auth-Token": ""})
        assert resp.status_code == 401


class TestCreateShow:
    def test_create_defaults(self, image_api):
        image = image_api.create(name="cirros", hw_disk_bus="scsi", tags=["a", "a", "b"])
        assert image["status"] == "queued"
        assert image["visibility"] == "shared"
        assert image["owner"] == PROJECT_A
        assert image["protected"] is False and image["os_hidden"] is False
        assert image["size"] is None and image["checksum"] is None
        assert image["hw_disk_bus"] == "scsi"
        assert sorted(image["tags"]) == ["a", "b"]
        assert image["self"] == f"/v2/images/{image['id']}"
        assert image["file"] == f"/v2/images/{image['id']}/file"
        assert image["schema"] == "/v2/schemas/image"
        shown = image_api.request("GET", f"/v2/images/{image['id']}").json()
        assert shown == image

    def test_create_with_an_id_once(self, image_api):
        image_id = str(uuid.uuid4())
        assert image_api.create(id=image_id)["id"] == image_id
        resp = image_api.request("POST", "/v2/images", json={"id": image_id})
        assert resp.status_code == 409

    @pytest.mark.parametrize("attr", ["status", "checksum", "size", "os_hash_value",
                                      "created_at", "self", "locations"])
    def test_read_only_attributes_are_403(self, image_api, attr):
        resp = image_api.request("POST", "/v2/images", json={attr: "x"})
        assert resp.status_code == 403, resp.text
        assert resp.json()["code"] == "403 Forbidden"

    @pytest.mark.parametrize("body", [{"disk_format": "floppy"},
                                      {"container_format": "zip"},
                                      {"min_ram": -1}, {"name": "x" * 256},
                                      {"visibility": "everyone"}, {"custom": 5},
                                      {"protected": "yes"}])
    def test_invalid_values_are_400(self, image_api, body):
        resp = image_api.request("POST", "/v2/images", json=body)
        assert resp.status_code == 400, resp.text

    def test_public_images_are_for_admins(self, image_api):
        resp = image_api.request("POST", "/v2/images", json={"visibility": "public"})
        assert resp.status_code == 403
        public = image_api.create(project="admin", visibility="public")
        assert public["visibility"] == "public"
        assert image_api.create(visibility="community")["visibility"] == "community"

    def test_owner_of_another_project_is_for_admins(self, image_api):
        resp = image_api.request("POST", "/v2/images", json={"owner": PROJECT_B})
        assert resp.status_code == 403
        assert image_api.create(project="admin", owner=PROJECT_B)["owner"] == PROJECT_B

    def test_readers_cannot_create(self, image_api):
        resp = image_api.request("POST", "/v2/images", json={}, roles="reader")
        assert resp.status_code == 403

    def test_unknown_and_malformed_ids_are_404(self, image_api):
        for image_id in (str(uuid.uuid4()), "not-a-uuid"):
            resp = image_api.request("GET", f"/v2/images/{image_id}")
            assert resp.status_code == 404
            assert resp.json()["title"] == "Not Found"


class TestIsolation:
    def test_private_image_is_invisible_to_other_projects(self, image_api):
        image = image_api.create(name="mine", visibility="private")
        assert image_api.upload(image["id"], b"secret").status_code == 204
        for path in ("", "/file", "/members"):
            resp = image_api.request("GET", f"/v2/images/{image['id']}{path}",
                                     project=PROJECT_B)
            assert resp.status_code == 404, path
        assert _names(image_api.request("GET", "/v2/images", project=PROJECT_B)) == []
        resp = image_api.patch(image["id"], [{"op": "replace", "path": "/name",
                                              "value": "x"}], project=PROJECT_B)
        assert resp.status_code == 404
        assert image_api.request("DELETE", f"/v2/images/{image['id']}",
                                 project=PROJECT_B).status_code == 404

    def test_public_image_is_readable_not_writable_by_others(self, image_api):
        image = image_api.create(project="admin", visibility="public", name="pub")
        assert image_api.request("GET", f"/v2/images/{image['id']}",
                                 project=PROJECT_B).status_code == 200
        assert "pub" in _names(image_api.request("GET", "/v2/images", project=PROJECT_B))
        resp = image_api.patch(image["id"], [{"op": "replace", "path": "/name",
                                              "value": "x"}], project=PROJECT_B)
        assert resp.status_code == 403
        assert image_api.request("DELETE", f"/v2/images/{image['id']}",
                                 project=PROJECT_B).status_code == 403

    def test_community_images_are_listed_on_request(self, image_api):
        image_api.create(name="comm", visibility="community")
        assert _names(image_api.request("GET", "/v2/images", project=PROJECT_B)) == []
        assert _names(image_api.request("GET", "/v2/images?visibility=community",
                                        project=PROJECT_B)) == ["comm"]

    def test_admin_sees_every_image(self, image_api):
        image_api.create(name="a-private", visibility="private")
        assert "a-private" in _names(image_api.request("GET", "/v2/images",
                                                       project="admin"))


class TestList:
    @pytest.fixture
    def images(self, image_api):
        made = [image_api.create(name=f"img{i}", min_ram=i % 3,
                                 disk_format="qcow2" if i % 2 else "raw",
                                 tags=["even"] if i % 2 == 0 else ["odd"],
                                 os_distro="ubuntu" if i < 3 else "debian")
                for i in range(7)]
        image_api.upload(made[0]["id"], b"x" * 10)
        image_api.upload(made[2]["id"], b"x" * 2000)
        return made

    def test_default_order_is_newest_first(self, image_api, images):
        names = _names(image_api.request("GET", "/v2/images"))
        assert names == [f"img{i}" for i in reversed(range(7))]

    @pytest.mark.parametrize("query,expected", [
        ("name=img3", ["img3"]),
        ("name=in:img3,img5", ["img3", "img5"]),
        ("disk_format=qcow2", ["img1", "img3", "img5"]),
        ("tag=even&min_ram=0", None),
        ("tag=odd", ["img1", "img3", "img5"]),
        ("tag=odd&tag=even", []),
        ("status=active", ["img0", "img2"]),
        ("size_min=11", ["img2"]),
        ("size_max=100", ["img0"]),
        # bounds past the 64-bit size column were a 500 (OverflowError)
        (f"size_min={10 ** 20}", []),
        (f"size_max={10 ** 20}", ["img0", "img2"]),
        (f"size_min=0&size_max={2 ** 63}", ["img0", "img2"]),
        ("os_distro=ubuntu", ["img0", "img1", "img2"]),
        ("visibility=shared", [f"img{i}" for i in range(7)]),
        ("protected=true", []),
        (f"owner={PROJECT_A}&name=img1", ["img1"]),
    ])
    def test_filters(self, image_api, images, query, expected):
        names = sorted(_names(image_api.request("GET", f"/v2/images?{query}")))
        if expected is None:  # min_ram is not a filter: a custom property of that name
            assert names == []
        else:
            assert names == expected

    def test_sort_syntaxes(self, image_api, images):
        by_name = _names(image_api.request("GET", "/v2/images?sort=name:asc"))
        assert by_name == [f"img{i}" for i in range(7)]
        mixed = _names(image_api.request("GET", "/v2/images?sort=min_ram:desc,name:asc"))
        assert mixed == ["img2", "img5", "img1", "img4", "img0", "img3", "img6"]
        keyed = _names(image_api.request(
            "GET", "/v2/images?sort_key=min_ram&sort_key=name&sort_dir=asc&sort_dir=desc"))
        assert keyed == ["img6", "img3", "img0", "img4", "img1", "img5", "img2"]

    @pytest.mark.parametrize("query", ["sort=bogus", "sort=name:up", "limit=-1",
                                       "sort=name&sort_key=name", "size_min=abc",
                                       "visibility=everyone", "marker=" + "0" * 36,
                                       "created_at=gt:yesterday",
                                       "sort_key=name&sort_key=id&sort_dir=asc&"
                                       "sort_dir=asc&sort_dir=asc"])
    def test_bad_queries_are_400(self, image_api, images, query):
        assert image_api.request("GET", f"/v2/images?{query}").status_code == 400

    def test_marker_pagination_follows_next_links(self, image_api, images):
        seen, path = [], "/v2/images?limit=3&sort=name:asc&tag=odd&tag=odd"
        pages = 0
        while path:
            body = image_api.request("GET", path).json()
            seen += [i["name"] for i in body["images"]]
            path, pages = body.get("next"), pages + 1
            assert pages < 10
        assert seen == ["img1", "img3", "img5"]
        seen, path = [], "/v2/images?limit=2&sort_key=min_ram&sort_dir=desc"
        while path:
            body = image_api.request("GET", path).json()
            seen += [i["name"] for i in body["images"]]
            path = body.get("next")
        assert sorted(seen) == [f"img{i}" for i in range(7)]
        assert len(seen) == 7

    def test_hidden_images_are_left_out_by_default(self, image_api, images):
        image_api.create(name="hidden", os_hidden=True)
        assert "hidden" not in _names(image_api.request("GET", "/v2/images"))
        assert _names(image_api.request("GET", "/v2/images?os_hidden=true")) == ["hidden"]

    def test_time_filters(self, image_api, images):
        created = images[3]["created_at"]
        assert len(_names(image_api.request(
            "GET", f"/v2/images?created_at=lte:{created[:4]}-12-31T23:59:59Z"))) == 7
        assert _names(image_api.request(
            "GET", "/v2/images?created_at=gt:2999-01-01T00:00:00Z")) == []


class TestPatch:
    def test_core_and_custom_properties(self, image_api):
        image = image_api.create(name="a", k1="v1", k2="v2")
        resp = image_api.patch(image["id"], [
            {"op": "replace", "path": "/name", "value": "b"},
            {"op": "add", "path": "/min_disk", "value": 5},
            {"op": "add", "path": "/k3", "value": "v3"},
            {"op": "replace", "path": "/k1", "value": "w1"},
            {"op": "remove", "path": "/k2"},
            {"op": "replace", "path": "/tags", "value": ["t1", "t2"]},
            {"op": "replace", "path": "/protected", "value": True}])
        assert resp.status_code == 200, resp.text
        patched = resp.json()
        assert (patched["name"], patched["min_disk"], patched["k1"], patched["k3"]) == \
            ("b", 5, "w1", "v3")
        assert "k2" not in patched
        assert sorted(patched["tags"]) == ["t1", "t2"]
        assert patched["protected"] is True
        assert image_api.request("GET", f"/v2/images/{image['id']}").json() == patched

    @pytest.mark.parametrize("op,status", [
        ({"op": "replace", "path": "/status", "value": "active"}, 403),
        ({"op": "add", "path": "/os_hash_value", "value": "x"}, 403),
        ({"op": "replace", "path": "/missing", "value": "x"}, 409),
        ({"op": "remove", "path": "/missing"}, 409),
        ({"op": "remove", "path": "/name"}, 403),
        ({"op": "replace", "path": "/min_ram", "value": "lots"}, 400),
        ({"op": "add", "path": "/custom", "value": 1}, 400),
        ({"op": "move", "path": "/name", "from": "/x"}, 400),
        ({"op": "replace", "path": "/visibility", "value": "public"}, 403),
    ])
    def test_refused_operations(self, image_api, op, status):
        image = image_api.create()
        resp = image_api.patch(image["id"], [op])
        assert resp.status_code == status, resp.text

    def test_only_the_patch_media_type(self, image_api):
        image = image_api.create()
        resp = image_api.request("PATCH", f"/v2/images/{image['id']}",
                                 json=[{"op": "replace", "path": "/name", "value": "x"}])
        assert resp.status_code == 415

    def test_formats_change_only_while_queued(self, image_api):
        image = image_api.create()
        op = [{"op": "replace", "path": "/disk_format", "value": "qcow2"}]
        image_api.upload(image["id"], b"data")
        assert image_api.patch(image["id"], op).status_code == 403


class TestDeleteAndActions:
    def test_delete(self, image_api):
        image = image_api.create()
        assert image_api.upload(image["id"], b"bytes").status_code == 204
        assert image_api.request("DELETE", f"/v2/images/{image['id']}").status_code == 204
        assert image_api.request("GET", f"/v2/images/{image['id']}").status_code == 404
        assert image_api.request("DELETE", f"/v2/images/{image['id']}").status_code == 404
        objects = image_api.store_dir / "objects"
        assert not any(p.is_file() for p in objects.rglob("*"))

    def test_protected_image_cannot_be_deleted(self, image_api):
        image = image_api.create(protected=True)
        assert image_api.request("DELETE", f"/v2/images/{image['id']}").status_code == 403
        image_api.patch(image["id"], [{"op": "replace", "path": "/protected",
                                       "value": False}])
        assert image_api.request("DELETE", f"/v2/images/{image['id']}").status_code == 204

    def test_deactivate_reactivate(self, image_api):
        image = image_api.create()
        path = f"/v2/images/{image['id']}"
        resp = image_api.request("POST", path + "/actions/deactivate", project="admin")
        assert resp.status_code == 403  # queued
        image_api.upload(image["id"], b"bytes")
        assert image_api.request("POST", path + "/actions/deactivate").status_code == 403
        assert image_api.request("POST", path + "/actions/deactivate",
                                 project="admin").status_code == 204
        assert image_api.request("GET", path).json()["status"] == "deactivated"
        assert image_api.request("GET", path + "/file").status_code == 403
        assert image_api.request("GET", path + "/file", project="admin").content == b"bytes"
        assert image_api.request("POST", path + "/actions/reactivate",
                                 project="admin").status_code == 204
        assert image_api.request("GET", path + "/file").content == b"bytes"


class TestTags:
    def test_add_and_delete(self, image_api):
        image = image_api.create(tags=["a"])
        path = f"/v2/images/{image['id']}/tags"
        assert image_api.request("PUT", path + "/b").status_code == 204
        assert image_api.request("PUT", path + "/b").status_code == 204
        assert sorted(image_api.request("GET", f"/v2/images/{image['id']}")
                      .json()["tags"]) == ["a", "b"]
        assert image_api.request("DELETE", path + "/a").status_code == 204
        assert image_api.request("DELETE", path + "/a").status_code == 404
        assert image_api.request("PUT", path + "/" + "x" * 256).status_code == 400
        assert image_api.request("PUT", path + "/c", project=PROJECT_B).status_code == 404

    def test_tag_quota(self, image_api_factory):
        api = image_api_factory(image_tag_quota=2)
        image = api.create(tags=["a", "b"])
        assert api.request("PUT", f"/v2/images/{image['id']}/tags/c").status_code == 403


class TestSchemas:
    @pytest.mark.parametrize("name", ["image", "images", "member", "members"])
    def test_schemas(self, image_api, name):
        resp = image_api.request("GET", f"/v2/schemas/{name}")
        assert resp.status_code == 200
        assert resp.json()["name"] == name

    def test_image_schema_lists_the_configured_formats(self, image_api):
        schema = image_api.request("GET", "/v2/schemas/image").json()
        assert "qcow2" in schema["properties"]["disk_format"]["enum"]
        assert schema["properties"]["status"]["readOnly"] is True
        assert schema["additionalProperties"] == {"type": "string", "maxLength": 65535}

    def test_stores(self, image_api):
        stores = image_api.request("GET", "/v2/info/stores").json()["stores"]
        assert stores == [{"id": "file", "description": "Filesystem store",
                           "default": True}]
