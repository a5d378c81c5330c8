"""The network API over HTTP (noauth): networks, filters, fields, pagination links,
tags, If-Match, provider attributes, isolation, errors in Neutron's format."""

import urllib.parse

from conftest import PROJECT_A, PROJECT_B


def _net(api, project=PROJECT_A, **body):
    return api.create("networks", body, project=project)


def test_version_discovery_is_public(network_api):
    import requests

    resp = requests.get(network_api.url + "/", timeout=10)
    assert resp.status_code == 200
    [version] = resp.json()["versions"]
    assert version["id"] == "v2.0" and version["status"] == "CURRENT"
    assert version["links"][0]["href"] == network_api.url + "/v2.0/"
    assert requests.get(network_api.url + "/v2.0/networks", timeout=10).status_code == 401


def test_extensions_registry(network_api):
    from sovra_network.api import extensions

    listed = network_api.ok("GET", "/v2.0/extensions")["extensions"]
    assert [e["alias"] for e in listed] == [a for a, _, _ in extensions.EXTENSIONS]
    assert network_api.ok("GET", "/v2.0/extensions/binding")["extension"]["alias"] == \
        "binding"
    resp = network_api.request("GET", "/v2.0/extensions/dvr")
    assert resp.status_code == 404
    assert resp.json()["NeutronError"]["type"] == "ExtensionNotFound"


def test_network_defaults_and_provider_attributes_are_admin_only(network_api):
    net = _net(network_api, name="n")
    assert net["admin_state_up"] is True and net["shared"] is False
    assert net["router:external"] is False and net["port_security_enabled"] is True
    assert net["mtu"] == 1450 and net["revision_number"] == 0
    assert "provider:network_type" not in net
    admin_view = network_api.ok("GET", f"/v2.0/networks/{net['id']}",
                                project="admin")["network"]
    assert admin_view["provider:network_type"] == "vxlan"
    resp = network_api.request("POST", "/v2.0/networks", json={"network": {
        "provider:network_type": "local"}})
    assert resp.status_code == 403
    assert resp.json()["NeutronError"]["type"] == "PolicyNotAuthorized"
    local = _net(network_api, project="admin", **{"provider:network_type": "local"})
    assert local["provider:segmentation_id"] is None and local["mtu"] == 1500


def test_vnis_unique_and_returned_to_the_range(network_api_factory):
    api = network_api_factory(vni_min=10, vni_max=11)
    first, second = _net(api), _net(api)
    vnis = {api.ok("GET", f"/v2.0/networks/{n['id']}", project="admin")["network"][
        "provider:segmentation_id"] for n in (first, second)}
    assert vnis == {10, 11}
    resp = api.request("POST", "/v2.0/networks", json={"network": {}})
    assert resp.status_code == 503
    assert resp.json()["NeutronError"]["type"] == "NoNetworkAvailable"
    api.ok("DELETE", f"/v2.0/networks/{first['id']}", status=204)
    third = api.ok("GET", f"/v2.0/networks/{_net(api)['id']}", project="admin")
    assert third["network"]["provider:segmentation_id"] in vnis
    taken = api.request("POST", "/v2.0/networks", project="admin", json={"network": {
        "provider:network_type": "vxlan",
        "provider:segmentation_id": third["network"]["provider:segmentation_id"]}})
    assert taken.status_code == 409


def test_flat_network_needs_a_free_configured_physnet(network_api):
    body = {"provider:network_type": "flat", "provider:physical_network": "physnet1"}
    flat = _net(network_api, project="admin", **body)
    assert flat["provider:physical_network"] == "physnet1"
    again = network_api.request("POST", "/v2.0/networks", project="admin",
                                json={"network": body})
    assert again.status_code == 409
    unknown = network_api.request("POST", "/v2.0/networks", project="admin", json={
        "network": {**body, "provider:physical_network": "nowhere"}})
    assert unknown.status_code == 400


def test_filters_fields_and_sorting(network_api):
    for name in ("b", "a", "c"):
        _net(network_api, name=name, admin_state_up=name != "c")
    names = [n["name"] for n in network_api.ok(
        "GET", "/v2.0/networks?sort_key=name&sort_dir=desc")["networks"]]
    assert names == ["c", "b", "a"]
    got = network_api.ok("GET", "/v2.0/networks?name=a&name=c&fields=name&fields=id"
                         )["networks"]
    assert sorted(n["name"] for n in got) == ["a", "c"]
    assert all(set(n) == {"id", "name"} for n in got)
    down = network_api.ok("GET", "/v2.0/networks?admin_state_up=false")["networks"]
    assert [n["name"] for n in down] == ["c"]
    bad = network_api.request("GET", "/v2.0/networks?sort_key=nonsense")
    assert bad.status_code == 400


def test_pagination_links_walk_forward_and_back(network_api):
    ids = sorted(_net(network_api, name=f"n{i}")["id"] for i in range(5))
    page = network_api.ok("GET", "/v2.0/networks?limit=2")
    assert [n["id"] for n in page["networks"]] == ids[:2]
    seen = list(ids[:2])
    links = {link["rel"]: link["href"] for link in page["networks_links"]}
    assert set(links) == {"next"}
    while "next" in links:
        path = links["next"][len(network_api.url):]
        page = network_api.ok("GET", path)
        seen += [n["id"] for n in page["networks"]]
        links = {link["rel"]: link["href"] for link in page["networks_links"]}
    assert seen == ids
    # the last page links back; the previous page ends where it started
    previous = links["previous"][len(network_api.url):]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(previous).query)
    assert query["page_reverse"] == ["True"] and query["marker"] == [ids[4]]
    back = network_api.ok("GET", previous)
    assert [n["id"] for n in back["networks"]] == ids[2:4]


