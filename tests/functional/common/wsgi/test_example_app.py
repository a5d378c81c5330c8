"""The common WSGI layer, end to end through the example service's app."""

import json
import logging

import pytest

from example_svc.api import app as example_app
from example_svc.api.routes import ROUTES
from sovra_common import conf as sovra_conf
from sovra_common.wsgi import deploy, request_id, routes

PROJECT_A = "a" * 32
PROJECT_B = "b" * 32


def _client(routes_table=None, policy_file=None, **api_opts):
    conf = sovra_conf.new_conf()
    sovra_conf.load(conf, "sovra-test", config_files=[])
    # noauth: "X-Auth-Token: <user>:<project>" with X-Roles, through the real stack.
    conf.set_override("strategy", "noauth", group="auth")
    if policy_file:
        conf.set_override("policy_file", policy_file, group="oslo_policy")
    for key, value in api_opts.items():
        conf.set_override(key, value, group="api")
    app = example_app.create_app(conf, routes_table)
    deploy.install_middleware(app, conf)
    return app.test_client()


def _h(roles="member,reader", project=PROJECT_A, version=None):
    headers = {"X-Auth-Token": f"u1:{project}", "X-Roles": roles}
    if version:
        headers["OpenStack-API-Version"] = f"example {version}"
    return headers


@pytest.fixture
def client():
    return _client()


def _create(client, name="w1", version=None, **headers):
    return client.post("/v1/widgets", json={"widget": {"name": name}},
                       headers=_h(version=version, **headers))


class TestRequestIds:
    def test_every_response_has_a_fresh_request_id(self, client):
        ids = {client.get("/v1/widgets", headers=_h()).headers[request_id.HEADER]
               for _ in range(3)}
        assert len(ids) == 3
        assert all(request_id.is_valid(i) for i in ids)

    def test_errors_carry_the_request_id_in_header_and_body(self, client):
        resp = client.get("/v1/widgets/nope", headers=_h())
        assert resp.status_code == 404
        rid = resp.headers[request_id.HEADER]
        assert resp.json["errors"][0]["request_id"] == rid

    def test_client_cannot_choose_our_request_id(self, client):
        mine = "req-11111111-2222-3333-4444-555555555555"
        resp = client.get("/v1/widgets", headers={**_h(), "X-OpenStack-Request-ID": mine})
        assert resp.headers[request_id.HEADER] != mine


class TestMicroversions:
    def test_no_header_means_minimum(self, client):
        resp = _create(client)
        assert resp.status_code == 201
        assert resp.headers["OpenStack-API-Version"] == "example 1.0"
        assert "OpenStack-API-Version" in resp.headers["Vary"]
        assert "description" not in resp.json["widget"]

    def test_version_changes_behaviour(self, client):
        resp = _create(client, version="1.1")
        assert resp.json["widget"]["description"] is None
        assert resp.headers["OpenStack-API-Version"] == "example 1.1"

    def test_latest_is_maximum(self, client):
        resp = client.get("/v1/widgets", headers=_h(version="latest"))
        assert resp.headers["OpenStack-API-Version"] == "example 1.2"

    def test_legacy_header_is_honoured(self, client):
        resp = client.get("/v1/widgets", headers={**_h(), "X-Example-API-Version": "1.1"})
        assert resp.headers["OpenStack-API-Version"] == "example 1.1"
        assert resp.headers["X-Example-API-Version"] == "1.1"

    def test_other_services_in_header_are_ignored(self, client):
        headers = {**_h(), "OpenStack-API-Version": "compute 2.90, example 1.2"}
        resp = client.get("/v1/widgets", headers=headers)
        assert resp.headers["OpenStack-API-Version"] == "example 1.2"

    @pytest.mark.parametrize("version", ["1.3", "2.0", "0.9"])
    def test_unsupported_version_is_406(self, client, version):
        resp = client.get("/v1/widgets", headers=_h(version=version))
        assert resp.status_code == 406
        detail = resp.json["errors"][0]["detail"]
        assert "Minimum is 1.0 and maximum is 1.2" in detail

    @pytest.mark.parametrize("version", ["1", "one.two", "1.2.3", "1.-1"])
    def test_malformed_version_is_400(self, client, version):
        resp = client.get("/v1/widgets", headers=_h(version=version))
        assert resp.status_code == 400
        assert "Invalid microversion" in resp.json["errors"][0]["detail"]

    def test_version_discovery_is_not_versioned(self, client):
        resp = client.get("/", headers={"OpenStack-API-Version": "example 9.9"})
        assert resp.status_code == 200
        assert resp.json["versions"][0]["version"] == "1.2"


