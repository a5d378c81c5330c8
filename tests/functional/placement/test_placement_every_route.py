"""Every route of the placement API (walked from its route table, so a new route
is covered by itself): no request body or query string, however broken, gets a
500, at the oldest and the newest microversion; a broken body is a 400 in
placement's fault format."""

import uuid

import pytest
from functional import route_walk
from placement_client import Client, start_server, stop_server

from sovra_placement.api.routes import ROUTES

WRITES = ("POST", "PUT")
VERSIONS = ("1.0", "latest")
#: writes that a later microversion brought: before it, not there (404)
NEWER = {("POST", "/allocations"): "1.13", ("POST", "/reshaper"): "1.30",
         ("PUT", "/resource_classes/<name>"): "1.2",
         ("POST", "/resource_classes"): "1.2",
         ("PUT", "/traits/<name>"): "1.6",
         ("PUT", "/resource_providers/<uuid>/traits"): "1.6",
         ("PUT", "/resource_providers/<uuid>/aggregates"): "1.1"}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("placement"))
    client = Client(server.url)
    yield client
    client.close()
    stop_server(server)


@pytest.fixture(scope="module")
def resources(api):
    """One of each resource a route names, so that requests reach their body."""
    provider = str(uuid.uuid4())
    assert api.post("/resource_providers", json={"name": "every-route",
                                                 "uuid": provider}).status_code == 200
    resp = api.put(f"/resource_providers/{provider}/inventories", json={
        "resource_provider_generation": 0, "inventories": {"VCPU": {"total": 8}}})
    assert resp.status_code == 200, resp.text
    assert api.put("/resource_classes/CUSTOM_EVERY_ROUTE").status_code == 201
    assert api.put("/traits/CUSTOM_EVERY_ROUTE").status_code == 201
    consumer = str(uuid.uuid4())
    resp = api.put(f"/allocations/{consumer}", json={
        "allocations": {provider: {"resources": {"VCPU": 1}}}, "project_id": "p",
        "user_id": "u", "consumer_generation": None, "consumer_type": "INSTANCE"})
    assert resp.status_code == 204, resp.text
    # (a route names a provider <uuid>, a resource class, a trait or class <name>)
    return {"uuid": provider, "resource_class": "VCPU", "name": "CUSTOM_EVERY_ROUTE",
            "consumer_uuid": consumer}


def _takes_body(path, method):
    """Whether the route reads a JSON body (a trait's or a class's PUT names all
    in its path; the class's took a body before 1.7)."""
    return method in WRITES and path not in ("/traits/<name>", "/resource_classes/<name>")


BAD_BODIES = {
    **route_walk.BAD_BODIES,
    "wrong member types": b'{"name": [], "uuid": 5, "inventories": "x", "total": {},'
                          b' "allocations": 1, "aggregates": "a", "traits": {},'
                          b' "resource_provider_generation": "g", "consumer_generation": []}',
}


def _fault(resp):
    """Placement's fault body: {"errors": [{"status": 400, "title": ...}]}."""
    (error,) = resp.json()["errors"]
    return error


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
def test_bad_bodies_are_400_on_every_write(api, resources, kind, version):
    wrong = []
    for path, methods in ROUTES.items():
        for method in methods:
            if method not in WRITES:
                continue
            resp = api(method, route_walk.fill(path, resources), version=version,
                       data=BAD_BODIES[kind], headers={"Content-Type": "application/json"})
            if version == "1.0" and (method, path) in NEWER:
                if resp.status_code not in (404, 405):
                    wrong.append(f"{method} {path} before its microversion: "
                                 f"{resp.status_code}")
            elif resp.status_code >= 500 or (
                    _takes_body(path, method) and resp.status_code != 400):
                wrong.append(f"{method} {path}: {resp.status_code} {resp.text[:160]}")
            elif resp.status_code == 400:
                assert _fault(resp)["status"] == 400
    assert not wrong, wrong


BAD_QUERY = {"limit": "many", "name": "*(", "uuid": "nope", "member_of": "in:,",
             "in_tree": "x", "resources": "VCPU:lots,,", "required": "!,",
             "resources1": ":", "required1": "\x00", "group_policy": "sometimes",
             "root_required": "!!", "same_subtree": "_", "project_id": "%",
             "user_id": "\u2603", "consumer_type": "[", "associated": "perhaps",
             "name_filter": "\x01"}


@pytest.mark.parametrize("version", VERSIONS)
def test_bad_query_strings_are_never_a_500(api, resources, version):
    assert not route_walk.server_errors_of_queries(
        lambda path, params: api.get(route_walk.fill(path, resources), version=version,
                                     params=params),
        ROUTES, BAD_QUERY)
