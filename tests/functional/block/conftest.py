"""The Block Storage API over HTTP on 127.0.0.1 (noauth, SQLite file, a private
in-process bus), with a real volume agent whose file backend keeps volumes as
files under the test's temporary directory (qemu-img does the work)."""

from __future__ import annotations

import dataclasses
import time
import uuid

import pytest
import requests
from block_cloud import free_port

from sovra_block.cmd import agent as agent_cmd
from sovra_block.cmd import api as api_cmd
from sovra_block.db import DATABASE, models
from sovra_common import process
from sovra_common.cmd import manage

PROJECT_A = "a" * 32
PROJECT_B = "b" * 32
BACKEND = "node1@file1"
MEMBER = "member,reader"


@dataclasses.dataclass
class BlockApi:
    url: str
    conf: object
    running: object
    agent: object
    volume_dir: object

    def request(self, method, path, project=PROJECT_A, roles=MEMBER, version=None,
                headers=None, **kwargs):
        if project == "admin":
            token, roles = "admin", "admin,member,reader"
        else:
            token = f"u-{project[:4]}:{project}"
        all_headers = {"X-Auth-Token": token, "X-Roles": roles}
        if version:
            all_headers["OpenStack-API-Version"] = f"volume {version}"
        all_headers.update(headers or {})
        return requests.request(method, self.url + path, headers=all_headers,
                                timeout=60, **kwargs)

    def ok(self, method, path, status=200, **kwargs):
        resp = self.request(method, path, **kwargs)
        assert resp.status_code == status, (resp.status_code, resp.text)
        return resp.json() if resp.content else None

    def fault(self, method, path, status, **kwargs) -> str:
        """The message of an error response in Cinder's body format."""
        resp = self.request(method, path, **kwargs)
        assert resp.status_code == status, (resp.status_code, resp.text)
        (kind, body), = resp.json().items()
        assert body["code"] == status, body
        return body["message"]

    def create_volume(self, project=PROJECT_A, wait="available", **body):
        body.setdefault("size", 1)
        volume = self.ok("POST", "/v3/volumes", 202, project=project,
                         json={"volume": body})["volume"]
        return self.wait_volume(volume["id"], wait, project=project) if wait else volume

    def volume(self, volume_id, project=PROJECT_A, **kwargs):
        return self.ok("GET", f"/v3/volumes/{volume_id}", project=project,
                       **kwargs)["volume"]

    def wait_volume(self, volume_id, status, project=PROJECT_A, timeout=30):
        return self._wait(lambda: self.volume(volume_id, project), status, timeout)

    def wait_snapshot(self, snapshot_id, status, project=PROJECT_A, timeout=30):
        return self._wait(lambda: self.ok("GET", f"/v3/snapshots/{snapshot_id}",
                                          project=project)["snapshot"], status, timeout)

    def wait_gone(self, path, project=PROJECT_A, timeout=30):
        deadline = time.monotonic() + timeout
        while self.request("GET", path, project=project).status_code != 404:
            assert time.monotonic() < deadline, f"{path} still exists"
            time.sleep(0.05)

    @staticmethod
    def _wait(read, status, timeout):
        deadline = time.monotonic() + timeout
        while True:
            item = read()
            if item["status"] == status:
                return item
            assert not (item["status"].startswith("error") and
                        not status.startswith("error")), item
            assert time.monotonic() < deadline, (status, item)
            time.sleep(0.05)

    @property
    def db(self):
        return self.running._app.extensions["sovra"].extras["db"]


def _conf(component, path):
    conf = component.new_conf()
    conf(args=["--config-file", str(path)], project="sovra-block",
         default_config_files=[])
    return conf


def start_block(tmp, *, extra: str = "") -> tuple[BlockApi, object]:
    """The API and one volume agent (backend ``node1@file1``), in this process."""
    volume_dir = tmp / "volumes"
    config = tmp / "sovra-block.conf"
    config.write_text(
        f"[DEFAULT]\n"
        f"[api]\nbind_host = 127.0.0.1\nbind_port = {free_port()}\n"
        f"[auth]\nstrategy = noauth\n"
        f"[database]\nconnection = sqlite:///{tmp / 'block.sqlite'}\n"
        f"[messaging]\ntransport_url = sovra-inproc:///block-{uuid.uuid4().hex}\n"
        f"[block]\nhost = node1\nenabled_backends = file1\nreport_interval = 1\n"
        f"image_conversion_dir = {tmp / 'conversion'}\n"
        f"[file1]\nvolume_driver = file\nfile_volume_dir = {volume_dir}\n"
        f"[backup]\nfile_backup_dir = {tmp / 'backups'}\n" + extra)
    assert manage.main(["--config-file", str(config), "block", "db", "sync"],
                       services=[DATABASE], commands=[]) == 0
    api_conf = _conf(api_cmd.COMPONENT, config)
    resources = process.ProcessResources(api_conf).start()
    running = agent = None
    try:
        running = api_cmd.COMPONENT.start(api_conf, resources)
        agent = agent_cmd.COMPONENT.start(_conf(agent_cmd.COMPONENT, config), resources)
        api = BlockApi(running.url.rstrip("/"), api_conf, running, agent, volume_dir)
        deadline = time.monotonic() + 30
        while not _backend_row(api):
            assert time.monotonic() < deadline, "the volume agent never reported"
            time.sleep(0.05)
        return api, resources
    except BaseException:
        if agent is not None:
            agent.stop()
        if running is not None:
            running.stop()
        resources.stop()
        raise


def _backend_row(api) -> bool:
    with api.db.reader() as session:
        return session.get(models.Backend, BACKEND) is not None


def stop_block(api, resources):
    api.agent.stop()
    api.running.stop()
    resources.stop()


def reset(api) -> None:
    """An empty cloud again: no volume, snapshot, quota or custom type (the backend
    and the default type stay)."""
    with api.db.writer() as session:
        for model in (models.VolumeAttachment, models.VolumeMetadata, models.Transfer,
                      models.Backup,
                      models.Snapshot, models.Volume, models.Quota, models.QuotaUsage,
                      models.VolumeTypeExtraSpec, models.VolumeTypeProject):
            session.query(model).delete()
        session.query(models.VolumeType).filter(
            models.VolumeType.name != "__DEFAULT__").delete()
        session.query(models.QosSpec).delete()


@pytest.fixture(scope="module")
def _shared_block(tmp_path_factory):
    api, resources = start_block(tmp_path_factory.mktemp("block"))
    yield api
    stop_block(api, resources)


@pytest.fixture
def block_api(_shared_block):
    """The module's API and agent, with no volume, snapshot or custom type."""
    reset(_shared_block)
    return _shared_block