class TestValidation:
    def test_schema_error_names_field_value_and_rule(self, client):
        resp = client.post("/v1/widgets", json={"widget": {"name": "x", "size": -1}},
                           headers=_h())
        assert resp.status_code == 400
        detail = resp.json["errors"][0]["detail"]
        assert "widget.size" in detail and "-1" in detail and "minimum" in detail

    def test_unknown_field_is_rejected_by_name(self, client):
        resp = client.post("/v1/widgets", json={"widget": {"name": "x", "colour": "red"}},
                           headers=_h())
        assert resp.status_code == 400
        assert "colour" in resp.json["errors"][0]["detail"]

    def test_field_added_in_later_version_is_rejected_earlier(self, client):
        body = {"widget": {"name": "x", "description": "d"}}
        assert client.post("/v1/widgets", json=body, headers=_h()).status_code == 400
        assert client.post("/v1/widgets", json=body,
                           headers=_h(version="1.1")).status_code == 201

    @pytest.mark.parametrize("data", [b"{not json", b"", b"\xff\xfe"])
    def test_malformed_or_empty_body_is_400(self, client, data):
        resp = client.post("/v1/widgets", data=data, content_type="application/json",
                           headers=_h())
        assert resp.status_code == 400

    def test_wrong_content_type_is_415(self, client):
        resp = client.post("/v1/widgets", data="name=x",
                           content_type="application/x-www-form-urlencoded", headers=_h())
        assert resp.status_code == 415

    def test_oversized_body_is_413(self):
        client = _client(max_request_body_size=1024)
        big = {"widget": {"name": "x" * 2000}}
        resp = client.post("/v1/widgets", json=big, headers=_h())
        assert resp.status_code == 413
        assert resp.json["errors"][0]["status"] == 413

    def test_query_string_is_validated(self, client):
        resp = client.get("/v1/widgets?limit=ten", headers=_h())
        assert resp.status_code == 400
        assert "limit" in resp.json["errors"][0]["detail"]
        resp = client.get("/v1/widgets?bogus=1", headers=_h())
        assert resp.status_code == 400

    def test_query_filter_gated_by_version(self, client):
        _create(client, "a")
        _create(client, "b")
        hdrs = _h(version="1.2")
        assert [w["name"] for w in client.get("/v1/widgets?name=b", headers=hdrs).json[
            "widgets"]] == ["b"]
        assert len(client.get("/v1/widgets?name=b", headers=_h()).json["widgets"]) == 2


