"""Every route of the Image API (walked from its route table, so a new route is
covered by itself): no JSON body or query string, however broken, gets a 500; a
broken body is a 400."""

import pytest
from functional import route_walk

from sovra_image.api.routes import ROUTES

#: (method, path) of the writes that read a JSON body (PATCH: a JSON patch);
#: the others take image data (any bytes are data) or nothing
JSON_BODIES = {("POST", "/v2/images"),
               ("PATCH", "/v2/images/<image_id>"),
               ("POST", "/v2/images/<image_id>/import"),
               ("POST", "/v2/images/<image_id>/members"),
               ("PUT", "/v2/images/<image_id>/members/<member_id>")}
PATCH_TYPE = "application/openstack-images-v2.1-json-patch"


@pytest.fixture(scope="module")
def api(_shared_image_api):
    return _shared_image_api[0]


@pytest.fixture(scope="module")
def resources(api):
    """One of each resource a route names, so that requests reach their body."""
    image = api.create(project="admin", name="every-route", visibility="shared")
    api.upload(image["id"], b"\0" * 512, project="admin")
    member = "b" * 32
    resp = api.request("POST", f"/v2/images/{image['id']}/members", project="admin",
                       json={"member": member})
    assert resp.status_code == 200, resp.text
    return {"image_id": image["id"], "member_id": member, "tag": "t1"}


def test_every_json_body_route_is_walked():
    writes = {(method, path) for path, methods in ROUTES.items() for method in methods
              if method in ("POST", "PUT", "PATCH")}
    assert JSON_BODIES <= writes  # a route renamed in the table is noticed here


BAD_BODIES = {
    **route_walk.BAD_BODIES,
    "wrong member types": b'{"name": [], "visibility": 5, "member": {}, "protected": 1,'
                          b' "method": "x", "tags": "t", "min_disk": "lots"}',
    "wrong patch operations": b'[{"op": "explode", "path": "/name"}, {"op": "add"},'
                              b' {"op": "replace", "path": 5, "value": []}, 7]',
}


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
def test_bad_bodies_are_400_on_every_json_write(api, resources, kind):
    wrong = []
    for method, path in sorted(JSON_BODIES):
        content_type = PATCH_TYPE if method == "PATCH" else "application/json"
        resp = api.request(method, route_walk.fill(path, resources), project="admin",
                           data=BAD_BODIES[kind], headers={"Content-Type": content_type})
        if resp.status_code != 400:
            wrong.append(f"{method} {path}: {resp.status_code} {resp.text[:160]}")
    assert not wrong, wrong
    assert api.request("GET", route_walk.fill("/v2/images/<image_id>", resources),
                       project="admin").json()["name"] == "every-route"


BAD_QUERY = {"limit": "many", "marker": "nobody", "sort": "\x00:up", "sort_key": "(",
             "sort_dir": "sideways", "name": "*(", "status": "melted",
             "visibility": "everyone", "member_status": "x", "owner": "%",
             "tag": "\u2603", "size_min": "small", "size_max": "-1",
             "created_at": "gt:yesterday", "updated_at": "lte:2020-13-45",
             "protected": "perhaps", "os_hidden": "maybe", "id": "in:[",
             "disk_format": "in:", "container_format": "\x01"}


def test_bad_query_strings_are_never_a_500(api, resources):
    assert not route_walk.server_errors_of_queries(
        lambda path, params: api.request("GET", route_walk.fill(path, resources),
                                         project="admin", params=params),
        ROUTES, BAD_QUERY)
