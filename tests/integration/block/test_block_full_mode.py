"""Block storage in full mode: the API in this process on MariaDB and RabbitMQ, the
volume agent as its own process (sovra-block-volume). Quotas hold under concurrent
creates with MariaDB's row locks; an agent SIGKILLed in the middle of a copy leaves
the volume in error with a reason once it is back (never ``creating`` forever,
never ``available`` with half its bytes), and nothing half-written on disk."""

import concurrent.futures
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import requests

from sovra_block.cmd import api as api_cmd
from sovra_block.db import DATABASE
from sovra_common import process
from sovra_common.cmd import manage

AGENT = os.path.join(os.path.dirname(sys.executable), "sovra-block-volume")
PROJECT = "c" * 32
MiB = 1024 * 1024


def _free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Agent:
    def __init__(self, config, log):
        self.argv = [AGENT, "--config-file", str(config)]
        self.log = log
        self.proc = None

    def start(self):
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def kill(self, sig=signal.SIGKILL):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)


@pytest.fixture(scope="module")
def full_block(tmp_path_factory, rabbitmq_url, mariadb_server):
    tmp = tmp_path_factory.mktemp("block-full")
    volume_dir = tmp / "volumes"
    db_url = mariadb_server.url_for(f"block_{uuid.uuid4().hex[:8]}")
    config = tmp / "sovra-block.conf"
    config.write_text(
        f"[api]\nbind_host = 127.0.0.1\nbind_port = {_free_port()}\n"
        "[auth]\nstrategy = noauth\n"
        f"[database]\nconnection = {db_url}\n"
        f"[messaging]\ntransport_url = {rabbitmq_url}\n"
        f"[block]\nhost = it-{uuid.uuid4().hex[:6]}\nenabled_backends = file1\n"
        "report_interval = 1\nservice_down_time = 5\n"
        f"[file1]\nvolume_driver = file\nfile_volume_dir = {volume_dir}\n"
        f"[backup]\nfile_backup_dir = {tmp / 'backups'}\n")
    assert manage.main(["--config-file", str(config), "block", "db", "sync"],
                       services=[DATABASE], commands=[]) == 0
    conf = api_cmd.COMPONENT.new_conf()
    conf(args=["--config-file", str(config)], project="sovra-block",
         default_config_files=[])
    resources = process.ProcessResources(conf).start()
    running = api_cmd.COMPONENT.start(conf, resources)
    agent = Agent(config, tmp / "agent.log").start()
    session = requests.Session()
    session.headers.update({"X-Auth-Token": f"u:{PROJECT}", "X-Roles": "member,reader"})
    api = running.url.rstrip("/")
    try:
        _wait(lambda: _zone_up(session, api), 60, "the volume agent never reported")
        yield session, api, agent, volume_dir
    finally:
        agent.kill()
        running.stop()
        resources.stop()


def _zone_up(session, api):
    zones = session.get(f"{api}/v3/os-availability-zone").json()
    return any(z["zoneState"]["available"] for z in zones["availabilityZoneInfo"])


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _volume(session, api, volume_id):
    return session.get(f"{api}/v3/volumes/{volume_id}").json()["volume"]


def _create(session, api, **body):
    resp = session.post(f"{api}/v3/volumes", json={"volume": {"size": 1, **body}})
    assert resp.status_code == 202, resp.text
    return resp.json()["volume"]


def _delete_all(session, api):
    for volume in session.get(f"{api}/v3/volumes").json()["volumes"]:
        session.delete(f"{api}/v3/volumes/{volume['id']}")
    _wait(lambda: not session.get(f"{api}/v3/volumes").json()["volumes"], 60,
          "volumes left behind")


def test_quota_holds_under_concurrent_creates_on_mariadb(full_block):
    session, api, _, _ = full_block
    admin = {"X-Auth-Token": "admin", "X-Roles": "admin,member,reader"}
    resp = requests.put(f"{api}/v3/os-quota-sets/{PROJECT}", headers=admin,
                        json={"quota_set": {"gigabytes": 4, "volumes": 50}}, timeout=30)
    assert resp.status_code == 200, resp.text

    def create(i):
        return session.post(f"{api}/v3/volumes", json={"volume": {
            "size": 1, "name": f"race-{i}"}}).status_code
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        codes = sorted(pool.map(create, range(10)))
    assert codes == [202] * 4 + [413] * 6, codes
    for volume in session.get(f"{api}/v3/volumes").json()["volumes"]:
        _wait(lambda v=volume: _volume(session, api, v["id"])["status"] == "available",
              60, "volume not available")
    _delete_all(session, api)
    usage = requests.get(f"{api}/v3/os-quota-sets/{PROJECT}?usage=true", headers=admin,
                         timeout=30).json()["quota_set"]
    assert usage["gigabytes"]["in_use"] == 0 and usage["volumes"]["in_use"] == 0


def test_an_agent_killed_during_a_copy_leaves_an_error_not_a_stuck_volume(full_block):
    session, api, agent, volume_dir = full_block
    source = _create(session, api, name="big-source")
    _wait(lambda: _volume(session, api, source["id"])["status"] == "available", 60,
          "source not available")
    # real bytes, so that the clone takes a while
    with open(volume_dir / f"volume-{source['id']}.raw", "r+b") as f:
        for _ in range(512):
            f.write(os.urandom(MiB))
    clone = _create(session, api, source_volid=source["id"], name="clone")
    _wait(lambda: any(n.startswith(".tmp") for n in os.listdir(volume_dir)), 30,
          "the copy never started")
    agent.kill()
    assert _volume(session, api, clone["id"])["status"] == "creating"

    agent.start()
    settled = _wait(lambda: (v := _volume(session, api, clone["id"]))["status"] !=
                    "creating" and v, 60, "the clone stayed creating")
    assert settled["status"] == "error", settled
    assert "restarted" in settled["error_reason"]
    assert not [n for n in os.listdir(volume_dir) if n.startswith(".tmp")]
    assert not (volume_dir / f"volume-{clone['id']}.raw").exists()
    assert _volume(session, api, source["id"])["status"] == "available"
    _delete_all(session, api)