def test_tags_and_tag_filters(network_api):
    a = _net(network_api, name="a")
    b = _net(network_api, name="b")
    base = f"/v2.0/networks/{a['id']}/tags"
    assert network_api.ok("PUT", base, json={"tags": ["x", "y"]}) == {"tags": ["x", "y"]}
    network_api.ok("PUT", f"/v2.0/networks/{b['id']}/tags/y", status=201)
    assert network_api.request("GET", base + "/x").status_code == 204
    assert network_api.request("GET", base + "/zz").status_code == 404

    def names(query):
        return sorted(n["name"] for n in network_api.ok(
            "GET", f"/v2.0/networks?{query}")["networks"])
    assert names("tags=x,y") == ["a"]
    assert names("tags-any=x,y") == ["a", "b"]
    assert names("not-tags=x,y") == ["b"]
    assert names("not-tags-any=x") == ["b"]
    network_api.ok("DELETE", base + "/x", status=204)
    assert network_api.ok("GET", base) == {"tags": ["y"]}
    network_api.ok("DELETE", base, status=204)
    assert network_api.ok("GET", f"/v2.0/networks/{a['id']}")["network"][
        "revision_number"] == 3  # three tag changes
    other = network_api.request("PUT", base + "/mine", project=PROJECT_B)
    assert other.status_code == 404


def test_if_match_revision_number(network_api):
    net = _net(network_api, name="v0")
    path = f"/v2.0/networks/{net['id']}"
    ok = network_api.ok("PUT", path, json={"network": {"name": "v1"}},
                        headers={"If-Match": "revision_number=0"})["network"]
    assert ok["revision_number"] == 1 and ok["name"] == "v1"
    stale = network_api.request("PUT", path, json={"network": {"name": "v2"}},
                                headers={"If-Match": "revision_number=0"})
    assert stale.status_code == 412
    assert "current revision is 1" in stale.json()["NeutronError"]["message"]
    assert network_api.request("DELETE", path,
                               headers={"If-Match": "revision_number=7"}
                               ).status_code == 412
    assert network_api.ok("GET", path)["network"]["name"] == "v1"
    network_api.ok("DELETE", path, status=204, headers={"If-Match": "revision_number=1"})


def test_shared_networks_and_isolation(network_api):
    private = _net(network_api, name="private")
    shared = _net(network_api, project="admin", name="shared", shared=True)
    seen_by_b = {n["id"] for n in network_api.ok("GET", "/v2.0/networks",
                                                 project=PROJECT_B)["networks"]}
    assert shared["id"] in seen_by_b and private["id"] not in seen_by_b
    for method in ("GET", "PUT", "DELETE"):
        resp = network_api.request(method, f"/v2.0/networks/{private['id']}",
                                   project=PROJECT_B,
                                   json={"network": {"name": "x"}})
        assert resp.status_code == 404, method
        assert resp.json()["NeutronError"]["type"] == "NetworkNotFound"
    attach = network_api.request("POST", "/v2.0/ports", project=PROJECT_B,
                                 json={"port": {"network_id": private["id"]}})
    assert attach.status_code == 404
    assert network_api.request("PUT", f"/v2.0/networks/{shared['id']}",
                               project=PROJECT_B, json={"network": {"name": "x"}}
                               ).status_code == 403
    # only admins share
    resp = network_api.request("POST", "/v2.0/networks", json={"network": {
        "shared": True}})
    assert resp.status_code == 403
    # a reader cannot create
    assert network_api.request("POST", "/v2.0/networks", roles="reader",
                               json={"network": {}}).status_code == 403


def test_network_quota_is_a_neutron_409(network_api):
    network_api.ok("PUT", f"/v2.0/quotas/{PROJECT_A}", project="admin",
                   json={"quota": {"network": 1}})
    _net(network_api)
    resp = network_api.request("POST", "/v2.0/networks", json={"network": {}})
    assert resp.status_code == 409
    assert resp.json()["NeutronError"]["type"] == "OverQuota"
    details = network_api.ok("GET", f"/v2.0/quotas/{PROJECT_A}/details.json")["quota"]
    assert details["network"] == {"limit": 1, "used": 1, "reserved": 0}
    assert network_api.request("PUT", f"/v2.0/quotas/{PROJECT_A}",
                               json={"quota": {"network": 50}}).status_code == 403
    assert network_api.request("PUT", f"/v2.0/quotas/{PROJECT_A}", project="admin",
                               json={"quota": {"bogus": 1}}).status_code == 400
    listed = network_api.ok("GET", "/v2.0/quotas", project="admin")["quotas"]
    assert [q["project_id"] for q in listed] == [PROJECT_A]
    network_api.ok("DELETE", f"/v2.0/quotas/{PROJECT_A}", project="admin", status=204)
    assert network_api.ok("GET", f"/v2.0/quotas/{PROJECT_A}")["quota"]["network"] == 100
    assert network_api.ok("GET", f"/v2.0/quotas/{PROJECT_A}/default")["quota"][
        "port"] == 500


def test_unknown_paths_and_methods_in_neutron_format(network_api):
    resp = network_api.request("PATCH", "/v2.0/networks")
    assert resp.status_code == 405
    assert "NeutronError" in resp.json()
    assert network_api.request("GET", "/v2.0/nothing").status_code == 404
