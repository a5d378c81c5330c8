"""The image API served over HTTP on 127.0.0.1 (noauth, SQLite file, tmp store)."""

import dataclasses
import shutil

import pytest
import requests

from sovra_common.cmd import manage
from sovra_common.wsgi import deploy
from sovra_common.wsgi.server import ApiServer
from sovra_image import conf as image_conf
from sovra_image.api import app as image_app
from sovra_image.db import DATABASE, models

PROJECT_A = "a" * 32
PROJECT_B = "b" * 32
PROJECT_C = "c" * 32


@dataclasses.dataclass
class ImageApi:
    url: str
    store_dir: object
    conf: object

    def headers(self, project=PROJECT_A, roles="member,reader", user="u1", **extra):
        token = "admin" if project == "admin" else f"{user}:{project}"
        return {"X-Auth-Token": token, "X-Roles": roles, **extra}

    def request(self, method, path, project=PROJECT_A, roles="member,reader",
                headers=None, **kwargs):
        all_headers = self.headers(project, roles)
        all_headers.update(headers or {})
        return requests.request(method, self.url + path, headers=all_headers,
                                timeout=30, **kwargs)

    def create(self, project=PROJECT_A, **body):
        body.setdefault("disk_format", "raw")
        body.setdefault("container_format", "bare")
        resp = self.request("POST", "/v2/images", project=project, json=body)
        assert resp.status_code == 201, resp.text
        return resp.json()

    def upload(self, image_id, data, project=PROJECT_A, headers=None, **kwargs):
        return self.request("PUT", f"/v2/images/{image_id}/file", project=project,
                            data=data, headers={"Content-Type": "application/octet-stream",
                                                **(headers or {})},
                            **kwargs)

    def patch(self, image_id, ops, project=PROJECT_A, **kwargs):
        return self.request(
            "PATCH", f"/v2/images/{image_id}", project=project, json=ops,
            headers={"Content-Type": "application/openstack-images-v2.1-json-patch"},
            **kwargs)


def build_conf(tmp_path, s3_store=None, **image_opts):
    db_url = f"sqlite:///{tmp_path / 'image.sqlite'}"
    config = tmp_path / "sovra-image.conf"
    config.write_text(f"[database]\nconnection = {db_url}\n")
    assert manage.main(["--config-file", str(config), "image", "db", "sync"],
                       services=[DATABASE], commands=[]) == 0
    conf = image_conf.new_conf()
    conf(args=["--config-file", str(config)], project="sovra-image",
         default_config_files=[])
    conf.set_override("strategy", "noauth", group="auth")
    conf.set_override("filesystem_store_datadir", str(tmp_path / "store"), group="image")
    conf.set_override("staging_dir", str(tmp_path / "staging"), group="image")
    for key, value in image_opts.items():
        conf.set_override(key, value, group="image")
    for key, value in (s3_store or {}).items():
        conf.set_override(key, value, group="s3_store")
    return conf


def _serve(tmp_path, servers, notifier=None, limits=None, **options):
    conf = build_conf(tmp_path, **options)
    if callable(limits):  # built from the conf: limits(conf)
        limits = limits(conf)
    app = image_app.create_app(conf, notifier=notifier, limits=limits)
    deploy.install_middleware(app, conf)
    server = ApiServer(app, "127.0.0.1", 0, name="image").start()
    servers.append((server, app))
    return ImageApi(server.url, tmp_path / "store", conf), app


def _stop(servers):
    for server, app in servers:
        server.stop()
        image_app.close(app)


@pytest.fixture
def image_api_factory(tmp_path):
    """Start a server of its own with [image] options (and ``s3_store={...}``,
    ``notifier=...``, ``limits=conf -> Limits``); slower: ~0.5 s to stop."""
    servers = []
    yield lambda **options: _serve(tmp_path, servers, **options)[0]
    _stop(servers)


@pytest.fixture(scope="module")
def _shared_image_api(tmp_path_factory):
    servers = []
    yield _serve(tmp_path_factory.mktemp("image"), servers)
    _stop(servers)


@pytest.fixture
def image_api(_shared_image_api):
    """The module's server, with an empty database and store for each test."""
    api, app = _shared_image_api
    db = app.extensions["sovra"].extras["db"]
    with db.writer() as session:
        for table in reversed(models.Base.metadata.sorted_tables):
            session.execute(table.delete())
    objects = api.store_dir / "objects"
    if objects.exists():
        shutil.rmtree(objects)
    objects.mkdir(parents=True)
    return api
