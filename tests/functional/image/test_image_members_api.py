"""Sharing images between projects over HTTP: the members API."""

from conftest import PROJECT_A, PROJECT_B, PROJECT_C


def _ids(resp):
    assert resp.status_code == 200, resp.text
    return [i["id"] for i in resp.json()["images"]]


def test_share_accept_reject(image_api):
    image = image_api.create(name="shared-one")
    members = f"/v2/images/{image['id']}/members"
    resp = image_api.request("POST", members, json={"member": PROJECT_B})
    assert resp.status_code == 200, resp.text
    member = resp.json()
    assert member["status"] == "pending" and member["member_id"] == PROJECT_B
    assert member["image_id"] == image["id"] and member["schema"] == "/v2/schemas/member"
    assert image_api.request("POST", members, json={"member": PROJECT_B}).status_code == 409

    # pending: visible by id, not in the default list, listed with member_status
    assert image_api.request("GET", f"/v2/images/{image['id']}",
                             project=PROJECT_B).status_code == 200
    assert _ids(image_api.request("GET", "/v2/images", project=PROJECT_B)) == []
    assert _ids(image_api.request("GET", "/v2/images?member_status=pending",
                                  project=PROJECT_B)) == [image["id"]]
    # other projects see nothing
    assert image_api.request("GET", f"/v2/images/{image['id']}",
                             project=PROJECT_C).status_code == 404

    # only the member decides; the owner cannot accept for it
    body = {"status": "accepted"}
    assert image_api.request("PUT", f"{members}/{PROJECT_B}", json=body).status_code == 403
    resp = image_api.request("PUT", f"{members}/{PROJECT_B}", json=body, project=PROJECT_B)
    assert resp.status_code == 200 and resp.json()["status"] == "accepted"
    assert _ids(image_api.request("GET", "/v2/images", project=PROJECT_B)) == [image["id"]]

    # members see their own membership only; the owner sees all
    image_api.request("POST", members, json={"member": PROJECT_C})
    own = image_api.request("GET", members, project=PROJECT_B).json()
    assert [m["member_id"] for m in own["members"]] == [PROJECT_B]
    assert own["schema"] == "/v2/schemas/members"
    assert sorted(m["member_id"] for m in image_api.request("GET", members)
                  .json()["members"]) == [PROJECT_B, PROJECT_C]
    assert image_api.request("GET", f"{members}/{PROJECT_C}",
                             project=PROJECT_B).status_code == 404

    # a member can download, cannot modify or delete
    image_api.upload(image["id"], b"shared bytes")
    assert image_api.request("GET", f"/v2/images/{image['id']}/file",
                             project=PROJECT_B).content == b"shared bytes"
    assert image_api.request("DELETE", f"/v2/images/{image['id']}",
                             project=PROJECT_B).status_code == 403
    assert image_api.request("DELETE", f"{members}/{PROJECT_C}",
                             project=PROJECT_B).status_code == 403

    resp = image_api.request("PUT", f"{members}/{PROJECT_B}", json={"status": "rejected"},
                             project=PROJECT_B)
    assert resp.json()["status"] == "rejected"
    assert _ids(image_api.request("GET", "/v2/images", project=PROJECT_B)) == []

    # the owner removes the member: the image is gone for it
    assert image_api.request("DELETE", f"{members}/{PROJECT_B}").status_code == 204
    assert image_api.request("GET", f"/v2/images/{image['id']}",
                             project=PROJECT_B).status_code == 404
    assert image_api.request("DELETE", f"{members}/{PROJECT_B}").status_code == 404


def test_only_shared_images_have_members(image_api):
    image = image_api.create(visibility="private")
    resp = image_api.request("POST", f"/v2/images/{image['id']}/members",
                             json={"member": PROJECT_B})
    assert resp.status_code == 403


def test_bad_member_bodies(image_api):
    image = image_api.create()
    members = f"/v2/images/{image['id']}/members"
    assert image_api.request("POST", members, json={}).status_code == 400
    image_api.request("POST", members, json={"member": PROJECT_B})
    resp = image_api.request("PUT", f"{members}/{PROJECT_B}", json={"status": "maybe"},
                             project=PROJECT_B)
    assert resp.status_code == 400


def test_member_quota(image_api_factory):
    api = image_api_factory(image_member_quota=1)
    image = api.create()
    members = f"/v2/images/{image['id']}/members"
    assert api.request("POST", members, json={"member": PROJECT_B}).status_code == 200
    assert api.request("POST", members, json={"member": PROJECT_C}).status_code == 403
    assert PROJECT_A  # the owner
