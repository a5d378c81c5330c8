"""A stand-in identity service (the slice of the Keystone v3 API the auth middleware
uses), served over real HTTP on 127.0.0.1, and the config that points at it."""

import datetime
import secrets
import threading
import time
import uuid

import flask
import pytest
from werkzeug import serving

from sovra_common import conf as sovra_conf

SERVICE_USER = "sovra-svc"
SERVICE_PASSWORD = "svc-secret"


class _QuietHandler(serving.WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class StandInIdentity:
    """Users, password tokens, validation, revocation. Not Keystone: enough of its
    wire format for keystoneauth1 and the middleware."""

    def __init__(self):
        self.url = None                 # set by serve()
        self.users = {}                 # name -> user record
        self.tokens = {}                # token -> token body (without catalog)
        self.revoked = set()
        self.validations = []           # subject tokens, one per GET /v3/auth/tokens
        self.fail_validation_with = None  # an HTTP status to answer validations with
        self.catalog_suffix = ""        # "/v3": a versioned URL in the catalog
        self.lock = threading.Lock()
        self.app = self._make_app()
        self.add_user(SERVICE_USER, SERVICE_PASSWORD, project="service",
                      roles=["service"])

    # -- test helpers ---------------------------------------------------------

    def add_user(self, name, password="pw", project="demo", roles=("member", "reader"),
                 domain="default"):
        self.users[name] = {
            "id": uuid.uuid4().hex, "name": name, "password": password,
            "domain": {"id": domain, "name": domain.capitalize()},
            "project": {"id": f"{project}-id", "name": project,
                        "domain": {"id": domain, "name": domain.capitalize()}},
            "roles": [{"id": f"{r}-id", "name": r} for r in roles],
        }
        return self.users[name]

    def issue(self, name, scoped=True, lifetime=3600.0):
        """A token for user ``name``, as POST /v3/auth/tokens would issue."""
        user = self.users[name]
        token = secrets.token_urlsafe(32)
        expires = datetime.datetime.now(datetime.timezone.utc) + \
            datetime.timedelta(seconds=lifetime)
        body = {
            "methods": ["password"],
            "user": {"id": user["id"], "name": user["name"], "domain": user["domain"]},
            "audit_ids": [secrets.token_urlsafe(16)],
            "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "issued_at": datetime.datetime.now(datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        if scoped:
            body["project"] = user["project"]
            body["roles"] = user["roles"]
            body["is_domain"] = False
        with self.lock:
            self.tokens[token] = body
        return token

    def audit_id(self, token):
        return self.tokens[token]["audit_ids"][0]

    def revoke(self, token):
        with self.lock:
            self.revoked.add(token)

    def validation_count(self, token=None):
        with self.lock:
            if token is None:
                return len(self.validations)
            return self.validations.count(token)

    # -- the HTTP API -----------------------------------------------------------

    def _valid(self, token):
        body = self.tokens.get(token)
        if body is None or token in self.revoked:
            return None
        expires = datetime.datetime.fromisoformat(body["expires_at"]).timestamp()
        return body if expires > time.time() else None

    def _catalog(self):
        return [{"type": "identity", "name": "keystone", "id": "identity-id",
                 "endpoints": [{"id": f"{i}-id", "interface": i, "region": "RegionOne",
                                "region_id": "RegionOne",
                                "url": self.url + self.catalog_suffix}
                               for i in ("public", "internal", "admin")]}]

    def _version(self):
        return {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
                "links": [{"rel": "self", "href": f"{self.url}/v3/"}],
                "media-types": [{"base": "application/json",
                                 "type": "application/vnd.openstack.identity-v3+json"}]}

    def _make_app(self):
        app = flask.Flask("standin_identity")

        @app.get("/")
        def versions():
            return flask.jsonify({"versions": {"values": [self._version()]}}), 300

        @app.get("/v3")
        @app.get("/v3/")
        def version():
            return flask.jsonify({"version": self._version()})

        @app.post("/v3/auth/tokens")
        def authenticate():
            auth = (flask.request.get_json(silent=True) or {}).get("auth", {})
            password = auth.get("identity", {}).get("password", {}).get("user", {})
            user = self.users.get(password.get("name"))
            if user is None or password.get("password") != user["password"]:
                return flask.jsonify({"error": {"code": 401, "title": "Unauthorized",
                                                "message": "bad credentials"}}), 401
            token = self.issue(user["name"], scoped="scope" in auth)
            body = dict(self.tokens[token], catalog=self._catalog())
            resp = flask.jsonify({"token": body})
            resp.status_code = 201
            resp.headers["X-Subject-Token"] = token
            return resp

        @app.get("/v3/auth/tokens")
        def validate():
            subject = flask.request.headers.get("X-Subject-Token", "")
            with self.lock:
                self.validations.append(subject)
            if self.fail_validation_with:
                return flask.jsonify({"error": {"code": self.fail_validation_with}}), \
                    self.fail_validation_with
            caller = self._valid(flask.request.headers.get("X-Auth-Token", ""))
            if caller is None:
                return flask.jsonify({"error": {"code": 401}}), 401
            if not {"service", "admin"} & {r["name"] for r in caller.get("roles", [])}:
                return flask.jsonify({"error": {"code": 403}}), 403
            body = self._valid(subject)
            if body is None:
                return flask.jsonify({"error": {"code": 404}}), 404
            if "nocatalog" not in flask.request.args:
                body = dict(body, catalog=self._catalog())
            return flask.jsonify({"token": body})

        @app.delete("/v3/auth/tokens")
        def revoke():
            self.revoke(flask.request.headers.get("X-Subject-Token", ""))
            return "", 204

        return app


class ServedApp:
    """A WSGI app served on 127.0.0.1:<free port> in a thread."""

    def __init__(self, app):
        self.server = serving.make_server("127.0.0.1", 0, app, threaded=True,
                                          request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self):
        if not self.thread.is_alive():
            return
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def _serve_identity():
    standin = StandInIdentity()
    standin.served = ServedApp(standin.app)
    standin.url = standin.served.url
    return standin


@pytest.fixture(scope="module")
def identity():
    """One stand-in identity for the module's tests (they use distinct tokens)."""
    standin = _serve_identity()
    yield standin
    standin.served.stop()


@pytest.fixture
def new_identity():
    """``new_identity()`` -> a fresh stand-in identity, stopped after the test
    (``.served.stop()`` stops it earlier)."""
    started = []

    def start():
        started.append(_serve_identity())
        return started[-1]

    yield start
    for standin in started:
        standin.served.stop()


@pytest.fixture
def serve():
    """``serve(wsgi_app)`` -> a ServedApp (``.url``), stopped after the test."""
    started = []

    def start(app):
        started.append(ServedApp(app))
        return started[-1]

    yield start
    for served in started:
        served.stop()


@pytest.fixture
def write_conf(tmp_path):
    """``write_conf(identity_url, **auth_opts)`` -> a loaded ConfigOpts."""

    def write(identity_url, password=SERVICE_PASSWORD, **auth_opts):
        lines = ["[auth]"] + [f"{k} = {v}" for k, v in auth_opts.items()] + [
            "[service_auth]",
            "auth_type = password",
            f"auth_url = {identity_url}/v3",
            f"username = {SERVICE_USER}",
            f"password = {password}",
            "user_domain_id = default",
            "project_name = service",
            "project_domain_id = default",
        ]
        path = tmp_path / "sovra-test.conf"
        path.write_text("\n".join(lines) + "\n")
        conf = sovra_conf.new_conf()
        return sovra_conf.load(conf, "sovra-test", config_files=[str(path)])

    return write