class TestRoutingFaults:
    def test_unknown_path_is_404_in_service_format(self, client):
        resp = client.get("/v1/nothing-here", headers=_h())
        assert resp.status_code == 404
        assert resp.json["errors"][0]["title"] == "Not Found"

    def test_wrong_method_is_405_with_allow(self, client):
        resp = client.put("/v1/widgets", json={}, headers=_h())
        assert resp.status_code == 405
        assert set(resp.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
        assert resp.json["errors"][0]["status"] == 405

    def test_domain_errors_map_to_statuses(self, client):
        assert _create(client, "dup").status_code == 201
        resp = _create(client, "dup")
        assert resp.status_code == 409
        assert "already exists" in resp.json["errors"][0]["detail"]


def _boom(req):
    req.authorize("example:widget:list")
    raise RuntimeError("secret internal detail")


def _forgets_policy(req):
    return routes.json_response({"leaked": True})


class TestFaultWrapper:
    def test_uncaught_error_is_json_500_with_request_id_and_logged(self, caplog):
        client = _client({**ROUTES, "/v1/boom": {"GET": _boom}})
        with caplog.at_level(logging.ERROR):
            resp = client.get("/v1/boom", headers=_h())
        assert resp.status_code == 500
        assert resp.content_type == "application/json"
        rid = resp.headers[request_id.HEADER]
        error = resp.json["errors"][0]
        assert rid in error["detail"] and error["request_id"] == rid
        assert "secret internal detail" not in resp.get_data(as_text=True)
        logged = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert logged and logged[0].exc_info and rid in logged[0].getMessage()


class TestPolicyChecked:
    def test_handler_that_skips_policy_fails_the_request(self, caplog):
        client = _client({**ROUTES, "/v1/leak": {"GET": _forgets_policy}})
        with caplog.at_level(logging.ERROR):
            resp = client.get("/v1/leak", headers=_h())
        assert resp.status_code == 500
        assert b"leaked" not in resp.data
        assert "_forgets_policy" in resp.json["errors"][0]["detail"]
        assert any("without checking policy" in r.getMessage() for r in caplog.records)

    def test_every_route_of_the_example_checks_policy(self, client):
        # Create one widget so that the show/delete paths reach their handlers.
        wid = _create(client).json["widget"]["id"]
        for path, methods in ROUTES.items():
            for method in methods:
                url = path.replace("<widget_id>", wid)
                kwargs = {"json": {"widget": {"name": "n2"}}} if method == "POST" else {}
                resp = client.open(url, method=method, headers=_h(), **kwargs)
                assert resp.status_code < 500, (method, path, resp.json)


class TestPolicy:
    def test_reader_cannot_write(self, client):
        resp = _create(client, roles="reader")
        assert resp.status_code == 403
        assert "example:widget:create" in resp.json["errors"][0]["detail"]

    def test_other_project_cannot_read_or_delete(self, client):
        wid = _create(client).json["widget"]["id"]
        other = _h(project=PROJECT_B)
        assert client.get(f"/v1/widgets/{wid}", headers=other).status_code == 403
        assert client.delete(f"/v1/widgets/{wid}", headers=other).status_code == 403
        assert client.get(f"/v1/widgets/{wid}", headers=_h()).status_code == 200

    def test_admin_may_act_on_any_project(self, client):
        wid = _create(client).json["widget"]["id"]
        admin = _h(roles="admin,member,reader", project=PROJECT_B)
        assert client.delete(f"/v1/widgets/{wid}", headers=admin).status_code == 204

    def test_no_token_is_401_in_service_format_with_request_id(self, client):
        resp = client.get("/v1/widgets")
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"].startswith("Keystone")
        error = resp.json["errors"][0]
        assert error["status"] == 401
        assert error["request_id"] == resp.headers[request_id.HEADER]

    def test_public_route_needs_no_token(self, client):
        assert client.get("/").status_code == 200

    def test_policy_file_overrides_defaults(self, tmp_path):
        policy_file = tmp_path / "policy.yaml"
        policy_file.write_text('"example:widget:create": "role:admin"\n')
        client = _client(policy_file=str(policy_file))
        assert _create(client).status_code == 403
        assert _create(client, roles="admin,member,reader").status_code == 201


def test_error_body_is_valid_json_for_every_status(client):
    for resp in (client.get("/v1/x", headers=_h()), client.put("/v1/widgets", headers=_h()),
                 client.get("/v1/widgets", headers=_h(version="7.0"))):
        json.loads(resp.data)


def _show_head(req, widget_id):
    req.authorize("example:widget:show", {"project_id": req.context.project_id})
    return routes.json_response(None, status=204, headers={"X-Handled-By": "head"})


def test_explicit_head_handler_wins_over_get():
    table = {**ROUTES, "/v1/widgets/<widget_id>": {**ROUTES["/v1/widgets/<widget_id>"],
                                                    "HEAD": _show_head}}
    resp = _client(table).head("/v1/widgets/any", headers=_h())
    assert resp.status_code == 204 and resp.headers["X-Handled-By"] == "head"
